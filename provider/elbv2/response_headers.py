"""Listener attributes: the ``routing.http.response.*`` headers ALB adds to every response of a listener (fixed
responses and redirects included), ``server.enabled=false`` removing the Server header, and the names the listener
gives the TLS and mTLS headers ALB adds to requests (``routing.http.request.<header>.header_name``).

>>> response_headers((("routing.http.response.x_frame_options.header_value", "DENY"),
...                   ("routing.http.response.server.enabled", "false")))
{'X-Frame-Options': 'DENY', 'Server': ''}
>>> request_header_names((("routing.http.request.x_amzn_mtls_clientcert_leaf.header_name", "X-Client-Leaf"),))
{'X-Amzn-Mtls-Clientcert-Leaf': 'X-Client-Leaf'}
"""

from __future__ import annotations

import re

from provider.elbv2 import attributes
from provider.elbv2.conditions import HEADER_NAME
from provider.elbv2.model import Attributes

_PREFIX = "routing.http.response."
HEADERS = {  # attribute name between the prefix and ``.header_value`` -> the header it sets
    "strict_transport_security": "Strict-Transport-Security",
    "access_control_allow_origin": "Access-Control-Allow-Origin",
    "access_control_allow_methods": "Access-Control-Allow-Methods",
    "access_control_allow_headers": "Access-Control-Allow-Headers",
    "access_control_allow_credentials": "Access-Control-Allow-Credentials",
    "access_control_expose_headers": "Access-Control-Expose-Headers",
    "access_control_max_age": "Access-Control-Max-Age",
    "content_security_policy": "Content-Security-Policy",
    "x_content_type_options": "X-Content-Type-Options",
    "x_frame_options": "X-Frame-Options",
}
_REQUEST_HEADERS = (
    "x_amzn_mtls_clientcert_serial_number", "x_amzn_mtls_clientcert_issuer", "x_amzn_mtls_clientcert_subject",
    "x_amzn_mtls_clientcert_validity", "x_amzn_mtls_clientcert_leaf", "x_amzn_mtls_clientcert",
    "x_amzn_tls_version", "x_amzn_tls_cipher_suite",
)  # fmt: skip
_METHODS = {"GET", "HEAD", "POST", "DELETE", "PUT", "CONNECT", "OPTIONS", "TRACE", "PATCH", "*"}


def _pattern(default: str, regex: str, expected: str) -> attributes.Spec:
    compiled = re.compile(regex)
    return attributes.Spec(default, lambda v: v == "" or compiled.fullmatch(v) is not None, expected)


def _request_key(name: str) -> str:
    return f"routing.http.request.{name}.header_name"


def _methods(value: str) -> bool:
    return value == "" or all(m.strip() in _METHODS for m in value.split(","))


_HEADER_NAME = _pattern("", HEADER_NAME.pattern, "an HTTP header name of 1 to 40 characters")
_VALUES: dict[str, attributes.Spec] = {
    "x_content_type_options": _pattern("", "nosniff", "'nosniff'"),
    "x_frame_options": _pattern("", r"DENY|SAMEORIGIN|ALLOW-FROM \S{1,1000}", "DENY, SAMEORIGIN or ALLOW-FROM <uri>"),
    "access_control_allow_credentials": _pattern("", "true", "'true'"),
    "access_control_max_age": _pattern("", "[0-9]{1,9}", "a number of seconds"),
    "access_control_allow_methods": attributes.Spec("", _methods, "HTTP methods separated by commas"),
    "strict_transport_security": _pattern("", r"max-age=[0-9]+(; ?includeSubDomains)?(; ?preload)?", "max-age=..."),
}

LISTENER_ATTRIBUTES: attributes.Specs = {
    _PREFIX + "server.enabled": attributes.boolean("true"),
    **{f"{_PREFIX}{name}.header_value": _VALUES.get(name, attributes.text("")) for name in HEADERS},
    **{_request_key(name): _HEADER_NAME for name in _REQUEST_HEADERS},
}


def response_headers(listener_attributes: Attributes) -> dict[str, str]:
    """Header -> value to set on every response; an empty value removes the header (only ever Server)."""
    values = dict(listener_attributes)
    out = {header: values.get(f"{_PREFIX}{name}.header_value", "") for name, header in HEADERS.items()}
    out = {header: value for header, value in out.items() if value}
    if values.get(_PREFIX + "server.enabled") == "false":
        out["Server"] = ""
    return out


def request_header_names(listener_attributes: Attributes) -> dict[str, str]:
    """ALB's name of each TLS or mTLS request header the listener renames -> its name there."""
    values = dict(listener_attributes)
    out = {"-".join(w.capitalize() for w in name.split("_")): values.get(_request_key(name), "")
           for name in _REQUEST_HEADERS}
    return {header: renamed for header, renamed in out.items() if renamed}
