"""The local CA: created on first start in the state directory (`ca/ca.pem`, `ca/ca-key.pem`, mode 0600) and kept
there; it signs every certificate RequestCertificate issues. Its key is read from that directory only and never
leaves it: GetCertificate's chain and `GET /ca.pem` carry the public certificate alone.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_FILE, KEY_FILE = "ca.pem", "ca-key.pem"
CA_YEARS = 10
LEAF_DAYS = 395  # ACM's public certificates: 13 months
BACKDATE = timedelta(minutes=5)  # clock skew between this machine and its clients
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
KEY_ALGORITHMS: dict[str, tuple[str, int | ec.EllipticCurve]] = {  # RequestCertificate's KeyAlgorithm
    "RSA_2048": ("rsa", 2048),
    "EC_prime256v1": ("ec", ec.SECP256R1()),
    "EC_secp384r1": ("ec", ec.SECP384R1()),
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_key(algorithm: str) -> PrivateKey:
    kind, size = KEY_ALGORITHMS[algorithm]
    if kind == "rsa":
        assert isinstance(size, int)
        return rsa.generate_private_key(public_exponent=65537, key_size=size)
    assert isinstance(size, ec.EllipticCurve)
    return ec.generate_private_key(size)


def key_pem(key: PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@dataclass(frozen=True)
class LocalCa:
    certificate: x509.Certificate
    key: PrivateKey

    @property
    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    def issue(self, names: tuple[str, ...], algorithm: str, now: datetime) -> tuple[str, str]:
        """A leaf for ``names`` (the first is the subject's CN), signed by this CA: (certificate PEM, key PEM)."""
        key = new_key(algorithm)
        sans = x509.SubjectAlternativeName([x509.DNSName(n) for n in names])
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(now + timedelta(days=LEAF_DAYS))
            .add_extension(sans, critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        )
        cert = builder.sign(self.key, hashes.SHA256())
        return cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem(key)


def create(now: datetime) -> LocalCa:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "elbv2-provider local CA"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"elbv2-provider local CA {uuid.uuid4().hex[:8]}"),
    ])
    usage = x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
        key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return LocalCa(cert, key)


def load_or_create(directory: Path, now: datetime) -> LocalCa:
    """The CA kept in ``directory``, created there on first use."""
    cert_path, key_path = directory / CA_FILE, directory / KEY_FILE
    if cert_path.exists() and key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
        return LocalCa(cert, key)
    directory.mkdir(parents=True, exist_ok=True)
    ca = create(now)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key_pem(ca.key))
    cert_path.write_text(ca.pem)
    return ca
