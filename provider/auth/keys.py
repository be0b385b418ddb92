"""The keys of ALB authentication, created on first use in the state directory (``alb-auth/``, files mode 0600)
and kept there: the AES-256-GCM key that seals session cookies and sign-in states (shared with the ``alb`` plugin
through its options), the ES256 keys per region that sign ``x-amzn-oidc-data``, named by a UUID kid as ALB's are,
and the ES256 key of the built-in development sign-in's tokens (``issuer_key``). Only the public halves leave.

A region's signing keys rotate as ALB's do: the newest signs; once it is older than the rotation period the next
signature makes a new one (``rotate`` makes one at once). A replaced key's public half is still served for the
retention period from its replacement, so every header it signed still verifies (a header lives no longer than
its session, at most 7 days, or is signed again at a refresh); then its file is deleted. A key's creation time is
its file's modification time, set once when it is written.
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from provider.settings import Settings

SESSION_KEY_FILE = "session.key"
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")
KID_CHARS = 36  # a UUID's text


class AuthKeys:
    """``rotation_s``: how long a region's newest key signs before the next one replaces it; ``retention_s``: how
    long a replaced key's public half is still served."""

    def __init__(self, directory: Path, rotation_s: float = float("inf"), retention_s: float = float("inf"),
                 clock: Callable[[], float] = time.time) -> None:
        self.directory, self.rotation_s, self.retention_s, self.clock = directory, rotation_s, retention_s, clock
        self._lock = threading.Lock()
        self._issuer: tuple[str, ec.EllipticCurvePrivateKey] | None = None
        self._loaded: dict[Path, ec.EllipticCurvePrivateKey] = {}
        self.session_key = self._session_key()

    def _session_key(self) -> bytes:
        path = self.directory / SESSION_KEY_FILE
        if not path.exists():
            _write_private(path, os.urandom(32), time.time())
        return path.read_bytes()

    def signing_key(self, region: str) -> tuple[str, ec.EllipticCurvePrivateKey]:
        """(kid, key) that signs ``region``'s headers now: the newest ``signing-<region>-<kid>.pem``, a new one when
        there is none or it is past the rotation period."""
        with self._lock:
            kept = self._kept(region)
            if not kept or self.clock() - kept[-1][0] >= self.rotation_s:
                kept.append(self._new(region))
            return _kid(kept[-1][1]), self._load(kept[-1][1])

    def rotate(self, region: str) -> str:
        """A new signing key for ``region`` at once (the ``rotate-signing-key`` command); its kid."""
        with self._lock:
            self._kept(region)  # the ones past their retention go
            return _kid(self._new(region)[1])

    def kids(self, region: str) -> list[str]:
        """The kids whose public keys are served, oldest first; the last one signs."""
        with self._lock:
            return [_kid(path) for _, path in self._kept(region)]

    def public_pem(self, region: str, kid: str) -> bytes | None:
        """The PEM public key ALB serves at ``https://public-keys.auth.elb.<region>.amazonaws.com/<kid>``, while
        that key signs or is within its retention period."""
        if not _is_uuid(kid) or not REGION.fullmatch(region):
            return None
        with self._lock:
            path = next((p for _, p in self._kept(region) if _kid(p) == kid), None)
            key = self._load(path) if path else None
        if key is None:
            return None
        return key.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)

    def issuer_key(self) -> tuple[str, ec.EllipticCurvePrivateKey]:
        """(kid, key) that signs the built-in development sign-in's ID and access tokens: ``issuer-<kid>.pem``."""
        with self._lock:
            if self._issuer is None:
                found = sorted(self.directory.glob("issuer-*.pem"))
                path = found[0] if found else _write_key(self.directory, "issuer-", time.time())
                self._issuer = (_kid(path), self._load(path))
            return self._issuer

    def _kept(self, region: str) -> list[tuple[float, Path]]:
        """(created, file) of ``region``'s keys still served, oldest first; the files of keys replaced longer than
        the retention period ago are deleted. Read from the directory each time: a key the command line made is
        used at once."""
        if not REGION.fullmatch(region):
            raise ValueError(f"not a region: {region!r}")
        prefix = f"signing-{region}-"
        found = []
        for path in self.directory.glob(f"{prefix}*.pem"):
            try:
                found.append((path.stat().st_mtime, path))
            except FileNotFoundError:  # deleted meanwhile by another process
                continue
        found = sorted(f for f in found if len(f[1].stem) == len(prefix) + KID_CHARS)  # not another region's
        now = self.clock()
        replaced = [(f, later[0]) for f, later in zip(found, found[1:], strict=False)]
        for (_, path), since in replaced:
            if now - since >= self.retention_s:
                path.unlink(missing_ok=True)
                self._loaded.pop(path, None)
        return [f for f in found if f[1].exists()]

    def _new(self, region: str) -> tuple[float, Path]:
        now = self.clock()
        return now, _write_key(self.directory, f"signing-{region}-", now)

    def _load(self, path: Path) -> ec.EllipticCurvePrivateKey:
        if path not in self._loaded:
            key = serialization.load_pem_private_key(path.read_bytes(), None)
            assert isinstance(key, ec.EllipticCurvePrivateKey)
            self._loaded[path] = key
        return self._loaded[path]


def from_settings(settings: Settings) -> AuthKeys:
    """The keys beside the state, rotated and retained as the settings say."""
    return AuthKeys(settings.auth_dir, settings.signing_key_rotation_hours * 3600,
                    settings.signing_key_retention_hours * 3600)


def _kid(path: Path) -> str:
    return path.stem[-KID_CHARS:]


def _is_uuid(kid: str) -> bool:
    try:
        return str(uuid.UUID(kid)) == kid
    except ValueError:
        return False


def _write_key(directory: Path, prefix: str, created: float) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path = directory / f"{prefix}{uuid.uuid4()}.pem"
    _write_private(path, pem, created)
    return path


def _write_private(path: Path, data: bytes, created: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
    os.utime(path, (created, created))
