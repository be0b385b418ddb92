"""HTTPS listeners serve the certificates they name, through real Traefik: the default certificate and those added
by SNI, the default for names none covers, SslPolicy's version floor on rules with and without a host condition,
a re-import served without a restart, and the port-80 redirect to HTTPS with verification on (Python's ssl)."""

from __future__ import annotations

import http.client
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.backends import Backend, Request
from tests.support.clients import aws_client
from tests.support.processes import InProcessServer, start_server
from tests.support.tls import OutsideCa, client_context, handshake, https_get
from tests.support.traefik import Traefik
from tests.support.waiting import until, wait_for

pytestmark = pytest.mark.slow

FIXED = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200", "MessageBody": "default"}}]


@dataclass
class World:
    server: InProcessServer
    traefik: Traefik
    acm: Any
    elbv2: Any
    ca: str  # the local CA's PEM file
    lb: str
    tg: str

    def port(self, alb_port: int) -> int:
        return self.traefik.ports[alb_port]

    def issued(self, *names: str) -> str:
        arn: str = self.acm.request_certificate(DomainName=names[0], SubjectAlternativeNames=list(names),
                                                ValidationMethod="DNS")["CertificateArn"]
        wait_for("issued", lambda: self.acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"]
                 == "ISSUED")
        return arn

    def https_listener(self, certificate: str, policy: str | None = None) -> str:
        extra = {"SslPolicy": policy} if policy else {}
        forward = [{"Type": "forward", "TargetGroupArn": self.tg}]
        arn: str = self.elbv2.create_listener(LoadBalancerArn=self.lb, Protocol="HTTPS", Port=443,
                                              Certificates=[{"CertificateArn": certificate}],
                                              DefaultActions=forward, **extra)["Listeners"][0]["ListenerArn"]
        return arn

    def serves(self, sni: str | None, names: list[str], cafile: str | None = None) -> bool:
        try:
            return handshake(self.port(443), sni, client_context(cafile)).names == names
        except (OSError, ssl.SSLError):
            return False


