"""What every CloudWatch handler gets: the store, and the caller's region and account."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provider.store import Store

Params = Mapping[str, Any]  # parsed request, snake_case keys, shaped by the operation's input shape
Result = dict[str, Any]  # snake_case keys matching the operation's output shape members


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Context:
    store: Store
    region: str = "us-east-1"
    account: str = "123456789012"
    now: Callable[[], datetime] = utcnow


Handler = Callable[[Context, Params], Result]
