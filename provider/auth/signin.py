"""The sign-in round trip ALB makes at ``/oauth2/idpresponse``, and refreshes: the code exchanged at the token
endpoint with the client secret (HTTP Basic; a user pool's client, which has none here, names itself in the form),
the ID token checked (signature by the issuer's published keys, iss, aud, exp, nonce) with joserfc, the user-info
claims fetched, ``x-amzn-oidc-data`` signed with the region's newest key, the session sealed.

ALB's answers: 561 when the IdP answers with an error, 401 for anything else that fails (an IdP that cannot be
reached, a state or nonce that does not match, a bad ID token, claims over 11 KB). Outbound HTTPS trusts the
system's roots and the local CA of ACM's certificates.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from provider.auth.keys import AuthKeys
from provider.auth.sessions import (
    MAX_CLAIMS_BYTES,
    SESSION,
    STATE,
    fits,
    seal,
    shard_cookies,
    sign_data,
    unseal,
)
from provider.elbv2.arns import region_of
from provider.elbv2.authenticate_cognito import sign_in
from provider.elbv2.model import AuthenticateOidc, State

NONCE_COOKIE = "AWSALBAuthNonce"
STATE_LIFETIME_S = 900  # as the plugin's nonce cookie
IDP_TIMEOUT_S = 10.0
ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512"]


def trust(local_ca_pem: str) -> ssl.SSLContext:
    """Outbound HTTPS to an IdP: the system's roots and the local CA (an IdP with an ACM certificate works)."""
    context = ssl.create_default_context()
    context.load_verify_locations(cadata=local_ca_pem)
    return context


