"""The keys of ALB authentication, created on first use in the state directory (``alb-auth/``, files mode 0600)
and kept there: the AES-256-GCM key that seals session cookies and sign-in states (shared with the ``alb`` plugin
through its options), one ES256 key per region that signs ``x-amzn-oidc-data``, named by a UUID kid as ALB's
are, and the ES256 key of the built-in development sign-in's tokens (``issuer_key``). Only the public halves leave.
"""

from __future__ import annotations

import os
import re
import threading
import uuid
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

SESSION_KEY_FILE = "session.key"
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")


class AuthKeys:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._signing: dict[str, tuple[str, ec.EllipticCurvePrivateKey]] = {}
        self.session_key = self._session_key()

    def _session_key(self) -> bytes:
        path = self.directory / SESSION_KEY_FILE
        if not path.exists():
            _write_private(path, os.urandom(32))
        return path.read_bytes()

    def signing_key(self, region: str) -> tuple[str, ec.EllipticCurvePrivateKey]:
        """(kid, key) of ``region``: ``signing-<region>-<kid>.pem``, made on first use."""
        if not REGION.fullmatch(region):
            raise ValueError(f"not a region: {region!r}")
        return self._key(f"signing-{region}-")

    def issuer_key(self) -> tuple[str, ec.EllipticCurvePrivateKey]:
        """(kid, key) that signs the built-in development sign-in's ID and access tokens: ``issuer-<kid>.pem``."""
        return self._key("issuer-")

    def _key(self, prefix: str) -> tuple[str, ec.EllipticCurvePrivateKey]:
        with self._lock:
            if prefix not in self._signing:
                found = sorted(self.directory.glob(f"{prefix}*.pem"))
                if found:
                    kid = found[0].stem.removeprefix(prefix)
                    key = serialization.load_pem_private_key(found[0].read_bytes(), None)
                    assert isinstance(key, ec.EllipticCurvePrivateKey)
                else:
                    kid, key = str(uuid.uuid4()), ec.generate_private_key(ec.SECP256R1())
                    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption())
                    _write_private(self.directory / f"{prefix}{kid}.pem", pem)
                self._signing[prefix] = (kid, key)
            return self._signing[prefix]

    def public_pem(self, region: str, kid: str) -> bytes | None:
        """The PEM public key ALB serves at ``https://public-keys.auth.elb.<region>.amazonaws.com/<kid>``."""
        if not _is_uuid(kid) or not REGION.fullmatch(region):
            return None
        path = self.directory / f"signing-{region}-{kid}.pem"
        if not path.is_file():
            return None
        key = serialization.load_pem_private_key(path.read_bytes(), None)
        return key.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)


def _is_uuid(kid: str) -> bool:
    try:
        return str(uuid.UUID(kid)) == kid
    except ValueError:
        return False


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
