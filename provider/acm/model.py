"""A certificate as ACM keeps it: typed, frozen; its status is a function of time (validation completes by itself).

>>> from datetime import timedelta
>>> c = Certificate(arn="a", region="r", domain_name="x.test", names=("x.test",), type=AMAZON_ISSUED,
...                 created_at=T0, issued_at=T0 + timedelta(seconds=2), not_before=T0, not_after=T0 + timedelta(days=1))
>>> c.status(T0), c.status(T0 + timedelta(seconds=2))
('PENDING_VALIDATION', 'ISSUED')
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

AMAZON_ISSUED, IMPORTED = "AMAZON_ISSUED", "IMPORTED"
PENDING, ISSUED, EXPIRED = "PENDING_VALIDATION", "ISSUED", "EXPIRED"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
Tags = tuple[tuple[str, str | None], ...]


@dataclass(frozen=True, slots=True)
class Certificate:
    arn: str
    region: str
    domain_name: str
    names: tuple[str, ...]  # SubjectAlternativeNames, the domain name first
    type: str  # AMAZON_ISSUED | IMPORTED
    created_at: datetime
    not_before: datetime
    not_after: datetime
    issued_at: datetime | None = None  # AMAZON_ISSUED: when its validation completes
    imported_at: datetime | None = None
    key_algorithm: str = "RSA_2048"
    signature_algorithm: str = "SHA256WITHRSA"
    validation_method: str | None = None  # DNS | EMAIL for AMAZON_ISSUED
    token: str = ""  # the DNS validation record's label
    serial: str = ""  # colon-separated hex, as ACM shows it
    subject: str = ""
    issuer: str = ""
    certificate: str = ""  # the leaf, PEM
    chain: str = ""  # the issuers, PEM (ends at the local CA for requested certificates)
    private_key: str = ""  # PEM, unencrypted; never returned except by ExportCertificate
    export: str = "DISABLED"  # Options.Export
    transparency: str = "ENABLED"  # Options.CertificateTransparencyLoggingPreference
    tags: Tags = ()
    renewed_at: datetime | None = None

    def status(self, now: datetime) -> str:
        if self.type == AMAZON_ISSUED and self.issued_at is not None and now < self.issued_at:
            return PENDING
        return EXPIRED if now >= self.not_after else ISSUED

    def served(self, now: datetime) -> bool:
        """What an HTTPS listener may name: issued, within its validity."""
        return self.status(now) == ISSUED
