"""authenticate-cognito end to end with the built-in development sign-in: boto3 sets up an HTTPS listener whose
rule signs users in at a user pool served by this server; a client with a cookie jar goes through the real Traefik
(the alb plugin), the sign-in page (a form: username and attributes), /oauth2/idpresponse and on to the target,
which sees ALB's three headers. The same pool then serves as the issuer of an authenticate-oidc rule."""

from __future__ import annotations

import base64
import json
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support.backends import Backend, Request
from tests.support.clients import aws_client
from tests.support.processes import InProcessServer, start_server
from tests.support.tls import OutsideCa
from tests.support.traefik import Traefik
from tests.support.waiting import wait_for

POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Shop1"


def echo_headers(request: Request) -> tuple[int, bytes, dict[str, str]]:
    shown = {k.lower(): v for k, v in request.headers.items()}
    return 200, json.dumps({"path": request.path, "headers": shown}).encode(), {"Content-Type": "application/json"}


@dataclass
class World:
    server: InProcessServer
    base: str
    ca: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("cognito")
    backend = Backend("app", echo_headers)
    server = start_server(tmp, acm_validation_seconds=0.2)
    traefik = Traefik(server.settings, "/traefik/config", [443], tmp / "traefik.log")
    outside = OutsideCa()
    issued = outside.issue("localhost")
    certificate = aws_client(server.url, "acm").import_certificate(
        Certificate=issued.certificate, PrivateKey=issued.key, CertificateChain=issued.chain)["CertificateArn"]
    elbv2 = aws_client(server.url, "elbv2")
    lb = elbv2.create_load_balancer(Name="shop", Subnets=["subnet-a", "subnet-b"])["LoadBalancers"][0]
    tg = elbv2.create_target_group(Name="app", Protocol="HTTP", Port=80, VpcId=lb["VpcId"], TargetType="ip")
    tg_arn = tg["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=tg_arn, Targets=[{"Id": "127.0.0.1", "Port": backend.port}])
    forward = {"Type": "forward", "Order": 2, "TargetGroupArn": tg_arn}
    cognito = {"Type": "authenticate-cognito", "Order": 1, "AuthenticateCognitoConfig": {
        "UserPoolArn": POOL, "UserPoolClientId": "shopclient", "UserPoolDomain": "shop", "Scope": "openid email"}}
    listener = elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTPS", Port=443,
        Certificates=[{"CertificateArn": certificate}], DefaultActions=[cognito, forward],
    )["Listeners"][0]["ListenerArn"]
    issuer = f"{server.url}/cognito/dev-pool"  # the built-in sign-in as an authenticate-oidc issuer
    oidc = {"Type": "authenticate-oidc", "Order": 1, "AuthenticateOidcConfig": {
        "Issuer": issuer, "AuthorizationEndpoint": f"{issuer}/oauth2/authorize", "TokenEndpoint":
        f"{issuer}/oauth2/token", "UserInfoEndpoint": f"{issuer}/oauth2/userInfo", "ClientId": "any",
        "ClientSecret": "unchecked", "SessionCookieName": "Dev", "OnUnauthenticatedRequest": "authenticate"}}
    elbv2.create_rule(ListenerArn=listener, Priority=1, Actions=[oidc, forward],
                      Conditions=[{"Field": "path-pattern", "Values": ["/oidc/*"]}])
    ca = tmp / "outside-ca.pem"
    ca.write_bytes(outside.pem)
    base = f"https://localhost:{traefik.ports[443]}"
    probe = httpx.Client(verify=ssl.create_default_context(cafile=str(ca)), timeout=5)
    wait_for("the listener authenticates", lambda: _status(probe, f"{base}/x") == 302, timeout=60)
    probe.close()
    yield World(server, base, str(ca))
    traefik.stop()
    server.stop()
    backend.stop()


def _status(client: httpx.Client, url: str) -> int:
    try:
        return client.get(url).status_code
    except httpx.HTTPError:
        return 0


def sign_in(world: World, path: str, form: dict[str, str]) -> tuple[httpx.Client, dict[str, Any]]:
    """As a browser: the 302 to the sign-in page, the form posted, the redirects followed with a cookie jar."""
    client = httpx.Client(verify=ssl.create_default_context(cafile=world.ca), timeout=10)
    first = client.get(world.base + path)
    assert first.status_code == 302, first.text
    page = client.get(first.headers["location"])
    assert page.status_code == 200 and "Local development only" in page.text
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    assert action and hidden["redirect_uri"] == f"{world.base}/oauth2/idpresponse"
    reply = client.post(str(httpx.URL(first.headers["location"]).join(action.group(1))), data=hidden | form,
                        follow_redirects=True)
    assert reply.status_code == 200, reply.text
    return client, reply.json()


def test_the_built_in_sign_in_ends_at_the_target_with_albs_headers(world: World) -> None:
    client, seen = sign_in(world, "/shop/cart?x=1", {"username": "alice", "email": "alice@example.test",
                                                     "attributes": "custom:team=payments"})
    assert seen["path"] == "/shop/cart?x=1"
    headers = seen["headers"]
    assert headers["x-amzn-oidc-accesstoken"] and headers["x-amzn-oidc-identity"]
    payload = json.loads(_segment(headers["x-amzn-oidc-data"].split(".")[1]))
    assert payload["cognito:username"] == "alice" and payload["email"] == "alice@example.test"
    assert payload["custom:team"] == "payments" and payload["sub"] == headers["x-amzn-oidc-identity"]
    assert payload["iss"] == f"{world.server.url}/cognito/us-east-1_Shop1"
    again = client.get(f"{world.base}/shop/other", headers={"x-amzn-oidc-identity": "mallory"})
    assert again.json()["headers"]["x-amzn-oidc-identity"] == headers["x-amzn-oidc-identity"]
    client.close()


def test_the_built_in_sign_in_is_an_issuer_for_authenticate_oidc(world: World) -> None:
    client, seen = sign_in(world, "/oidc/page", {"username": "bob"})
    assert json.loads(_segment(seen["headers"]["x-amzn-oidc-data"].split(".")[1]))["cognito:username"] == "bob"
    assert "Dev-0" in {c.name for c in client.cookies.jar}
    client.close()


def test_a_sign_in_without_a_username_is_refused(world: World) -> None:
    client = httpx.Client(verify=ssl.create_default_context(cafile=world.ca), timeout=10)
    location = client.get(f"{world.base}/x").headers["location"]
    login = str(httpx.URL(location).join("../login"))
    assert client.post(login, data={"redirect_uri": f"{world.base}/oauth2/idpresponse"}).status_code == 400
    client.close()


def _segment(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
