"""The jwt-validation action through the real Traefik (the alb plugin): tokens minted with joserfc against a JWKS
endpoint on loopback; a valid token reaches the target unchanged, anything else gets ALB's 401 with RFC 6750's
challenge, and a key added to the set is picked up when a token names it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from provider.elbv2.model import Action, ActionType, ClaimFormat, JwtClaim, JwtValidation, ProtocolName
from tests.support.backends import Backend, Request
from tests.support.builders import StateBuilder
from tests.support.clients import Client
from tests.support.processes import InProcessServer
from tests.support.traefik import Traefik
from tests.support.waiting import wait_for

ISSUER = "https://idp.example.test"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
ROTATED = RSAKey.generate_key(2048, parameters={"kid": "k2"})


class Jwks:
    """A JWKS endpoint whose key set a test can change."""

    def __init__(self) -> None:
        self.keys = [KEY]
        self.backend = Backend("jwks", self.reply)

    def reply(self, _: Request) -> tuple[int, bytes, dict[str, str]]:
        body = json.dumps({"keys": [k.as_dict(private=False) for k in self.keys]}).encode()
        return 200, body, {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def jwks() -> Iterator[Jwks]:
    endpoint = Jwks()
    yield endpoint
    endpoint.backend.stop()


@pytest.fixture(scope="module")
def echo() -> Iterator[Backend]:
    """Answers the Authorization header it received."""
    backend = Backend("echo", lambda r: (200, f"got {r.headers.get('Authorization')}".encode()))
    yield backend
    backend.stop()


@pytest.fixture(scope="module")
def client(provider: InProcessServer, traefik: Traefik, jwks: Jwks, echo: Backend) -> Client:
    b = StateBuilder()
    b.lb("web")
    b.listener("web", 443, ProtocolName.HTTPS)
    b.tg("api", echo)
    check = JwtValidation(f"{jwks.backend.url}/.well-known/jwks.json", ISSUER, (
        JwtClaim(ClaimFormat.SINGLE_STRING, "client_id", ("svc-a", "svc-b")),
        JwtClaim(ClaimFormat.SPACE_SEPARATED, "scope", ("read",)),
        JwtClaim(ClaimFormat.STRING_ARRAY, "aud", ("orders",)),
    ))  # fmt: skip
    jwt_check = Action(ActionType.JWT_VALIDATION, 1, jwt_validation=check)
    b.rule("web", 443, None, (jwt_check, replace(b.forward(("api", 1)), order=2)))
    traefik.wait_applied(provider.load_checked(b.state()))
    return Client(traefik.ports[443], tls=True)


def token(claims: dict[str, Any] | None = None, key: RSAKey = KEY, **header: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "exp": now + 300, "iat": now, "client_id": "svc-a", "scope": "write read",
            "aud": ["billing", "orders"]} | (claims or {})  # fmt: skip
    return jwt.encode({"alg": "RS256", "kid": key.kid} | header, {k: v for k, v in body.items() if v is not None}, key)


def test_a_valid_token_reaches_the_target_unchanged(client: Client) -> None:
    sent = token()
    reply = client.request("/", headers={"Authorization": f"Bearer {sent}"})
    assert (reply.status, reply.body) == (200, f"got Bearer {sent}")


def test_no_token_gets_the_bare_challenge(client: Client) -> None:
    reply = client.request("/")
    assert reply.status == 401 and reply.header("WWW-Authenticate") == "Bearer"
    assert "401 Authorization Required" in reply.body and reply.header("Server") == "awselb/2.0"


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        pytest.param({"exp": int(time.time()) - 1}, "expired or no exp", id="expired"),
        pytest.param({"exp": None}, "expired or no exp", id="no-exp"),
        pytest.param({"iss": "https://other"}, "wrong issuer", id="wrong-issuer"),
        pytest.param({"iss": None}, "wrong issuer", id="no-iss"),
        pytest.param({"nbf": int(time.time()) + 600}, "not valid yet", id="nbf-ahead"),
        pytest.param({"iat": int(time.time()) + 600}, "issued in the future", id="iat-ahead"),
        pytest.param({"client_id": "svc-c"}, "claim client_id does not match", id="single-string"),
        pytest.param({"scope": "write"}, "claim scope does not match", id="space-separated"),
        pytest.param({"aud": "orders"}, "claim aud does not match", id="string-array-not-array"),
        pytest.param({"aud": ["billing"]}, "claim aud does not match", id="string-array"),
    ],
)
def test_a_token_that_fails_a_claim_is_refused(client: Client, claims: dict[str, Any], reason: str) -> None:
    reply = client.request("/", headers={"Authorization": f"Bearer {token(claims)}"})
    assert reply.status == 401
    assert reply.header("WWW-Authenticate") == f'Bearer error="invalid_token", error_description="{reason}"'


def test_only_rs256_signed_by_a_published_key(client: Client) -> None:
    unknown = RSAKey.generate_key(2048, parameters={"kid": "k9"})
    # HS256 with the public key as the secret: the classic algorithm confusion
    confused = OctKey.import_key(json.dumps(KEY.as_dict(private=False)).encode())
    tampered = token().rsplit(".", 1)[0] + "." + token({"client_id": "svc-b"}).rsplit(".", 1)[1]
    for sent, reason in [
        (token(key=unknown), "unknown signing key"),
        (jwt.encode({"alg": "HS256", "kid": "k1"}, {"iss": ISSUER, "exp": time.time() + 60}, confused),
         "only RS256 is accepted"),
        (tampered, "bad signature"),
        ("not.a-token", "malformed token"),
    ]:  # fmt: skip
        reply = client.request("/", headers={"Authorization": f"Bearer {sent}"})
        assert (reply.status, reply.header("WWW-Authenticate")) == (
            401, f'Bearer error="invalid_token", error_description="{reason}"')


def test_a_rotated_key_is_fetched_when_a_token_names_it(client: Client, jwks: Jwks) -> None:
    jwks.keys = [KEY, ROTATED]
    sent = token(key=ROTATED)
    # an unknown kid fetches the set again at most once a second
    wait_for("the rotated key", lambda: client.request("/", headers={"Authorization": f"Bearer {sent}"}).status == 200)
    assert client.request("/", headers={"Authorization": f"Bearer {token()}"}).status == 200
