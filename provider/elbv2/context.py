"""What every API handler gets: the store, the health view, and the caller's region and account."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
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


class SubnetDirectory(Protocol):
    """The EC2 subnets as load balancers see them (provider/ec2/directory.py)."""

    def placements(self, region: str, subnet_ids: Iterable[str]) -> Mapping[str, tuple[str, str]]:
        """Of `subnet_ids`, those that exist: subnet id -> (VPC id, availability zone name)."""


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Context:
    store: Store
    health: HealthMonitor
    instances: InstanceResolver | None = None  # None: no Docker engine, instance targets are refused
    subnets: SubnetDirectory | None = None  # None: every subnet id is taken as given
    region: str = "us-east-1"
    account: str = "123456789012"
    now: Callable[[], datetime] = utcnow


Handler = Callable[[Context, Params], Result]
