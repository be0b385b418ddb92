"""The authenticate-cognito action: users sign in at a Cognito user pool before the rule's last action. There is no
Cognito here: the user pool is served by this server's built-in development sign-in (provider/auth/devidp.py), an
OpenID Connect provider whose page takes any username, unless UserPoolDomain is a URL (``http://localhost:9229``),
which names a Cognito-compatible endpoint the user runs. Either way the action becomes the same sign-in as
authenticate-oidc (``as_oidc``): the same flow, cookies and headers.

AWS's rules: UserPoolArn, UserPoolClientId and UserPoolDomain required, the ARN a user pool's; the session
settings and their defaults as authenticate-oidc's; HTTPS listeners only (provider/elbv2/actions.py).

>>> cognito = parse_authenticate_cognito({"user_pool_arn": POOL, "user_pool_client_id": "app",
...     "user_pool_domain": "shop"})
>>> as_oidc(cognito, "http://127.0.0.1:8080").authorization_endpoint
'http://127.0.0.1:8080/cognito/us-east-1_Ab12/oauth2/authorize'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from provider.elbv2.authenticate_oidc import render_session_settings, session_settings
from provider.elbv2.endpoints import https_or_local
from provider.elbv2.model import Action, AuthenticateCognito, AuthenticateOidc
from provider.errors import ValidationError

POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Ab12"
USER_POOL_ARN = re.compile(r"arn:aws[a-z-]*:cognito-idp:([a-z]{2}(-[a-z]+)+-\d):\d{12}:userpool/([\w-]+_[0-9A-Za-z]+)")
BUILT_IN_PATH = "/cognito"  # the development sign-in's user pools: <server>/cognito/<pool id>
REQUIRED = (
    ("user_pool_arn", "UserPoolArn"),
    ("user_pool_client_id", "UserPoolClientId"),
    ("user_pool_domain", "UserPoolDomain"),
)


def parse_authenticate_cognito(raw: Mapping[str, Any] | None) -> AuthenticateCognito:
    if raw is None:
        raise ValidationError("An authenticate-cognito action needs an 'AuthenticateCognitoConfig'")
    values = {}
    for key, name in REQUIRED:
        if not raw.get(key):
            raise ValidationError(f"An authenticate-cognito action needs a '{name}'")
        values[key] = str(raw[key])
    if not USER_POOL_ARN.fullmatch(values["user_pool_arn"]):
        raise ValidationError(f"The user pool ARN '{values['user_pool_arn']}' is not a valid user pool ARN")
    domain = values["user_pool_domain"]
    if "://" in domain and not https_or_local(domain, need_path=False):
        raise ValidationError(f"The user pool domain '{domain}' must be https, or http on a local host")
    settings = session_settings(raw)
    return AuthenticateCognito(
        values["user_pool_arn"], values["user_pool_client_id"], domain, settings.session_cookie_name, settings.scope,
        settings.session_timeout, settings.extra_params, settings.on_unauthenticated_request,
    )


def render_authenticate_cognito(cognito: AuthenticateCognito) -> dict[str, Any]:
    return {
        "user_pool_arn": cognito.user_pool_arn,
        "user_pool_client_id": cognito.user_pool_client_id,
        "user_pool_domain": cognito.user_pool_domain,
        **render_session_settings(cognito),
    }


def pool_id(cognito: AuthenticateCognito) -> str:
    found = USER_POOL_ARN.fullmatch(cognito.user_pool_arn)
    assert found is not None  # parsed
    return found.group(3)


def as_oidc(cognito: AuthenticateCognito, server_url: str) -> AuthenticateOidc:
    """The OpenID Connect sign-in a user pool is: Cognito's endpoints (``/oauth2/authorize``, ``/oauth2/token``,
    ``/oauth2/userInfo``) under the built-in pool at ``<server>/cognito/<pool id>`` (its issuer), or under a URL
    domain, whose issuer is ``<domain>/<pool id>`` as a Cognito-compatible server's. No client secret: the built-in
    pool needs none, and ALB reads a real pool's from Cognito, which is not here."""
    pool = pool_id(cognito)
    domain = cognito.user_pool_domain.rstrip("/")
    if "://" in domain:
        base, issuer = domain, f"{domain}/{pool}"
    else:
        base = issuer = f"{server_url}{BUILT_IN_PATH}/{pool}"
    return AuthenticateOidc(
        issuer=issuer,
        authorization_endpoint=f"{base}/oauth2/authorize",
        token_endpoint=f"{base}/oauth2/token",
        user_info_endpoint=f"{base}/oauth2/userInfo",
        client_id=cognito.user_pool_client_id,
        client_secret="",
        session_cookie_name=cognito.session_cookie_name,
        scope=cognito.scope,
        session_timeout=cognito.session_timeout,
        extra_params=cognito.extra_params,
        on_unauthenticated_request=cognito.on_unauthenticated_request,
    )


def sign_in(action: Action, server_url: str) -> AuthenticateOidc | None:
    """The OpenID Connect sign-in an authenticate-oidc or authenticate-cognito action makes; None for others."""
    if action.authenticate_cognito is not None:
        return as_oidc(action.authenticate_cognito, server_url)
    return action.authenticate_oidc
