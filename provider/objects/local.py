"""S3 objects as this provider reads them: a local directory laid out as ``<bucket>/<key>`` (the ALB log files'
root, ``--alb-log-dir``), so a trust store's bundle ``s3://certs/ca.pem`` is ``<root>/certs/ca.pem``.
An object version, when given, is ``<key>.versions/<version>`` beside it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LocalObjects:
    root: Path

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
