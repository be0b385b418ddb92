"""The built-in development sign-in: a small OpenID Connect provider on this server, FOR LOCAL DEVELOPMENT ONLY.
Its page signs in whoever types a username (no password), with the attributes typed beside it. It serves every
user pool and client: authenticate-cognito's pools (``/cognito/<pool id>``, provider/elbv2/authenticate_cognito.py)
and, as an issuer, any authenticate-oidc action pointed at it. Cognito's paths and token claims:

- ``GET  /cognito/<pool>/.well-known/openid-configuration``, ``.../.well-known/jwks.json``
- ``GET  /cognito/<pool>/oauth2/authorize``: the sign-in page (``response_type=code``, ``redirect_uri``, ``state``)
- ``POST /cognito/<pool>/login``: the page's form; a 302 to ``redirect_uri`` with a one-time ``code`` (5 minutes)
- ``POST /cognito/<pool>/oauth2/token``: authorization_code and refresh_token grants (no client secret checked)
- ``GET  /cognito/<pool>/oauth2/userInfo``: the signed-in user's attributes, for the access token

The issuer is ``<scheme>://<host>/cognito/<pool>`` of the request, so it is whatever URL the action names. Tokens are
ES256 JWTs (joserfc) under a key kept in the state directory (AuthKeys.issuer_key); refresh tokens are sealed
with the session key. Codes live in memory only.
"""

from __future__ import annotations

import base64
import binascii
import html
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from provider.auth.keys import AuthKeys
from provider.auth.sessions import seal, unseal

PREFIX = "/cognito/{pool:str}"
CODE_LIFETIME_S = 300
TOKEN_LIFETIME_S = 3600
MAX_CODES = 10000
REFRESH = b"devidp-refresh"
STANDARD = ("email", "name", "given_name", "family_name", "phone_number")  # the page's own fields
TOKEN_CLAIMS = ("iss", "exp", "iat", "auth_time", "client_id", "token_use", "scope", "jti", "aud", "nonce")


@dataclass(frozen=True)
class Grant:
    client_id: str
    redirect_uri: str
    nonce: str
    scope: str
    attributes: dict[str, str]
    expires: float


class DevIdp:
    def __init__(self, keys: AuthKeys, clock: Callable[[], float] = time.time) -> None:
        self.keys, self.clock = keys, clock
        self.codes: dict[str, Grant] = {}

    def _key(self) -> tuple[str, ECKey]:
        kid, key = self.keys.issuer_key()
        return kid, ECKey.import_key(key)

    def discovery(self, issuer: str) -> dict[str, Any]:
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/oauth2/authorize",
            "token_endpoint": f"{issuer}/oauth2/token",
            "userinfo_endpoint": f"{issuer}/oauth2/userInfo",
            "jwks_uri": f"{issuer}/.well-known/jwks.json",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
        }

    def jwks(self) -> dict[str, Any]:
        kid, key = self._key()
        public = key.as_dict(private=False)
        return {"keys": [{**public, "kid": kid, "use": "sig", "alg": "ES256"}]}

    def sign_in(self, form: Mapping[str, str]) -> str:
        """The page's form -> the code, kept for CODE_LIFETIME_S; the user's attributes are what was typed."""
        username = form.get("username", "").strip()
        if not username:
            raise ValueError("a username is needed")
        attributes = {"cognito:username": username}
        attributes |= {k: form[k].strip() for k in STANDARD if form.get(k, "").strip()}
        for line in form.get("attributes", "").splitlines():
            name, _, value = line.partition("=")
            if name.strip() and name.strip() not in TOKEN_CLAIMS and name.strip() != "sub":
                attributes[name.strip()] = value.strip()
        now = self.clock()
        if len(self.codes) >= MAX_CODES:
            self.codes = {c: g for c, g in self.codes.items() if g.expires > now}
        code = secrets.token_urlsafe(32)
        self.codes[code] = Grant(form.get("client_id", ""), form.get("redirect_uri", ""), form.get("nonce", ""),
                                 form.get("scope", "openid"), attributes, now + CODE_LIFETIME_S)
        return code

    def token(self, issuer: str, pool: str, form: Mapping[str, str], client: str) -> dict[str, Any] | None:
        """The token endpoint's answer, or None (invalid_grant) for an unknown, used or stale code or token."""
        now = self.clock()
        if form.get("grant_type") == "authorization_code":
            grant = self.codes.pop(form.get("code", ""), None)
            if grant is None or grant.expires < now or grant.redirect_uri != form.get("redirect_uri"):
                return None
            if (client or form.get("client_id", grant.client_id)) != grant.client_id:
                return None
        elif form.get("grant_type") == "refresh_token":
            held = unseal(self.keys.session_key, form.get("refresh_token", ""), REFRESH)
            if held is None or held.get("iss") != issuer:
                return None
            grant = Grant(str(held["client_id"]), "", "", str(held["scope"]), dict(held["attributes"]), now)
        else:
            return None
        sub = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{pool}/{grant.attributes['cognito:username']}"))
        common = {"iss": issuer, "sub": sub, "iat": int(now), "exp": int(now) + TOKEN_LIFETIME_S, **grant.attributes}
        id_claims = {**common, "aud": grant.client_id, "token_use": "id", "auth_time": int(now)}
        if grant.nonce:
            id_claims["nonce"] = grant.nonce
        access_claims = {**common, "client_id": grant.client_id, "token_use": "access", "scope": grant.scope,
                         "jti": str(uuid.uuid4())}
        refresh = {"iss": issuer, "client_id": grant.client_id, "scope": grant.scope, "attributes": grant.attributes}
        return {
            "id_token": self._sign(id_claims),
            "access_token": self._sign(access_claims),
            "refresh_token": seal(self.keys.session_key, refresh, REFRESH),
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_S,
        }

    def user_info(self, issuer: str, access_token: str) -> dict[str, Any] | None:
        kid, key = self._key()
        try:
            claims = jwt.decode(access_token, key, algorithms=["ES256"]).claims
            jwt.JWTClaimsRegistry(iss={"essential": True, "value": issuer}, exp={"essential": True},
                                  token_use={"essential": True, "value": "access"}).validate(claims)
        except (JoseError, ValueError):
            return None
        return {k: v for k, v in claims.items() if k not in TOKEN_CLAIMS}

    def _sign(self, claims: Mapping[str, Any]) -> str:
        kid, key = self._key()
        return jwt.encode({"alg": "ES256", "kid": kid, "typ": "JWT"}, dict(claims), key, algorithms=["ES256"])