class Refused(Exception):
    """The sign-in fails with ``status``: 561 (the IdP answered with an error) or 401."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class Done:
    """A sign-in or refresh that worked: the sealed session, its cookies, where to go next."""

    sealed: str
    cookies: list[str]
    location: str = ""


@dataclass(frozen=True)
class _Target:
    rule_arn: str
    oidc: AuthenticateOidc
    signer: str  # the load balancer ARN


class SignIn:
    def __init__(self, snapshot: Callable[[], State], keys: AuthKeys, trust: Callable[[], ssl.SSLContext],
                 server_url: str, clock: Callable[[], float] = time.time) -> None:
        """``server_url``: where Traefik and browsers reach this server (the built-in user pools' issuer)."""
        self.snapshot, self.keys, self.trust, self.clock = snapshot, keys, trust, clock
        self.server_url = server_url
        self._jwks: dict[str, KeySet] = {}

    async def callback(self, query: Mapping[str, str], cookies: Mapping[str, str], host: str) -> Done:
        state = unseal(self.keys.session_key, query.get("state", ""), STATE)
        now = self.clock()
        if state is None or not now - STATE_LIFETIME_S <= float(state.get("iat", 0)) <= now + 60:
            raise Refused(401, "unknown or stale state")
        nonce = str(state.get("nonce", ""))
        if not nonce or cookies.get(NONCE_COOKIE) != nonce:
            raise Refused(401, "the state does not match the nonce cookie")
        if "error" in query:
            raise Refused(561, f"the IdP answered {query['error']}")
        target = self._target(str(state.get("rule", "")))
        redirect_uri = f"https://{host}/oauth2/idpresponse"
        async with self._client() as client:
            tokens = await self._token(client, target.oidc, {
                "grant_type": "authorization_code", "code": query.get("code", ""), "redirect_uri": redirect_uri})
            id_token = tokens.get("id_token")
            if not isinstance(id_token, str):
                raise Refused(401, "no ID token")
            subject = await self._check_id_token(client, target.oidc, id_token, nonce)
            done = await self._session(client, target, tokens, subject, now, now + target.oidc.session_timeout)
        before = _shards(cookies, target.oidc.session_cookie_name)
        gone = f"{NONCE_COOKIE}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=None"
        cookies_out = shard_cookies(target.oidc.session_cookie_name, done.sealed, now + target.oidc.session_timeout,
                                    before)
        return Done(done.sealed, [*cookies_out, gone], str(state.get("url") or f"https://{host}/"))

    async def refresh(self, rule_arn: str, sealed: str) -> Done:
        """A new session from the refresh token a sealed one holds (the plugin asks when the access token ended)."""
        session = unseal(self.keys.session_key, sealed, SESSION)
        now = self.clock()
        if session is None or not session.get("refresh_token") or now >= float(session.get("exp", 0)):
            raise Refused(401, "no session to refresh")
        target = self._target(rule_arn)
        if (session.get("iss"), session.get("client"), session.get("signer")) != (
            target.oidc.issuer, target.oidc.client_id, target.signer
        ):
            raise Refused(401, "the session belongs to another IdP or load balancer")
        async with self._client() as client:
            tokens = await self._token(client, target.oidc, {
                "grant_type": "refresh_token", "refresh_token": session["refresh_token"]})
            tokens.setdefault("refresh_token", session["refresh_token"])
            done = await self._session(client, target, tokens, str(session.get("sub")), now, float(session["exp"]))
        cookies = shard_cookies(target.oidc.session_cookie_name, done.sealed, float(session["exp"]))
        return Done(done.sealed, cookies)

    def _target(self, rule_arn: str) -> _Target:
        state = self.snapshot()
        rule = state.rules.get(rule_arn)
        listener = state.listeners.get(rule.listener_arn) if rule else None
        oidc = next((o for a in rule.actions if (o := sign_in(a, self.server_url))), None) if rule else None
        if listener is None or oidc is None:
            raise Refused(401, "the rule no longer authenticates")
        return _Target(rule_arn, oidc, listener.load_balancer_arn)

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(verify=self.trust(), timeout=IDP_TIMEOUT_S, follow_redirects=False)

    async def _token(self, client: httpx.AsyncClient, oidc: AuthenticateOidc, form: dict[str, Any]) -> dict[str, Any]:
        if oidc.client_secret:
            auth = (quote_plus(oidc.client_id), quote_plus(oidc.client_secret))  # RFC 6749 2.3.1
            reply = await _call(client, "POST", oidc.token_endpoint, data=form, auth=auth)
        else:  # a user pool's public client (ALB would read a real pool's secret from Cognito): RFC 6749 3.2.1
            reply = await _call(client, "POST", oidc.token_endpoint, data={**form, "client_id": oidc.client_id})
        tokens = reply.json() if reply.headers.get("content-type", "").startswith("application/json") else None
        if reply.status_code != 200 or not isinstance(tokens, dict) or "error" in tokens:
            raise Refused(561, f"the token endpoint answered {reply.status_code}")
        if not isinstance(tokens.get("access_token"), str):
            raise Refused(401, "no access token")
        return tokens

    async def _check_id_token(self, client: httpx.AsyncClient, oidc: AuthenticateOidc, id_token: str,
                              nonce: str) -> str:
        claims = None
        for fresh in (False, True):  # keys cached per issuer; fetched again once for a key they do not hold
            keys = await self._issuer_keys(client, oidc.issuer, fresh)
            try:
                claims = jwt.decode(id_token, keys, algorithms=ID_TOKEN_ALGORITHMS).claims
                break
            except (JoseError, ValueError):
                continue
        if claims is None:
            raise Refused(401, "the ID token's signature does not verify")
        registry = jwt.JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": oidc.issuer},
            aud={"essential": True, "value": oidc.client_id},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
            sub={"essential": True},
        )
        try:
            registry.validate(claims)
        except JoseError as error:
            raise Refused(401, f"ID token: {error}") from None
        return str(claims["sub"])

    async def _issuer_keys(self, client: httpx.AsyncClient, issuer: str, fresh: bool) -> KeySet:
        if fresh or issuer not in self._jwks:
            discovery = await _call(client, "GET", issuer.rstrip("/") + "/.well-known/openid-configuration")
            try:
                jwks_uri = discovery.json()["jwks_uri"]
                self._jwks[issuer] = KeySet.import_key_set((await _call(client, "GET", jwks_uri)).json())
            except (ValueError, KeyError, TypeError, JoseError):
                raise Refused(401, "the issuer publishes no usable keys") from None
        return self._jwks[issuer]

    async def _session(self, client: httpx.AsyncClient, target: _Target, tokens: Mapping[str, Any], subject: str,
                       now: float, ends: float) -> Done:
        oidc, access_token = target.oidc, str(tokens["access_token"])
        reply = await _call(client, "GET", oidc.user_info_endpoint, headers={"Authorization": f"Bearer {access_token}"})
        try:
            claims = reply.json() if reply.status_code == 200 else None
        except ValueError:
            claims = None
        if not isinstance(claims, dict):
            raise Refused(561, f"the user info endpoint answered {reply.status_code}")
        if claims.get("sub") != subject:
            raise Refused(401, "the user info is of another subject")
        if len(reply.content) + len(access_token) > MAX_CLAIMS_BYTES:
            raise Refused(401, "claims and access token over 11 KB")
        expires_in = tokens.get("expires_in")
        access_until = min(ends, now + float(expires_in)) if isinstance(expires_in, int | float) else ends
        kid, key = self.keys.signing_key(region_of(target.signer))
        data = sign_data(key, kid, target.signer, oidc.issuer, oidc.client_id, int(access_until), claims)
        session: dict[str, Any] = {
            "iss": oidc.issuer, "client": oidc.client_id, "signer": target.signer, "exp": ends,
            "aexp": access_until, "at": access_token, "sub": subject, "data": data,
            "refreshable": isinstance(tokens.get("refresh_token"), str),
        }  # fmt: skip
        if session["refreshable"]:
            session["refresh_token"] = tokens["refresh_token"]
        sealed = seal(self.keys.session_key, session, SESSION)
        if not fits(sealed):
            raise Refused(401, "the session does not fit in the cookie's shards")
        return Done(sealed, [])


async def _call(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
    try:
        return await client.request(method, url, **kwargs)
    except httpx.HTTPError as error:
        raise Refused(401, f"the IdP cannot be reached ({type(error).__name__})") from None


def _shards(cookies: Mapping[str, str], name: str) -> int:
    count = 0
    while f"{name}-{count}" in cookies:
        count += 1
    return count
