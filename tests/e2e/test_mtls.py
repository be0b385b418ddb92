"""Trust stores and mutual TLS through real Traefik, with Python ssl clients whose certificates `cryptography` made:
bundles read from the local S3 directory (<alb-log-dir>/<bucket>/<key>), verify mode (no certificate or another
CA's refused in the handshake, a revoked one refused, ALB's X-Amzn-Mtls-Clientcert-* headers to the target, forged
ones removed), the trust store in use, and passthrough (the chain as sent)."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from tests.support.backends import Backend, Request
from tests.support.clients import aws_client
from tests.support.processes import InProcessServer, start_server
from tests.support.tls import Issued, OutsideCa
from tests.support.traefik import Traefik
from tests.support.waiting import wait_for

NAME = "mtls.example.test"
MTLS = ("X-Amzn-Mtls-Clientcert-Serial-Number", "X-Amzn-Mtls-Clientcert-Issuer", "X-Amzn-Mtls-Clientcert-Subject",
        "X-Amzn-Mtls-Clientcert-Validity", "X-Amzn-Mtls-Clientcert-Leaf", "X-Amzn-Mtls-Clientcert")


def echo(request: Request) -> tuple[int, bytes]:
    return 200, json.dumps({k: request.headers.get(k) for k in MTLS}).encode()


@dataclass
class World:
    server: InProcessServer
    traefik: Traefik
    elbv2: Any
    s3: Path  # the local S3 root: <bucket>/<key>
    lb: str
    tg: str
    certificate: str
    clients: OutsideCa  # the CA the trust store holds

    def put(self, bucket: str, key: str, data: bytes) -> None:
        path = self.s3 / bucket / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def trust_store(self, name: str = "clients") -> str:
        self.put("certs", "ca.pem", self.clients.pem)
        store = self.elbv2.create_trust_store(Name=name, CaCertificatesBundleS3Bucket="certs",
                                              CaCertificatesBundleS3Key="ca.pem")["TrustStores"][0]
        assert store["NumberOfCaCertificates"] == 1 and store["Status"] == "ACTIVE"
        return str(store["TrustStoreArn"])

    def listener(self, mutual: dict[str, Any]) -> str:
        arn: str = self.elbv2.create_listener(
            LoadBalancerArn=self.lb, Protocol="HTTPS", Port=443, Certificates=[{"CertificateArn": self.certificate}],
            DefaultActions=[{"Type": "forward", "TargetGroupArn": self.tg}], MutualAuthentication=mutual,
        )["Listeners"][0]["ListenerArn"]
        return arn

    def get(self, client: Issued | None, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        ctx = ssl._create_unverified_context()
        if client is not None:
            directory = self.s3.parent / "client"
            directory.mkdir(exist_ok=True)
            (directory / "cert.pem").write_bytes(client.certificate + client.chain)
            (directory / "key.pem").write_bytes(client.key)
            ctx.load_cert_chain(directory / "cert.pem", directory / "key.pem")
        conn = http.client.HTTPSConnection("127.0.0.1", self.traefik.ports[443], context=ctx, timeout=5)
        conn.sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", self.traefik.ports[443]), timeout=5),
                                    server_hostname=NAME)
        conn.request("GET", "/", headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response.status, json.loads(body) if response.status == 200 else {}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    backend = Backend("backend", echo)
    s3 = tmp_path / "s3"
    server = start_server(tmp_path, acm_validation_seconds=0.5, alb_log_dir=str(s3))
    traefik = Traefik(server.settings, "/traefik/config", [443], tmp_path / "traefik.log")
    acm, elbv2 = aws_client(server.url, "acm"), aws_client(server.url, "elbv2")
    lb = elbv2.create_load_balancer(Name="mtls", Subnets=["subnet-a", "subnet-b"])["LoadBalancers"][0]
    tg = elbv2.create_target_group(Name="app", Protocol="HTTP", Port=80, VpcId=lb["VpcId"], TargetType="ip")
    tg_arn = tg["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=tg_arn, Targets=[{"Id": "127.0.0.1", "Port": backend.port}])
    certificate = acm.request_certificate(DomainName=NAME, ValidationMethod="DNS")["CertificateArn"]
    wait_for("issued", lambda: acm.describe_certificate(CertificateArn=certificate)["Certificate"]["Status"]
             == "ISSUED")
    yield World(server, traefik, elbv2, s3, lb["LoadBalancerArn"], tg_arn, certificate, OutsideCa("clients CA"))
    traefik.stop()
    server.stop()
    backend.stop()


def crl(ca: OutsideCa, *revoked: Issued) -> bytes:
    now = datetime.now(UTC)
    builder = x509.CertificateRevocationListBuilder().issuer_name(ca.cert.subject).last_update(now).next_update(
        now + timedelta(days=7))
    for issued in revoked:
        serial = x509.load_pem_x509_certificate(issued.certificate).serial_number
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now).build())
    return builder.sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def code(call: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return str(caught.value.response["Error"]["Code"])


def test_trust_store_bad_input_changes_nothing(world: World) -> None:
    missing = dict(Name="nope", CaCertificatesBundleS3Bucket="certs", CaCertificatesBundleS3Key="missing.pem")
    assert code(lambda: world.elbv2.create_trust_store(**missing)) == "CaCertificatesBundleNotFound"
    world.put("certs", "junk.pem", b"not a certificate")
    junk = dict(missing, CaCertificatesBundleS3Key="junk.pem")
    assert code(lambda: world.elbv2.create_trust_store(**junk)) == "InvalidCaCertificatesBundle"
    escape = dict(missing, CaCertificatesBundleS3Key="../../state.duckdb")
    assert code(lambda: world.elbv2.create_trust_store(**escape)) == "CaCertificatesBundleNotFound"
    assert world.elbv2.describe_trust_stores()["TrustStores"] == []
    arn = world.trust_store()
    assert code(lambda: world.trust_store()) == "DuplicateTrustStoreName"
    world.put("crl", "other.crl", crl(OutsideCa("another CA")))
    other = [{"S3Bucket": "crl", "S3Key": "other.crl"}]
    assert code(lambda: world.elbv2.add_trust_store_revocations(TrustStoreArn=arn, RevocationContents=other)) \
        == "InvalidRevocationContent"
    assert code(lambda: world.elbv2.remove_trust_store_revocations(TrustStoreArn=arn, RevocationIds=[7])) \
        == "RevocationIdNotFound"
    assert world.elbv2.describe_trust_store_revocations(TrustStoreArn=arn)["TrustStoreRevocations"] == []
    unknown = arn.rsplit("/", 1)[0] + "/0000000000000000"
    assert code(lambda: world.elbv2.delete_trust_store(TrustStoreArn=unknown)) == "TrustStoreNotFound"
    assert code(lambda: world.listener({"Mode": "verify", "TrustStoreArn": unknown})) == "TrustStoreNotFound"
    assert code(lambda: world.listener({"Mode": "sometimes"})) == "ValidationError"
    assert world.elbv2.describe_listeners(LoadBalancerArn=world.lb)["Listeners"] == []


def test_verify_mode(world: World) -> None:
    arn = world.trust_store()
    listener = world.listener({"Mode": "verify", "TrustStoreArn": arn})
    shown = world.elbv2.describe_listeners(ListenerArns=[listener])["Listeners"][0]["MutualAuthentication"]
    assert shown["Mode"] == "verify" and shown["TrustStoreArn"] == arn
    good, revoked = world.clients.issue("client-a"), world.clients.issue("client-b")
    wait_for("verify mode served", lambda: world.get(good)[0] == 200, ignore=(OSError,))

    status, seen = world.get(good, {"X-Amzn-Mtls-Clientcert": "forged", "X-Amzn-Mtls-Clientcert-Subject": "CN=me"})
    leaf = x509.load_pem_x509_certificate(good.certificate)
    assert status == 200
    assert seen["X-Amzn-Mtls-Clientcert-Serial-Number"] == format(leaf.serial_number, "X")
    assert seen["X-Amzn-Mtls-Clientcert-Subject"] == "CN=client-a"  # RFC 2253
    assert seen["X-Amzn-Mtls-Clientcert-Issuer"] == "CN=clients CA"
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    assert seen["X-Amzn-Mtls-Clientcert-Validity"] == (
        f"NotBefore={leaf.not_valid_before_utc.strftime(stamp)};NotAfter={leaf.not_valid_after_utc.strftime(stamp)}")
    encoded = seen["X-Amzn-Mtls-Clientcert-Leaf"]
    assert "%0A" in encoded and "%2B" not in encoded and "%2F" not in encoded  # URL-encoded, '+=/' kept
    assert urllib.parse.unquote(encoded).encode() == good.certificate
    assert seen["X-Amzn-Mtls-Clientcert"] is None  # the forged one removed

    for refused in (None, OutsideCa("stranger CA").issue("client-c")):  # no certificate, or another CA's
        with pytest.raises((ssl.SSLError, ConnectionError)):
            world.get(refused)

    world.put("crl", "clients.crl", crl(world.clients, revoked))
    added = world.elbv2.add_trust_store_revocations(
        TrustStoreArn=arn, RevocationContents=[{"S3Bucket": "crl", "S3Key": "clients.crl", "RevocationType": "CRL"}])
    revocation = added["TrustStoreRevocations"][0]
    assert revocation["NumberOfRevokedEntries"] == 1
    wait_for("the revoked certificate refused", lambda: world.get(revoked)[0] == 403, ignore=(OSError,))
    assert world.get(good)[0] == 200

    users = world.elbv2.describe_trust_store_associations(TrustStoreArn=arn)["TrustStoreAssociations"]
    assert users == [{"ResourceArn": world.lb}]
    assert code(lambda: world.elbv2.delete_trust_store(TrustStoreArn=arn)) == "TrustStoreInUse"
    bundle = world.elbv2.get_trust_store_ca_certificates_bundle(TrustStoreArn=arn)["Location"]
    with urllib.request.urlopen(bundle) as response:
        assert response.read() == world.clients.pem

    world.elbv2.remove_trust_store_revocations(TrustStoreArn=arn, RevocationIds=[revocation["RevocationId"]])
    wait_for("no longer revoked", lambda: world.get(revoked)[0] == 200, ignore=(OSError,))
    world.elbv2.modify_listener(ListenerArn=listener, MutualAuthentication={"Mode": "off"})
    world.elbv2.delete_trust_store(TrustStoreArn=arn)
    assert world.elbv2.describe_trust_stores()["TrustStores"] == []


def test_passthrough_mode_sends_the_chain_unverified(world: World) -> None:
    world.listener({"Mode": "passthrough"})
    stranger = OutsideCa("stranger CA").issue("client-p")  # no trust store: any certificate is taken
    wait_for("passthrough served", lambda: world.get(stranger)[0] == 200, ignore=(OSError,))
    status, seen = world.get(stranger, {"X-Amzn-Mtls-Clientcert-Leaf": "forged"})
    assert status == 200 and seen["X-Amzn-Mtls-Clientcert-Leaf"] is None
    assert urllib.parse.unquote(seen["X-Amzn-Mtls-Clientcert"]).encode() == stranger.certificate + stranger.chain
    assert world.get(None) == (200, dict.fromkeys(MTLS))  # no certificate: served, no headers
