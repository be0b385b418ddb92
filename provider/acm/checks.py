"""What ACM reads out of a certificate, and ImportCertificate's checks: one PEM certificate, an unencrypted key of at
most 5 KB that matches it, valid now, and a chain that issued it (needed unless it is self-signed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from provider.acm.errors import Validation

MAX_KEY_BYTES = 5 * 1024
PEM_BEGIN = b"-----BEGIN CERTIFICATE-----"
_CURVES = {"secp256r1": "EC_prime256v1", "secp384r1": "EC_secp384r1", "secp521r1": "EC_secp521r1"}


@dataclass(frozen=True)
class Details:
    domain_name: str
    names: tuple[str, ...]
    not_before: datetime
    not_after: datetime
    key_algorithm: str
    signature_algorithm: str
    serial: str
    subject: str
    issuer: str


def details(cert: x509.Certificate) -> Details:
    try:
        sans = tuple(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
                     .get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        sans = ()
    cns = [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    domain = cns[0] if cns else (sans[0] if sans else "")
    names = (domain, *(n for n in sans if n != domain)) if domain else sans
    digest = cert.signature_hash_algorithm.name.upper() if cert.signature_hash_algorithm else "NONE"
    kind = "ECDSA" if isinstance(cert.public_key(), ec.EllipticCurvePublicKey) else "RSA"
    serial = f"{cert.serial_number:x}"
    serial = serial.zfill(len(serial) + len(serial) % 2)
    return Details(
        domain_name=domain,
        names=names,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_algorithm=key_algorithm(cert.public_key()),
        signature_algorithm=f"{digest}WITH{kind}",
        serial=":".join(serial[i:i + 2] for i in range(0, len(serial), 2)),
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
    )


def key_algorithm(key: object) -> str:
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return f"RSA_{key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return _CURVES.get(key.curve.name, key.curve.name)
    raise Validation("The certificate's key algorithm is not supported.")


def certificates(pem: bytes, field: str) -> list[x509.Certificate]:
    if PEM_BEGIN not in pem:
        raise Validation(f"The {field} field is not a PEM-encoded X.509 certificate.")
    try:
        return x509.load_pem_x509_certificates(pem)
    except ValueError:
        raise Validation(f"Could not parse the {field} field as PEM-encoded X.509 certificates.") from None


def checked(cert_pem: bytes, key_pem: bytes, chain_pem: bytes | None, now: datetime) -> tuple[Details, str, str, str]:
    """(details, certificate PEM, key PEM, chain PEM) of an import AWS would accept; ValidationException otherwise."""
    found = certificates(cert_pem, "certificate")
    if len(found) != 1:
        raise Validation("The certificate field contains more than one certificate. You can specify only one "
                         "certificate in this field.")
    cert = found[0]
    if len(key_pem) > MAX_KEY_BYTES:
        raise Validation(f"The private key is larger than {MAX_KEY_BYTES} bytes.")
    if b"ENCRYPTED" in key_pem:
        raise Validation("The private key is encrypted. Import an unencrypted private key.")
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        raise Validation("The private key is not supported or could not be parsed.") from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise Validation("The private key algorithm is not supported.")
    if key.public_key().public_numbers() != cert.public_key().public_numbers():  # type: ignore[union-attr]
        raise Validation("The private key does not match the public key in the certificate.")
    if not cert.not_valid_before_utc <= now < cert.not_valid_after_utc:
        valid = f"{cert.not_valid_before_utc:%Y-%m-%dT%H:%M:%SZ} to {cert.not_valid_after_utc:%Y-%m-%dT%H:%M:%SZ}"
        raise Validation(f"The certificate is not valid at the current date: it is valid from {valid}.")
    chain = certificates(chain_pem, "certificate chain") if chain_pem else []
    self_signed = cert.issuer == cert.subject
    if not chain and not self_signed:
        raise Validation("The certificate chain is required: the certificate is not self-signed.")
    if chain:
        child = cert
        for issuer in chain:
            try:
                child.verify_directly_issued_by(issuer)
            except (ValueError, TypeError, InvalidSignature):
                raise Validation("Could not validate the certificate with the certificate chain.") from None
            child = issuer
    pem = serialization.Encoding.PEM
    chain_text = "".join(c.public_bytes(pem).decode() for c in chain)
    return details(cert), cert.public_bytes(pem).decode(), _key_text(key), chain_text


def _key_text(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()
