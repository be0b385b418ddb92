"""What every EC2 handler gets: the region's networking tables and the caller's region and account."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provider.store.ec2 import Ec2Store

Params = Mapping[str, Any]  # snake_case keys, shaped by the operation's input shape
Result = dict[str, Any]  # snake_case keys matching the operation's output shape members


@dataclass(frozen=True)
class Context:
    store: Ec2Store
    region: str = "us-east-1"
    account: str = "123456789012"


Handler = Callable[[Context, Params], Result]


def new_id(prefix: str) -> str:
    """``new_id("vpc")`` -> ``vpc-0a1b2c3d4e5f67890`` (17 hex digits, like AWS's long ids)."""
    return f"{prefix}-{secrets.token_hex(9)[:17]}"
