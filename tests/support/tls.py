"""TLS for the tests: certificates of our own making (an outside CA, self-signed, expired) with `cryptography`, and
real handshakes with Python's ssl module that report what the server chose."""

from __future__ import annotations

import http.client
import socket
import ssl
import subprocess
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.waiting import wait_for


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey, password: bytes | None = None) -> bytes:
    encryption = (serialization.BestAvailableEncryption(password) if password
                  else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


@dataclass
class Issued:
    certificate: bytes
    key: bytes
    chain: bytes  # the issuer's certificate ("" for a self-signed one)


class OutsideCa:
    """A CA of the test's own, like mkcert's: what ImportCertificate is given."""

    def __init__(self, name: str = "test outside CA") -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.now(UTC)
        self.cert = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(self.key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.pem = _pem(self.cert)

    def issue(self, *names: str, days: tuple[int, int] = (-1, 30), encrypted: bool = False) -> Issued:
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(self.cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now + timedelta(days=days[0])).not_valid_after(now + timedelta(days=days[1]))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        return Issued(_pem(cert), _key_pem(key, b"secret" if encrypted else None), self.pem)


def crl(ca: OutsideCa, *revoked: Issued, pem: bool = False) -> bytes:
    """A revocation list of ``ca`` revoking ``revoked`` (DER, or PEM), valid for a week."""
    now = datetime.now(UTC)
    builder = x509.CertificateRevocationListBuilder().issuer_name(ca.cert.subject).last_update(now).next_update(
        now + timedelta(days=7))
    for issued in revoked:
        serial = x509.load_pem_x509_certificate(issued.certificate).serial_number
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now).build())
    encoding = serialization.Encoding.PEM if pem else serialization.Encoding.DER
    return builder.sign(ca.key, hashes.SHA256()).public_bytes(encoding)


def other_key() -> bytes:
    return _key_pem(ec.generate_private_key(ec.SECP256R1()))


@dataclass
class Handshake:
    version: str
    cipher: str
    names: list[str]  # the DNS names of the certificate the server sent


def client_context(cafile: str | None, *, maximum: ssl.TLSVersion | None = None,
                   minimum: ssl.TLSVersion | None = None) -> ssl.SSLContext:
    """Verifying against ``cafile`` (no verification without); versions pinned as asked, at OpenSSL's lowest
    security level so that this client itself never refuses an old version."""
    ctx = ssl.create_default_context(cafile=cafile) if cafile else ssl._create_unverified_context()
    if maximum is not None or minimum is not None:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        with warnings.catch_warnings():  # TLS 1.0 and 1.1 are deprecated: that is what these clients are for
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = minimum or ssl.TLSVersion.TLSv1  # Python's own floor would be TLS 1.2
            if maximum is not None:
                ctx.maximum_version = maximum
    return ctx


def handshake(port: int, sni: str | None, ctx: ssl.SSLContext) -> Handshake:
    """One TLS handshake with 127.0.0.1:``port`` naming ``sni``; ssl.SSLError when refused."""
    if sni is None:
        ctx.check_hostname = False
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, \
            ctx.wrap_socket(raw, server_hostname=sni) as tls:
        der = tls.getpeercert(binary_form=True)
        assert der is not None
        cert = x509.load_der_x509_certificate(der)
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
            x509.DNSName)
        version, cipher = tls.version(), tls.cipher()
        assert version is not None and cipher is not None
        return Handshake(version, cipher[0], list(names))


def https_get(port: int, host: str, path: str, cafile: str) -> tuple[int, dict[str, str], bytes]:
    """GET over HTTPS, verifying the certificate for ``host`` against ``cafile`` (the connection goes to loopback)."""
    ctx = ssl.create_default_context(cafile=cafile)
    conn = http.client.HTTPSConnection(host, port, context=ctx, timeout=5)
    conn.sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=5), server_hostname=host)
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


def wait_for_status(what: str, url: str, cafile: str, status: int, timeout: float = 60) -> None:
    """Wait until GET ``url`` (verified against ``cafile``) answers ``status``; refused connections count as not
    yet."""
    def answered() -> bool:
        try:
            return client.get(url).status_code == status
        except httpx.HTTPError:
            return False

    with httpx.Client(verify=ssl.create_default_context(cafile=cafile), timeout=5) as client:
        wait_for(what, answered, timeout=timeout)


def ca_names_sent(port: int, sni: str, cert: Path, key: Path) -> list[str]:
    """The CA names the server's CertificateRequest carries (openssl s_client, TLS 1.2, presenting ``cert``)."""
    out = subprocess.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", sni, "-tls1_2",
         "-cert", str(cert), "-key", str(key)],
        input=b"", capture_output=True, timeout=20, check=False,
    ).stdout.decode(errors="replace").splitlines()
    if "No client certificate CA names sent" in out:
        return []
    start = out.index("Acceptable client certificate CA names") + 1
    names = []
    for line in out[start:]:
        if ":" in line or line.startswith("---"):
            break
        names.append(line.strip())
    return names