def echo_tls(request: Request) -> tuple[int, bytes]:
    shown = {k: request.headers.get(k) for k in ("X-Amzn-Tls-Version", "X-Amzn-Tls-Cipher-Suite")}
    return 200, f"backend {shown['X-Amzn-Tls-Version']} {shown['X-Amzn-Tls-Cipher-Suite']}\n".encode()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    backend = Backend("backend", echo_tls)
    server = start_server(tmp_path, acm_validation_seconds=0.5)
    traefik = Traefik(server.settings, "/traefik/config", [80, 443], tmp_path / "traefik.log")
    acm, elbv2 = aws_client(server.url, "acm"), aws_client(server.url, "elbv2")
    lb = elbv2.create_load_balancer(Name="secure", Subnets=["subnet-a", "subnet-b"])["LoadBalancers"][0]
    tg = elbv2.create_target_group(Name="app", Protocol="HTTP", Port=80, VpcId=lb["VpcId"], TargetType="ip")
    tg_arn = tg["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=tg_arn, Targets=[{"Id": "127.0.0.1", "Port": backend.port}])
    ca = tmp_path / "local-ca.pem"
    ca.write_bytes(server.settings.ca_dir.joinpath("ca.pem").read_bytes())
    yield World(server, traefik, acm, elbv2, str(ca), lb["LoadBalancerArn"], tg_arn)
    traefik.stop()
    server.stop()
    backend.stop()


def test_default_certificate_and_sni_choice(world: World) -> None:
    main = world.issued("app.example.test")
    listener = world.https_listener(main)
    wait_for("the default certificate served", lambda: world.serves("app.example.test", ["app.example.test"],
                                                                     world.ca))
    status, _, body = https_get(world.port(443), "app.example.test", "/", world.ca)  # verified against the CA
    assert status == 200 and body.startswith(b"backend")

    extra = world.issued("api.other.test", "*.api.other.test")
    world.elbv2.add_listener_certificates(ListenerArn=listener, Certificates=[{"CertificateArn": extra}])
    wait_for("the added certificate served by SNI",
             lambda: world.serves("v1.api.other.test", ["api.other.test", "*.api.other.test"], world.ca))
    assert world.serves("api.other.test", ["api.other.test", "*.api.other.test"], world.ca)
    # a name no certificate covers, or no SNI at all: the default certificate, as on ALB
    assert handshake(world.port(443), "nobody.example.test", client_context(None)).names == ["app.example.test"]
    assert handshake(world.port(443), None, client_context(None)).names == ["app.example.test"]

    world.elbv2.remove_listener_certificates(ListenerArn=listener, Certificates=[{"CertificateArn": extra}])
    wait_for("the removed certificate no longer served",
             lambda: world.serves("v1.api.other.test", ["app.example.test"]))


def test_reimport_is_served_without_dropping_the_open_connection(world: World) -> None:
    outside = OutsideCa()
    first = outside.issue("imp.example.test")
    arn = world.acm.import_certificate(Certificate=first.certificate, PrivateKey=first.key,
                                       CertificateChain=first.chain)["CertificateArn"]
    world.https_listener(arn)
    cafile = Path(world.ca).with_name("outside.pem")
    cafile.write_bytes(outside.pem)
    wait_for("imported certificate served", lambda: world.serves("imp.example.test", ["imp.example.test"],
                                                                 str(cafile)))
    ctx = ssl.create_default_context(cafile=str(cafile))
    conn = http.client.HTTPSConnection("127.0.0.1", world.port(443), context=ctx, timeout=5)
    ctx.check_hostname = False
    conn.request("GET", "/")
    assert conn.getresponse().read().startswith(b"backend")

    second = outside.issue("imp.example.test", "new.imp.example.test")
    world.acm.import_certificate(CertificateArn=arn, Certificate=second.certificate, PrivateKey=second.key,
                                 CertificateChain=second.chain)
    wait_for("re-imported certificate served",
             lambda: world.serves("imp.example.test", ["imp.example.test", "new.imp.example.test"], str(cafile)))
    conn.request("GET", "/")  # the connection opened before the change still serves
    assert conn.getresponse().read().startswith(b"backend")
    conn.close()


@pytest.mark.parametrize("sni", ["host.example.test", "path-only.example.test", None])
def test_tls13_policy_refuses_a_tls11_client_on_every_rule(world: World, sni: str | None) -> None:
    main = world.issued("host.example.test", "path-only.example.test")
    listener = world.https_listener(main, "ELBSecurityPolicy-TLS13-1-2-2021-06")
    forward = [{"Type": "forward", "TargetGroupArn": world.tg}]
    world.elbv2.create_rule(ListenerArn=listener, Priority=1, Actions=forward,  # a rule with a host condition
                            Conditions=[{"Field": "host-header", "Values": ["host.example.test"]}])
    world.elbv2.create_rule(ListenerArn=listener, Priority=2, Actions=forward,  # and one without
                            Conditions=[{"Field": "path-pattern", "Values": ["/p/*"]}])
    wait_for("served", lambda: world.serves("host.example.test", ["host.example.test", "path-only.example.test"]))
    old = client_context(None, maximum=ssl.TLSVersion.TLSv1_1)
    with pytest.raises(ssl.SSLError) as refused:
        handshake(world.port(443), sni, old)
    assert "PROTOCOL_VERSION" in str(refused.value).upper()  # the server's alert, not this client's own limit
    assert handshake(world.port(443), sni, client_context(None, maximum=ssl.TLSVersion.TLSv1_2)).version == "TLSv1.2"
    assert handshake(world.port(443), sni, client_context(None)).version == "TLSv1.3"

    # the same client is served under a policy that allows TLS 1.1 (so the refusal above was the policy's)
    world.elbv2.modify_listener(ListenerArn=listener, SslPolicy="ELBSecurityPolicy-TLS-1-1-2017-01")
    assert until(lambda: handshake(world.port(443), sni, client_context(
        None, maximum=ssl.TLSVersion.TLSv1_1)).version == "TLSv1.1", 10, ignore=(ssl.SSLError, OSError))
    assert handshake(world.port(443), sni, old).cipher == "ECDHE-RSA-AES128-SHA"  # the policy's first TLS 1.1 suite
    with pytest.raises(ssl.SSLError):  # and nothing above TLS 1.2 now
        handshake(world.port(443), sni, client_context(None, minimum=ssl.TLSVersion.TLSv1_3))


def test_unknown_policy_changes_nothing(world: World) -> None:
    main = world.issued("p.example.test")
    listener = world.https_listener(main, "ELBSecurityPolicy-TLS13-1-2-2021-06")
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as caught:
        world.elbv2.modify_listener(ListenerArn=listener, SslPolicy="ELBSecurityPolicy-Nope")
    assert caught.value.response["Error"]["Code"] == "SSLPolicyNotFound"
    got = world.elbv2.describe_listeners(ListenerArns=[listener])["Listeners"][0]
    assert got["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"


def test_http_redirect_to_https_with_verification(world: World) -> None:
    main = world.issued("www.example.test")
    world.https_listener(main)
    redirect = [{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443",
                                                        "StatusCode": "HTTP_301"}}]
    world.elbv2.create_listener(LoadBalancerArn=world.lb, Protocol="HTTP", Port=80, DefaultActions=redirect)

    def location() -> str | None:
        conn = http.client.HTTPConnection("127.0.0.1", world.port(80), timeout=5)
        conn.request("GET", "/shop?item=1", headers={"Host": "www.example.test"})
        resp = conn.getresponse()
        resp.read()
        conn.close()
        return resp.getheader("Location") if resp.status == 301 else None

    wait_for("the redirect", lambda: location() is not None, ignore=(OSError,))
    assert location() == "https://www.example.test:443/shop?item=1"
    # follow it (port 443 of the ALB is this Traefik's free port), verifying the certificate against the local CA
    wait_for("HTTPS served", lambda: world.serves("www.example.test", ["www.example.test"], world.ca))
    status, _, body = https_get(world.port(443), "www.example.test", "/shop?item=1", world.ca)
    assert status == 200 and body.startswith(b"backend")


def test_tls_version_and_cipher_headers_reach_targets(world: World) -> None:
    main = world.issued("hdr.example.test")
    world.https_listener(main, "ELBSecurityPolicy-TLS13-1-2-2021-06")
    world.elbv2.modify_load_balancer_attributes(LoadBalancerArn=world.lb, Attributes=[
        {"Key": "routing.http.x_amzn_tls_version_and_cipher_suite.enabled", "Value": "true"}])

    def answer(ctx: ssl.SSLContext) -> bytes:
        conn = http.client.HTTPSConnection("127.0.0.1", world.port(443), context=ctx, timeout=5)
        conn.request("GET", "/", headers={"Host": "hdr.example.test", "X-Amzn-Tls-Version": "forged"})
        body = conn.getresponse().read()
        conn.close()
        return body

    tls12 = client_context(None, maximum=ssl.TLSVersion.TLSv1_2, minimum=ssl.TLSVersion.TLSv1_2)
    tls12.set_ciphers("ECDHE-RSA-AES128-GCM-SHA256")
    wait_for("TLS headers", lambda: answer(tls12) == b"backend TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256\n",
             ignore=(OSError, ssl.SSLError))
    assert answer(client_context(None)).decode().split()[1:] in (
        ["TLSv1.3", "TLS_AES_128_GCM_SHA256"], ["TLSv1.3", "TLS_AES_256_GCM_SHA384"],
        ["TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256"])
