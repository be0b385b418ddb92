"""What this server answers for fixed-response and redirect rules (pure): which rule a forwarded path names,
and the Location of a redirect.

The compiler routes such a rule to this server under ``/__fixed/<key>`` or ``/__redirect/<key>`` (Traefik's
replacePath), where ``<key>`` is the id at the end of the rule's ARN.
"""

from __future__ import annotations

import re
import string
from urllib.parse import quote

from provider.elbv2.model import FixedResponse, Listener, Redirect, Rule, State
from provider.traefik.dynamic import safe_name

FIXED_PATH_PREFIX = "/__fixed/"
REDIRECT_PATH_PREFIX = "/__redirect/"
_PLACEHOLDER = re.compile(r"#\{(protocol|host|port|path|query)\}")
_LOCATION_SAFE = string.printable.strip()  # percent-encode only what cannot go into a header: non-ASCII, space


def rule_key(rule: Rule) -> str:
    """The id at the end of a rule ARN, used in names and in ``/__fixed/<key>``, ``/__redirect/<key>``."""
    return safe_name(rule.arn.rsplit("/", 1)[-1])


def fixed_responses(state: State) -> dict[str, FixedResponse]:
    """``/__fixed/<key>`` -> the response to give: ``{"9683b2d02a6cabee": FixedResponse("404", ...)}``."""
    return {rule_key(r): a.fixed_response for r in state.rules.values() for a in r.actions if a.fixed_response}


def redirects(state: State) -> dict[str, tuple[Redirect, Listener]]:
    """``/__redirect/<key>`` -> the redirect and the listener it is on (its protocol and port fill placeholders)."""
    return {
        rule_key(r): (a.redirect, state.listeners[r.listener_arn])
        for r in state.rules.values()
        if r.listener_arn in state.listeners
        for a in r.actions
        if a.redirect
    }


def redirect_location(redirect: Redirect, listener: Listener, host: str, path: str, query: str) -> str:
    """ALB's Location: placeholders expand once, from the request and the listener; ``#{path}`` has no leading
    slash; an empty query adds no ``?``; the port is always written. On an HTTP:80 listener,
    ``Redirect("HTTP_301", protocol="HTTPS", port="443")`` for ``shop.example:80`` ``/a`` ``x=1``
    -> ``https://shop.example:443/a?x=1``."""
    values = {
        "protocol": listener.protocol.value.lower(),
        "host": _without_port(host),
        "port": str(listener.port),
        "path": path.removeprefix("/"),
        "query": query,
    }

    def expand(template: str) -> str:
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)

    expanded_query = expand(redirect.query)
    location = f"{expand(redirect.protocol).lower()}://{expand(redirect.host)}:{expand(redirect.port)}"
    location += expand(redirect.path) + (f"?{expanded_query}" if expanded_query else "")
    return quote(location, safe=_LOCATION_SAFE)


def _without_port(host: str) -> str:
    """``a.example:8080`` -> ``a.example``; ``[::1]:80`` -> ``[::1]``."""
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    name, colon, port = host.rpartition(":")
    return name if colon and port.isdigit() else host
