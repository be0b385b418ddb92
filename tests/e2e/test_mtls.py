"""Trust stores and mutual TLS through real Traefik, with Python ssl clients whose certificates `cryptography` made:
bundles read from the local S3 directory (<alb-log-dir>/<bucket>/<key>), verify mode (no certificate refused in the
handshake, another CA's too when the CA names are advertised, else with a 403; a revoked one refused, ALB's
X-Amzn-Mtls-Clientcert-* headers to the target, forged ones removed), the CA names advertised or not,
IgnoreClientCertificateExpiry, the listener's names for the headers, the trust store in use, GetTrustStoreRevocation-
Content's location, DeleteSharedTrustStoreAssociation, and passthrough (the chain as sent)."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography import x509

from tests.support.backends import Backend, Request
from tests.support.clients import aws_client
from tests.support.processes import InProcessServer, start_server
from tests.support.tls import Issued, OutsideCa, ca_names_sent, crl
from tests.support.traefik import Traefik
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow

NAME = "mtls.example.test"
MTLS = ("X-Amzn-Mtls-Clientcert-Serial-Number", "X-Amzn-Mtls-Clientcert-Issuer", "X-Amzn-Mtls-Clientcert-Subject",
        "X-Amzn-Mtls-Clientcert-Validity", "X-Amzn-Mtls-Clientcert-Leaf", "X-Amzn-Mtls-Clientcert")
TLS = ("X-Amzn-Tls-Version", "X-Amzn-Tls-Cipher-Suite")
RENAMED = {  # the listener attributes renaming headers, and the names they give
    "routing.http.request.x_amzn_mtls_clientcert_serial_number.header_name": "X-Client-Serial",
    "routing.http.request.x_amzn_mtls_clientcert_leaf.header_name": "X-Client-Leaf",
    "routing.http.request.x_amzn_mtls_clientcert.header_name": "X-Client-Chain",
    "routing.http.request.x_amzn_tls_version.header_name": "X-Tls-Ver",
}
ECHOED = (*MTLS, *TLS, *RENAMED.values())


def echo(request: Request) -> tuple[int, bytes]:
    return 200, json.dumps({k: request.headers.get(k) for k in ECHOED}).encode()


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

    def files(self, client: Issued) -> tuple[Path, Path]:
        """The client's certificate (with its chain) and key as files."""
        directory = self.s3.parent / "client"
        directory.mkdir(exist_ok=True)
        (directory / "cert.pem").write_bytes(client.certificate + client.chain)
        (directory / "key.pem").write_bytes(client.key)
        return directory / "cert.pem", directory / "key.pem"

    def get(self, client: Issued | None, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        ctx = ssl._create_unverified_context()
        if client is not None:
            ctx.load_cert_chain(*self.files(client))
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
    shared = world.elbv2.delete_shared_trust_store_association
    assert code(lambda: shared(TrustStoreArn=unknown, ResourceArn=world.lb)) == "TrustStoreNotFound"
    assert code(lambda: shared(TrustStoreArn=arn, ResourceArn=world.lb)) == "DeleteAssociationSameAccount"
    elsewhere = world.lb.replace(":123456789012:", ":210987654321:")  # no trust store is shared with it
    assert code(lambda: shared(TrustStoreArn=arn, ResourceArn=elsewhere)) == "AssociationNotFound"
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

    with pytest.raises((ssl.SSLError, ConnectionError)):  # no certificate: refused in the handshake
        world.get(None)
    assert world.get(OutsideCa("stranger CA").issue("client-c"))[0] == 403  # CA names not advertised: after it

    world.put("crl", "clients.crl", crl(world.clients, revoked))
    added = world.elbv2.add_trust_store_revocations(
        TrustStoreArn=arn, RevocationContents=[{"S3Bucket": "crl", "S3Key": "clients.crl", "RevocationType": "CRL"}])
    revocation = added["TrustStoreRevocations"][0]
    assert revocation["NumberOfRevokedEntries"] == 1
    location = world.elbv2.get_trust_store_revocation_content(
        TrustStoreArn=arn, RevocationId=revocation["RevocationId"])["Location"]
    with urllib.request.urlopen(location, timeout=5) as response:  # presigned by this server: the list's bytes
        assert response.read() == (world.s3 / "crl" / "clients.crl").read_bytes()
    with pytest.raises(urllib.error.HTTPError) as forged:
        urllib.request.urlopen(location.replace("Signature=", "Signature=0"), timeout=5)
    assert forged.value.code == 403
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
    assert world.get(None) == (200, dict.fromkeys(ECHOED))  # no certificate: served, no headers


def test_ca_names_are_advertised_only_when_asked(world: World) -> None:
    arn = world.trust_store()
    listener = world.listener({"Mode": "verify", "TrustStoreArn": arn, "AdvertiseTrustStoreCaNames": "on"})
    good, stranger = world.clients.issue("client-a"), OutsideCa("stranger CA").issue("client-s")
    wait_for("verify mode served", lambda: world.get(good)[0] == 200, ignore=(OSError,))
    assert ca_names_sent(world.traefik.ports[443], NAME, *world.files(good)) == ["CN = clients CA"]
    with pytest.raises((ssl.SSLError, ConnectionError)):  # Go verifies in the handshake
        world.get(stranger)

    world.elbv2.modify_listener(ListenerArn=listener, MutualAuthentication={
        "Mode": "verify", "TrustStoreArn": arn, "AdvertiseTrustStoreCaNames": "off"})
    wait_for("no CA names", lambda: ca_names_sent(world.traefik.ports[443], NAME, *world.files(good)) == [],
             ignore=(ValueError,))
    assert world.get(stranger)[0] == 403  # the plugin verifies: after the handshake
    status, seen = world.get(good)
    assert status == 200 and seen["X-Amzn-Mtls-Clientcert-Subject"] == "CN=client-a"


@pytest.mark.parametrize("advertise", ["on", "off"])
def test_ignore_client_certificate_expiry(world: World, advertise: str) -> None:
    arn = world.trust_store()
    mutual = {"Mode": "verify", "TrustStoreArn": arn, "AdvertiseTrustStoreCaNames": advertise}
    listener = world.listener(mutual | {"IgnoreClientCertificateExpiry": True})
    shown = world.elbv2.describe_listeners(ListenerArns=[listener])["Listeners"][0]["MutualAuthentication"]
    assert shown["IgnoreClientCertificateExpiry"] is True
    expired = world.clients.issue("client-old", days=(-30, -1))
    wait_for("the expired certificate accepted", lambda: world.get(expired)[0] == 200, ignore=(OSError,))
    status, seen = world.get(expired)
    leaf = x509.load_pem_x509_certificate(expired.certificate)
    assert seen["X-Amzn-Mtls-Clientcert-Serial-Number"] == format(leaf.serial_number, "X")
    assert world.get(OutsideCa("stranger CA").issue("client-s"))[0] == 403  # expiry ignored, the chain is not

    world.elbv2.modify_listener(ListenerArn=listener, MutualAuthentication=mutual | {
        "IgnoreClientCertificateExpiry": False})

    def refused() -> bool:
        try:
            return world.get(expired)[0] == 403
        except (ssl.SSLError, ConnectionError):
            return advertise == "on"  # Go refuses it in the handshake

    wait_for("the expired certificate refused", refused)
    assert world.get(world.clients.issue("client-new"))[0] == 200


def test_listener_attributes_rename_the_headers(world: World) -> None:
    world.elbv2.modify_load_balancer_attributes(LoadBalancerArn=world.lb, Attributes=[
        {"Key": "routing.http.x_amzn_tls_version_and_cipher_suite.enabled", "Value": "true"}])
    arn = world.trust_store()
    listener = world.listener({"Mode": "verify", "TrustStoreArn": arn, "AdvertiseTrustStoreCaNames": "on"})
    good = world.clients.issue("client-a")
    wait_for("verify mode served", lambda: world.get(good)[0] == 200, ignore=(OSError,))
    world.elbv2.modify_listener_attributes(ListenerArn=listener, Attributes=[
        {"Key": key, "Value": name} for key, name in RENAMED.items()])
    wait_for("the renamed headers", lambda: world.get(good)[1]["X-Client-Serial"] is not None)

    forged = {"X-Client-Serial": "forged", "X-Tls-Ver": "forged", "X-Amzn-Tls-Version": "forged"}
    status, seen = world.get(good, forged)
    leaf = x509.load_pem_x509_certificate(good.certificate)
    assert status == 200
    assert seen["X-Client-Serial"] == format(leaf.serial_number, "X")
    assert urllib.parse.unquote(seen["X-Client-Leaf"]).encode() == good.certificate
    assert seen["X-Amzn-Mtls-Clientcert-Serial-Number"] is None and seen["X-Amzn-Mtls-Clientcert-Leaf"] is None
    assert seen["X-Amzn-Mtls-Clientcert-Subject"] == "CN=client-a"  # not renamed
    assert seen["X-Tls-Ver"] in ("TLSv1.2", "TLSv1.3") and seen["X-Amzn-Tls-Version"] is None
    assert seen["X-Amzn-Tls-Cipher-Suite"]  # not renamed

    world.elbv2.modify_listener(ListenerArn=listener, MutualAuthentication={"Mode": "passthrough"})
    wait_for("passthrough served", lambda: world.get(good)[1]["X-Client-Chain"] is not None, ignore=(OSError,))
    status, seen = world.get(good, {"X-Amzn-Mtls-Clientcert": "forged"})
    assert urllib.parse.unquote(seen["X-Client-Chain"]).encode() == good.certificate + good.chain
    assert seen["X-Amzn-Mtls-Clientcert"] is None
