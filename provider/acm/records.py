"""ACM's certificates in DuckDB (their SQL, beside the service): one row per certificate, the record as JSON.

Reads come from the map the last commit published; ``version`` bumps on each commit, so the config Traefik polls is
compiled again when a certificate it serves is re-imported or renewed (provider/configserver/cache.py).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from provider.acm.model import Certificate
from provider.store.codec import decoder, dumps, encode

if TYPE_CHECKING:
    from provider.store import Store

SCHEMA = "CREATE TABLE IF NOT EXISTS acm_certificates (arn TEXT PRIMARY KEY, region TEXT NOT NULL, doc TEXT NOT NULL)"
_decode = decoder(Certificate)


class Certificates:
    """Every certificate of every region, by ARN; one writer at a time (``with certificates.write() as put:``)."""

    def __init__(self, store: Store) -> None:
        self._db = store.cursor()
        self._lock = threading.Lock()
        self._db.execute(SCHEMA)
        rows = self._db.execute("SELECT doc FROM acm_certificates ORDER BY arn").fetchall()
        self._published: Mapping[str, Certificate] = MappingProxyType(
            {c.arn: c for c in (_decode(json.loads(doc)) for (doc,) in rows)}
        )
        self.version = 0

    def all(self) -> Mapping[str, Certificate]:
        return self._published

    def get(self, arn: str) -> Certificate | None:
        return self._published.get(arn)

    @contextlib.contextmanager
    def write(self) -> Iterator[dict[str, Certificate | None]]:
        """Yields a dict to fill with ARN -> the new record (None deletes); it commits in one transaction."""
        with self._lock:
            changes: dict[str, Certificate | None] = {}
            yield changes
            if not changes:
                return
            db = self._db
            db.execute("BEGIN")
            try:
                for arn, cert in changes.items():
                    db.execute("DELETE FROM acm_certificates WHERE arn = ?", [arn])
                    if cert is not None:
                        db.execute("INSERT INTO acm_certificates VALUES (?, ?, ?)",
                                   [arn, cert.region, dumps(encode(cert))])
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            published = dict(self._published)
            for arn, cert in changes.items():
                if cert is None:
                    published.pop(arn, None)
                else:
                    published[arn] = cert
            self._published = MappingProxyType(published)
            self.version += 1
