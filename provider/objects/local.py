"""S3 objects in a local directory laid out as ``<bucket>/<key>`` (the ALB log files' root, ``--alb-log-dir``), so a
trust store's bundle ``s3://certs/ca.pem`` is ``<root>/certs/ca.pem``. An object version, when given, is
``<key>.versions/<version>`` beside it. Their locations are presigned URLs of this server's ``/objects/`` route
(provider/objects/routes.py), as S3's are of S3: signed with a key of this process, for ten minutes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

LOCATION_SECONDS = 600  # AWS: a presigned URL active for ten minutes


@dataclass(frozen=True)
class LocalObjects:
    root: Path
    base_url: str = ""  # where this server's /objects/ route is reached
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    def read(self, bucket: str, key: str, version: str | None = None) -> bytes | None:
        """The object's bytes; None when there is none (or the name would leave the root)."""
        path = self.root / bucket / key
        if version:
            path = path.with_name(path.name + ".versions") / version
        try:
            resolved = path.resolve()
            if not resolved.is_relative_to(self.root.resolve()) or not resolved.is_file():
                return None
            return resolved.read_bytes()
        except (OSError, ValueError):
            return None

    def has_bucket(self, bucket: str) -> bool:
        return True  # a directory is made for it when a file is written

    def location(self, bucket: str, key: str, version: str | None = None) -> str:
        """A URL that reads the object for ten minutes: ``<base>/objects/<bucket>/<key>?...&Signature=...``."""
        expires = str(int(time.time()) + LOCATION_SECONDS)
        query = {"versionId": version} if version else {}
        query |= {"Expires": expires, "Signature": self.signature(bucket, key, version, expires)}
        path = urllib.parse.quote(f"{bucket}/{key}")
        return f"{self.base_url}/objects/{path}?{urllib.parse.urlencode(query)}"

    def signature(self, bucket: str, key: str, version: str | None, expires: str) -> str:
        text = f"{bucket}\n{key}\n{version or ''}\n{expires}".encode()
        return hmac.new(self.secret, text, hashlib.sha256).hexdigest()

    def signed(self, bucket: str, key: str, version: str | None, expires: str, signature: str) -> bool:
        """Is this a location this process gave, not yet expired?"""
        fresh = expires.isdigit() and int(expires) >= time.time()
        return fresh and hmac.compare_digest(signature, self.signature(bucket, key, version, expires))
