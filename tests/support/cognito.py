"""authenticate-cognito's setup, shared by the end-to-end test (a cookie-jar client) and the browser test (Chromium):
a server, a real Traefik with an HTTPS listener on 443 whose certificate an outside CA issued (imported into ACM),
the default action signing users in at a user pool served by the built-in development sign-in, rule 1 (/oidc/*)
the same sign-in as an authenticate-oidc issuer; the target echoes the path and headers it received as JSON."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.backends import Backend, Request
from tests.support.clients import aws_client
from tests.support.processes import InProcessServer, start_server
from tests.support.tls import OutsideCa, wait_for_status
from tests.support.traefik import Traefik

POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Shop1"


@dataclass
class World:
    server: InProcessServer
    base: str  # https://localhost:<the listener's port>
    ca: str  # the outside CA's PEM file
    outside: OutsideCa


def echo_headers(request: Request) -> tuple[int, bytes, dict[str, str]]:
    shown = {k.lower(): v for k, v in request.headers.items()}
    return 200, json.dumps({"path": request.path, "headers": shown}).encode(), {"Content-Type": "application/json"}


@contextmanager
def cognito_world(tmp: Path) -> Iterator[World]:
    """The world above, once the listener answers an unauthenticated request with the 302 to the sign-in."""
    backend = Backend("app", echo_headers)
    server = start_server(tmp, acm_validation_seconds=0.2)
    traefik = Traefik(server.settings, "/traefik/config", [443], tmp / "traefik.log")
    try:
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
        wait_for_status("the listener authenticates", f"{base}/x", str(ca), 302)
        yield World(server, base, str(ca), outside)
    finally:
        traefik.stop()
        server.stop()
        backend.stop()


def oidc_data(jwt: str) -> dict[str, Any]:
    """The claims of ALB's signed ``x-amzn-oidc-data`` (its payload, unverified)."""
    payload = jwt.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims
