"""What every API handler gets: the store, the health view, and the caller's region and account."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from provider.store import Store
    from provider.targets.health import HealthMonitor

Params = Mapping[str, Any]  # parsed request, snake_case keys, shaped by the operation's input shape
Result = dict[str, Any]  # snake_case keys matching the operation's output shape members


class InstanceResolver(Protocol):
    """Resolves `instance` target ids (Docker container names or ids); see provider/targets/docker.py."""

    def validate(self, target_id: str) -> None:
        """Raise errors.InvalidTarget with the reason when the id cannot be a target."""


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Context:
    store: Store
    health: HealthMonitor
    instances: InstanceResolver | None = None  # None: no Docker engine, instance targets are refused
    region: str = "us-east-1"
    account: str = "123456789012"
    now: Callable[[], datetime] = utcnow


Handler = Callable[[Context, Params], Result]
