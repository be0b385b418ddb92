"""authenticate-oidc end to end: boto3 sets up an HTTPS listener (a certificate imported into ACM) whose rules
sign users in at a real OpenID Connect provider (node oidc-provider); a browser-style client with a cookie jar goes
through the real Traefik (the alb plugin), the IdP's sign-in pages and /oauth2/idpresponse to the target, which
sees ALB's three headers. x-amzn-oidc-data is checked with the public key this server serves, by joserfc's ES256
and by cryptography; the keys rotate (`rotate-signing-key`), and the listener ports (HTTPS 443, HTTP 80) answer
ALB's key host name, public-keys.auth.elb.<region>.amazonaws.com, as one hosts-file line would send it."""

from __future__ import annotations

import base64
import json
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from joserfc.jwk import ECKey
from joserfc.jws import JWSRegistry

from tests.support.backends import Backend, Request
from tests.support.clients import aws_client
from tests.support.idp import Browser, Idp
from tests.support.processes import InProcessServer, start_server
from tests.support.tls import OutsideCa, https_get, wait_for_status
from tests.support.traefik import Traefik
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow

CLIENT, SECRET = "shop", "shop-secret"
KEYS_HOST = "public-keys.auth.elb.us-east-1.amazonaws.com"


def echo_headers(request: Request) -> tuple[int, bytes, dict[str, str]]:
    shown = {k.lower(): v for k, v in request.headers.items()}
    return 200, json.dumps({"path": request.path, "headers": shown}).encode(), {"Content-Type": "application/json"}


@dataclass
class World:
    server: InProcessServer
    traefik: Traefik
    idp: Idp
    brief_idp: Idp  # its access tokens last 3 s: refreshes
    elbv2: Any
    ca: str
    lb: str
    listener: str
    base: str  # https://localhost:<port>

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca)

    def browser(self, login: str = "alice") -> Browser:
        return Browser(self.ca, login)


def oidc_action(idp: Idp, **extra: Any) -> dict[str, Any]:
    config = {**idp.endpoints(), "ClientId": CLIENT, "ClientSecret": SECRET, "Scope": "openid email profile", **extra}
    return {"Type": "authenticate-oidc", "Order": 1, "AuthenticateOidcConfig": config}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("oidc")
    backend = Backend("app", echo_headers)
    server = start_server(tmp, acm_validation_seconds=0.2)
    traefik = Traefik(server.settings, "/traefik/config", [443, 80], tmp / "traefik.log")
    base = f"https://localhost:{traefik.ports[443]}"
    idp = Idp([{"client_id": CLIENT, "client_secret": SECRET, "redirect_uris": [f"{base}/oauth2/idpresponse"]}],
              tmp / "idp.log", access_token_ttl=3600)
    brief_idp = Idp([{"client_id": CLIENT, "client_secret": SECRET, "redirect_uris": [f"{base}/oauth2/idpresponse"]}],
                    tmp / "brief-idp.log", access_token_ttl=3)
    acm, elbv2 = aws_client(server.url, "acm"), aws_client(server.url, "elbv2")
    outside = OutsideCa()  # ACM's requests want a dotted name; a browser's "localhost" comes as an import
    issued = outside.issue("localhost")
    certificate = acm.import_certificate(Certificate=issued.certificate, PrivateKey=issued.key,
                                         CertificateChain=issued.chain)["CertificateArn"]
    lb = elbv2.create_load_balancer(Name="shop", Subnets=["subnet-a", "subnet-b"])["LoadBalancers"][0]
    tg = elbv2.create_target_group(Name="app", Protocol="HTTP", Port=80, VpcId=lb["VpcId"], TargetType="ip")
    tg_arn = tg["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=tg_arn, Targets=[{"Id": "127.0.0.1", "Port": backend.port}])
    forward = {"Type": "forward", "Order": 2, "TargetGroupArn": tg_arn}
    listener = elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTPS", Port=443,
        Certificates=[{"CertificateArn": certificate}], DefaultActions=[oidc_action(idp), forward],
    )["Listeners"][0]["ListenerArn"]
    for priority, path, extra in [
        (1, "/open/*", {"OnUnauthenticatedRequest": "allow"}),
        (2, "/closed/*", {"OnUnauthenticatedRequest": "deny"}),
        (3, "/brief/*", {"SessionTimeout": 3, "SessionCookieName": "Brief"}),
    ]:
        elbv2.create_rule(ListenerArn=listener, Priority=priority, Actions=[oidc_action(idp, **extra), forward],
                          Conditions=[{"Field": "path-pattern", "Values": [path]}])
    elbv2.create_rule(ListenerArn=listener, Priority=4, Conditions=[{"Field": "path-pattern", "Values": ["/fresh/*"]}],
                      Actions=[oidc_action(brief_idp, SessionCookieName="Fresh"), forward])
    elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}])
    ca = tmp / "outside-ca.pem"
    ca.write_bytes(outside.pem)
    world = World(server, traefik, idp, brief_idp, elbv2, str(ca), lb["LoadBalancerArn"], listener, base)
    wait_for_status("the listener authenticates", f"{base}/closed/x", str(ca), 401)
    yield world
    brief_idp.stop()
    idp.stop()
    traefik.stop()
    server.stop()
    backend.stop()


