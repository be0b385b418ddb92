"""The authenticate-oidc action: users sign in at an OpenID Connect IdP before the rule's last action. Parse,
validate, render; the ``alb`` plugin checks the session cookie inside Traefik and the sign-in round trip
(``/oauth2/idpresponse``) comes to this server (provider/auth/).

AWS's rules: Issuer, AuthorizationEndpoint, TokenEndpoint, UserInfoEndpoint and ClientId required, each endpoint a
full https URL (``http://`` on a local host is a deliberate difference: provider/elbv2/endpoints.py); ClientSecret
required unless UseExistingClientSecret keeps the stored one (Modify*), never both; SessionTimeout 1-604800 s;
at most 10 AuthenticationRequestExtraParams; OnUnauthenticatedRequest deny, allow or authenticate.

>>> parse_authenticate_oidc({"issuer": "https://idp", "authorization_endpoint": "https://idp/auth",
...     "token_endpoint": "https://idp/token", "user_info_endpoint": "https://idp/me", "client_id": "app",
...     "client_secret": "s"}).session_cookie_name
'AWSELBAuthSessionCookie'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from provider.elbv2.endpoints import https_or_local
from provider.elbv2.model import (
    SESSION_COOKIE,
    SESSION_TIMEOUT_SECONDS,
    Action,
    AuthenticateCognito,
    AuthenticateOidc,
    OnUnauthenticated,
)
from provider.errors import InvalidLoadBalancerAction, ValidationError

MAX_EXTRA_PARAMS = 10
ENDPOINTS = (
    ("authorization_endpoint", "AuthorizationEndpoint"),
    ("token_endpoint", "TokenEndpoint"),
    ("user_info_endpoint", "UserInfoEndpoint"),
)
BOTH_SECRETS = "You cannot both specify a client secret and set UseExistingClientSecret to true"
_COOKIE_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}")  # an RFC 6265 token


def parse_authenticate_oidc(raw: Mapping[str, Any] | None, existing: Sequence[Action] = ()) -> AuthenticateOidc:
    """``existing``: the actions being replaced (Modify*), whose client secret UseExistingClientSecret keeps."""
    if raw is None:
        raise ValidationError("An authenticate-oidc action needs an 'AuthenticateOidcConfig'")
    issuer = _required(raw, "issuer", "Issuer")
    if not https_or_local(issuer, need_path=False):
        raise ValidationError(f"The issuer '{issuer}' must be a full https URL")
    endpoints = {}
    for key, name in ENDPOINTS:
        endpoints[key] = _required(raw, key, name)
        if not https_or_local(endpoints[key]):
            raise ValidationError(f"The {name} '{endpoints[key]}' must be a full https URL")
    client_id = _required(raw, "client_id", "ClientId")
    settings = session_settings(raw)
    return AuthenticateOidc(
        issuer, endpoints["authorization_endpoint"], endpoints["token_endpoint"], endpoints["user_info_endpoint"],
        client_id, _client_secret(raw, existing), settings.session_cookie_name, settings.scope,
        settings.session_timeout, settings.extra_params, settings.on_unauthenticated_request,
    )


@dataclass(frozen=True, slots=True)
class SessionSettings:
    session_cookie_name: str
    scope: str
    session_timeout: int
    extra_params: tuple[tuple[str, str], ...]
    on_unauthenticated_request: OnUnauthenticated


def session_settings(raw: Mapping[str, Any]) -> SessionSettings:
    """The settings authenticate-oidc and authenticate-cognito share, with AWS's defaults: SessionCookieName,
    Scope, SessionTimeout, AuthenticationRequestExtraParams, OnUnauthenticatedRequest."""
    cookie = raw.get("session_cookie_name") or SESSION_COOKIE
    if not _COOKIE_NAME.fullmatch(cookie):
        raise ValidationError(f"The session cookie name '{cookie}' must be a cookie name of at most 128 characters")
    timeout = raw.get("session_timeout")
    if timeout is None:
        timeout = SESSION_TIMEOUT_SECONDS
    if not 1 <= timeout <= SESSION_TIMEOUT_SECONDS:
        raise ValidationError(f"The session timeout must be between 1 and {SESSION_TIMEOUT_SECONDS} seconds")
    extra = raw.get("authentication_request_extra_params") or {}
    if len(extra) > MAX_EXTRA_PARAMS:
        raise ValidationError(f"At most {MAX_EXTRA_PARAMS} authentication request extra params can be specified")
    behaviour = raw.get("on_unauthenticated_request") or OnUnauthenticated.AUTHENTICATE.value
    try:
        on_unauthenticated = OnUnauthenticated(behaviour)
    except ValueError:
        allowed = ", ".join(b.value for b in OnUnauthenticated)
        raise ValidationError(f"OnUnauthenticatedRequest '{behaviour}' must be one of [{allowed}]") from None
    extra_params = tuple(sorted((str(k), str(v)) for k, v in extra.items()))
    return SessionSettings(cookie, raw.get("scope") or "openid", timeout, extra_params, on_unauthenticated)


def render_session_settings(auth: AuthenticateOidc | AuthenticateCognito) -> dict[str, Any]:
    out: dict[str, Any] = {
        "session_cookie_name": auth.session_cookie_name,
        "scope": auth.scope,
        "session_timeout": auth.session_timeout,
        "on_unauthenticated_request": auth.on_unauthenticated_request.value,
    }
    if auth.extra_params:
        out["authentication_request_extra_params"] = dict(auth.extra_params)
    return out


def _required(raw: Mapping[str, Any], key: str, name: str) -> str:
    value = raw.get(key)
    if not value:
        raise ValidationError(f"An authenticate-oidc action needs a '{name}'")
    return str(value)


def _client_secret(raw: Mapping[str, Any], existing: Sequence[Action]) -> str:
    secret, keep = raw.get("client_secret"), bool(raw.get("use_existing_client_secret"))
    if secret and keep:
        raise InvalidLoadBalancerAction(BOTH_SECRETS)
    if secret:
        return str(secret)
    stored = next((a.authenticate_oidc.client_secret for a in existing if a.authenticate_oidc), None)
    if keep and stored is not None:
        return stored
    if keep:
        raise ValidationError("UseExistingClientSecret needs an authenticate-oidc action to take the secret from")
    raise ValidationError("An authenticate-oidc action needs a 'ClientSecret' (or UseExistingClientSecret on Modify)")


def render_authenticate_oidc(oidc: AuthenticateOidc) -> dict[str, Any]:
    """As AWS answers: every setting but the client secret."""
    return {
        "issuer": oidc.issuer,
        "authorization_endpoint": oidc.authorization_endpoint,
        "token_endpoint": oidc.token_endpoint,
        "user_info_endpoint": oidc.user_info_endpoint,
        "client_id": oidc.client_id,
        **render_session_settings(oidc),
    }
