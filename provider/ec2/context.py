"""What every EC2 handler gets: the region's networking tables and the caller's region and account."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from provider.ec2.errors import DependencyViolation

if TYPE_CHECKING:
    from provider.ec2.tables import Ec2Store

Params = Mapping[str, Any]  # snake_case keys, shaped by the operation's input shape
Result = dict[str, Any]  # snake_case keys matching the operation's output shape members


class Dependents(Protocol):
    """What else uses a subnet or security group: the load balancers (provider/elbv2/network.py)."""

    def user_of(self, region: str, resource_id: str) -> str | None:
        """The ARN of a load balancer in `region` that names the subnet or security group, or None."""


@dataclass(frozen=True)
class Context:
    store: Ec2Store
    region: str = "us-east-1"
    account: str = "123456789012"
    dependents: Dependents | None = None  # None: nothing outside EC2 holds on to its resources

    def check_unused(self, resource_id: str, message: str) -> None:
        """DependencyViolation(message) when a load balancer still names the resource, as AWS refuses it."""
        user = self.dependents.user_of(self.region, resource_id) if self.dependents else None
        if user is not None:
            raise DependencyViolation(f"{message} (used by {user})")


Handler = Callable[[Context, Params], Result]


def new_id(prefix: str) -> str:
    """``new_id("vpc")`` -> ``vpc-0a1b2c3d4e5f67890`` (17 hex digits, like AWS's long ids)."""
    return f"{prefix}-{secrets.token_hex(9)[:17]}"