def routes(idp: DevIdp) -> list[BaseRoute]:
    def issuer(request: Request) -> str:
        return f"{request.url.scheme}://{request.url.netloc}/cognito/{request.path_params['pool']}"

    async def discovery(request: Request) -> Response:
        return JSONResponse(idp.discovery(issuer(request)))

    async def jwks(request: Request) -> Response:
        return JSONResponse(idp.jwks())

    async def authorize(request: Request) -> Response:
        query = request.query_params
        if query.get("response_type") != "code" or not query.get("redirect_uri") or not query.get("client_id"):
            return _error(400, "invalid_request", "response_type=code, client_id and redirect_uri are needed")
        hidden = {k: query.get(k, "") for k in ("client_id", "redirect_uri", "state", "nonce", "scope")}
        return HTMLResponse(_page(request.path_params["pool"], hidden))

    async def login(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        try:
            code = idp.sign_in(form)
        except ValueError as error:
            return _error(400, "invalid_request", str(error))
        answer = {"code": code} | ({"state": form["state"]} if form.get("state") else {})
        separator = "&" if "?" in form.get("redirect_uri", "") else "?"
        return RedirectResponse(form.get("redirect_uri", "") + separator + urlencode(answer), 302)

    async def token(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        client = request.headers.get("authorization", "")
        client_id = ""
        if client.lower().startswith("basic "):
            try:
                client_id = unquote_plus(base64.b64decode(client[6:]).decode().partition(":")[0])
            except (ValueError, binascii.Error):
                return _error(401, "invalid_client", "malformed Basic credentials")
        tokens = idp.token(issuer(request), request.path_params["pool"], form, client_id)
        if tokens is None:
            return _error(400, "invalid_grant", "unknown, used or expired code or refresh token")
        return JSONResponse(tokens, headers={"Cache-Control": "no-store"})

    async def user_info(request: Request) -> Response:
        bearer = request.headers.get("authorization", "")
        claims = idp.user_info(issuer(request), bearer[7:]) if bearer.lower().startswith("bearer ") else None
        if claims is None:
            return _error(401, "invalid_token", "the access token is not valid")
        return JSONResponse(claims)

    return [
        Route(f"{PREFIX}/.well-known/openid-configuration", discovery, methods=["GET"]),
        Route(f"{PREFIX}/.well-known/jwks.json", jwks, methods=["GET"]),
        Route(f"{PREFIX}/oauth2/authorize", authorize, methods=["GET"]),
        Route(f"{PREFIX}/login", login, methods=["POST"]),
        Route(f"{PREFIX}/oauth2/token", token, methods=["POST"]),
        Route(f"{PREFIX}/oauth2/userInfo", user_info, methods=["GET"]),
    ]


def _error(status: int, code: str, description: str) -> Response:
    return JSONResponse({"error": code, "error_description": description}, status)


def _page(pool: str, hidden: Mapping[str, str]) -> str:
    fields = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in hidden.items())
    standard = "".join(
        f'<label>{name} <input name="{name}" id="{name}" autocomplete="off"></label>' for name in STANDARD
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in: {html.escape(pool)} (development)</title>
<style>body{{font:15px system-ui,sans-serif;max-width:30em;margin:3em auto}} label{{display:block;margin:.5em 0}}
input,textarea{{width:100%;box-sizing:border-box}}
.warn{{background:#fff3cd;padding:.6em;border:1px solid #e0c36c}}</style>
</head><body>
<h1>Sign in</h1>
<p class="warn"><b>Local development only.</b> This is elbv2-provider's built-in sign-in for user pool
<code>{html.escape(pool)}</code>: anyone who types a username is signed in as that user, no password.</p>
<form method="post" action="/cognito/{html.escape(pool)}/login">{fields}
<label>Username <input name="username" id="username" required autofocus></label>
{standard}
<label>Other attributes, one <code>name=value</code> a line
<textarea name="attributes" id="attributes" rows="3" placeholder="custom:team=payments"></textarea></label>
<button type="submit" id="signin">Sign in</button>
</form></body></html>
"""