def segment(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signed_in(world: World, path: str = "/shop/cart?x=1") -> tuple[Browser, dict[str, Any]]:
    browser = world.browser()
    reply = browser.get(world.base + path)
    assert reply.status_code == 200, browser.visited
    return browser, reply.json()


def test_the_sign_in_flow_ends_at_the_target_with_albs_headers(world: World) -> None:
    browser, seen = signed_in(world)
    assert seen["path"] == "/shop/cart?x=1"  # back at the original URL
    statuses = [status for status, _ in browser.visited]
    assert statuses[0] == 302 and browser.visited[0][1] == f"{world.base}/shop/cart?x=1"
    idp_redirect = browser.visited[1][1]
    assert idp_redirect.startswith(world.idp.endpoints()["AuthorizationEndpoint"] + "?")
    query = httpx.URL(idp_redirect).params
    assert (query["client_id"], query["response_type"], query["scope"], query["redirect_uri"]) == (
        CLIENT, "code", "openid email profile", f"{world.base}/oauth2/idpresponse")
    assert query["state"] and query["nonce"]
    headers = seen["headers"]
    assert headers["x-amzn-oidc-identity"] == "alice"
    assert headers["x-amzn-oidc-accesstoken"]
    cookie_names = {c.name for c in browser.client.cookies.jar}
    assert "AWSELBAuthSessionCookie-0" in cookie_names
    # a second request rides the session: no redirect
    again = browser.client.get(f"{world.base}/shop/other")
    assert again.status_code == 200 and again.json()["headers"]["x-amzn-oidc-identity"] == "alice"
    browser.close()


def verified(world: World, data: str) -> dict[str, Any]:
    """The header of ``data`` (x-amzn-oidc-data), its signature checked with the public key served for its kid, by
    joserfc's ES256 (an independent JOSE implementation) and by cryptography directly."""
    header_b64, payload_b64, signature_b64 = data.split(".")
    header: dict[str, Any] = json.loads(segment(header_b64))
    reply = httpx.get(f"{world.server.url}/{KEYS_HOST}/{header['kid']}")
    assert reply.status_code == 200, f"kid {header['kid']} is not served"
    pem = reply.content
    signing_input = f"{header_b64}.{payload_b64}".encode()
    raw = segment(signature_b64)
    assert len(raw) == 64
    assert JWSRegistry.algorithms["ES256"].verify(signing_input, raw, ECKey.import_key(pem))
    key = serialization.load_pem_public_key(pem)
    assert isinstance(key, ec.EllipticCurvePublicKey)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
    return header


def test_x_amzn_oidc_data_verifies_with_the_served_public_key(world: World) -> None:
    browser, seen = signed_in(world)
    browser.close()
    data = seen["headers"]["x-amzn-oidc-data"]
    header_b64, payload_b64, signature_b64 = data.split(".")
    assert all(len(p) % 4 == 0 for p in (header_b64, payload_b64, signature_b64))  # ALB's padding
    header, payload = json.loads(segment(header_b64)), json.loads(segment(payload_b64))
    assert set(header) == {"alg", "kid", "signer", "iss", "client", "exp"}
    assert (header["alg"], header["signer"], header["iss"], header["client"]) == (
        "ES256", world.lb, world.idp.issuer, CLIENT)
    assert payload["sub"] == "alice" and payload["email"] == "alice@example.test"
    assert header["exp"] > time.time()
    # the key by kid, at the documented path and with ALB's own host name
    pem = httpx.get(f"{world.server.url}/public-keys.auth.elb.us-east-1.amazonaws.com/{header['kid']}").content
    by_host = httpx.get(f"{world.server.url}/{header['kid']}",
                        headers={"Host": "public-keys.auth.elb.us-east-1.amazonaws.com"}).content
    assert pem == by_host and pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert verified(world, data) == header
    assert httpx.get(f"{world.server.url}/public-keys.auth.elb.us-east-1.amazonaws.com/"
                     "00000000-0000-0000-0000-000000000000").status_code == 404


def test_signing_keys_rotate_and_replaced_ones_are_still_served(world: World) -> None:
    browser, seen = signed_in(world)
    before = seen["headers"]["x-amzn-oidc-data"]
    old_kid = verified(world, before)["kid"]
    rotated = subprocess.run([sys.executable, "-m", "provider", "rotate-signing-key", "--region", "us-east-1",
                              "--db", world.server.settings.db], capture_output=True, text=True, timeout=60,
                             check=True)
    new_kid = rotated.stdout.strip()
    assert new_kid and new_kid != old_kid
    assert verified(world, before)["kid"] == old_kid  # still served: the header signed before still verifies
    # the session signed in before rides on with its header; a new sign-in is signed with the new key
    assert browser.client.get(f"{world.base}/shop/x").json()["headers"]["x-amzn-oidc-data"] == before
    browser.close()
    browser, seen = signed_in(world)
    browser.close()
    assert verified(world, seen["headers"]["x-amzn-oidc-data"])["kid"] == new_kid


def test_listener_ports_answer_albs_key_host_name(world: World) -> None:
    browser, seen = signed_in(world)
    browser.close()
    kid = verified(world, seen["headers"]["x-amzn-oidc-data"])["kid"]
    pem = httpx.get(f"{world.server.url}/{KEYS_HOST}/{kid}").content
    # HTTPS: a certificate for the name from the local CA, which the client trusts (no -k)
    local_ca = world.server.settings.ca_dir / "ca.pem"
    status, _, body = https_get(world.traefik.ports[443], KEYS_HOST, f"/{kid}", str(local_ca))
    assert (status, body) == (200, pem)
    status, _, _ = https_get(world.traefik.ports[443], KEYS_HOST, "/00000000-0000-0000-0000-000000000000",
                             str(local_ca))
    assert status == 404
    # plain HTTP on the other listener port
    http_port = f"http://127.0.0.1:{world.traefik.ports[80]}/{kid}"
    reply = httpx.get(http_port, headers={"Host": KEYS_HOST})
    assert (reply.status_code, reply.content) == (200, pem)
    # other host names still reach the load balancer's own rules
    assert httpx.get(http_port).json()["path"] == f"/{kid}"


def test_forged_client_headers_are_removed(world: World) -> None:
    forged = {"x-amzn-oidc-identity": "mallory", "x-amzn-oidc-data": "forged", "X-Amzn-Oidc-Extra": "x"}
    with httpx.Client(verify=world.context(), timeout=5) as anonymous:
        seen = anonymous.get(f"{world.base}/open/page", headers=forged).json()["headers"]
    assert not [k for k in seen if k.startswith("x-amzn-oidc-")]  # allow: through, with no claims at all
    browser, _ = signed_in(world)
    seen = browser.client.get(f"{world.base}/shop/x", headers=forged).json()["headers"]
    assert seen["x-amzn-oidc-identity"] == "alice" and seen["x-amzn-oidc-data"] != "forged"
    assert "x-amzn-oidc-extra" not in seen
    browser.close()


def test_deny_answers_401_and_allow_forwards_without_claims(world: World) -> None:
    with httpx.Client(verify=world.context(), timeout=5) as anonymous:
        denied = anonymous.get(f"{world.base}/closed/page")
        assert denied.status_code == 401 and "401 Authorization Required" in denied.text
        assert denied.headers["server"] == "awselb/2.0"
        allowed = anonymous.get(f"{world.base}/open/page")
        assert allowed.status_code == 200 and "x-amzn-oidc-identity" not in allowed.json()["headers"]
    browser, _ = signed_in(world)  # the same session then opens the deny rule (same cookie name, same IdP)
    assert browser.client.get(f"{world.base}/closed/page").json()["headers"]["x-amzn-oidc-identity"] == "alice"
    browser.close()


def test_a_tampered_cookie_is_refused(world: World) -> None:
    browser, _ = signed_in(world)
    jar = browser.client.cookies
    sealed = jar.get("AWSELBAuthSessionCookie-0")
    assert sealed
    flipped = sealed[:20] + ("A" if sealed[20] != "A" else "B") + sealed[21:]
    with httpx.Client(verify=world.context(), timeout=5) as other:
        cookie = {"Cookie": f"AWSELBAuthSessionCookie-0={flipped}"}
        assert other.get(f"{world.base}/closed/page", headers=cookie).status_code == 401
        first = other.get(f"{world.base}/shop/", headers=cookie)
        assert first.status_code == 302 and first.headers["location"].startswith(world.idp.issuer)
        intact = {"Cookie": f"AWSELBAuthSessionCookie-0={sealed}"}
        assert other.get(f"{world.base}/closed/page", headers=intact).status_code == 200
    browser.close()


def test_a_session_in_a_second_cookie_header_is_not_remembered_by_the_first(world: World) -> None:
    # The plugin remembers sessions by the Cookie header as sent: a request with two must not teach it that the
    # first alone (which anyone may send) holds the session.
    browser, _ = signed_in(world)
    sealed = browser.client.cookies.get("AWSELBAuthSessionCookie-0")
    browser.close()
    with httpx.Client(verify=world.context(), timeout=5) as other:
        both = [("Cookie", "theme=dark"), ("Cookie", f"AWSELBAuthSessionCookie-0={sealed}")]
        assert other.get(f"{world.base}/closed/page", headers=both).status_code == 200
        assert other.get(f"{world.base}/closed/page", headers={"Cookie": "theme=dark"}).status_code == 401


def test_a_session_ends_after_session_timeout(world: World) -> None:
    browser, seen = signed_in(world, "/brief/page")
    assert seen["headers"]["x-amzn-oidc-identity"] == "alice"
    assert "Brief-0" in {c.name for c in browser.client.cookies.jar}
    assert browser.client.get(f"{world.base}/brief/page").status_code == 200
    wait_for("the 3 s session to end", lambda: browser.client.get(f"{world.base}/brief/page").status_code == 302,
             timeout=20)
    browser.close()


def test_a_forged_callback_is_refused(world: World) -> None:
    with httpx.Client(verify=world.context(), timeout=5) as anonymous:
        reply = anonymous.get(f"{world.base}/oauth2/idpresponse?code=x&state=forged")
        assert reply.status_code == 401
        # a real state without its nonce cookie (another browser) is refused too
        start = anonymous.get(f"{world.base}/shop/")
        state = httpx.URL(start.headers["location"]).params["state"]
    with httpx.Client(verify=world.context(), timeout=5) as other:
        assert other.get(f"{world.base}/oauth2/idpresponse?code=x&state={state}").status_code == 401


def test_an_idp_error_answers_561(world: World) -> None:
    with httpx.Client(verify=world.context(), timeout=5) as anonymous:
        start = anonymous.get(f"{world.base}/shop/")
        state = httpx.URL(start.headers["location"]).params["state"]
        # the nonce cookie is in this client's jar: the state is genuine, the IdP said no
        denied = anonymous.get(f"{world.base}/oauth2/idpresponse?error=access_denied&state={state}")
        assert denied.status_code == 561
        # a code the IdP never issued: its token endpoint answers invalid_grant
        start = anonymous.get(f"{world.base}/shop/")
        state = httpx.URL(start.headers["location"]).params["state"]
        assert anonymous.get(f"{world.base}/oauth2/idpresponse?code=bogus&state={state}").status_code == 561



def test_an_ended_access_token_is_refreshed(world: World) -> None:
    browser, seen = signed_in(world, "/fresh/page")
    first = seen["headers"]["x-amzn-oidc-accesstoken"]
    refreshed: list[httpx.Response] = []

    def new_token() -> bool:
        reply = browser.client.get(f"{world.base}/fresh/page")
        refreshed.append(reply)
        return reply.status_code == 200 and reply.json()["headers"]["x-amzn-oidc-accesstoken"] != first

    wait_for("a refreshed access token", new_token, timeout=20)
    assert all(r.status_code == 200 for r in refreshed)  # never sent back to the IdP
    assert "Fresh-0=" in refreshed[-1].headers.get("set-cookie", "")
    headers = refreshed[-1].json()["headers"]
    assert headers["x-amzn-oidc-identity"] == "alice" and headers["x-amzn-oidc-data"] != seen["headers"][
        "x-amzn-oidc-data"]
    browser.close()
