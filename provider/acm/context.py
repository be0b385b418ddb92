"""What every ACM handler gets: the certificates, the local CA, who uses a certificate, the caller's region."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from provider.acm.ca import LocalCa
from provider.acm.records import Certificates

Params = Mapping[str, Any]
Result = dict[str, Any]
VALIDATION_DELAY = timedelta(seconds=2)  # PENDING_VALIDATION -> ISSUED (AWS: minutes, once the CNAME is found)


def utcnow() -> datetime:
    return datetime.now(UTC)


def nobody(arn: str) -> Sequence[str]:
    return ()


@dataclass(frozen=True)
class Context:
    certificates: Certificates
    ca: Callable[[], LocalCa]  # loaded (or created) on first use
    region: str = "us-east-1"
    account: str = "123456789012"
    users: Callable[[str], Sequence[str]] = nobody  # certificate ARN -> the load balancers whose listeners use it
    validation_delay: timedelta = VALIDATION_DELAY
    now: Callable[[], datetime] = field(default=utcnow)


Handler = Callable[[Context, Params], Result]
