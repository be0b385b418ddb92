"""GetCallerIdentity: every caller is the account's root user, the account being the one in settings.

>>> get_caller_identity(Context(account="123456789012"), {})["arn"]
'arn:aws:iam::123456789012:root'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from provider import partitions

Params = Mapping[str, Any]
Result = dict[str, Any]


@dataclass(frozen=True)
class Context:
    region: str = "us-east-1"
    account: str = "123456789012"


Handler = Callable[[Context, Params], Result]


def get_caller_identity(ctx: Context, p: Params) -> Result:
    root = partitions.arn("iam", ctx.region, ctx.account, "root", regional=False)
    return {"user_id": ctx.account, "account": ctx.account, "arn": root}


OPERATIONS: dict[str, Handler] = {"GetCallerIdentity": get_caller_identity}
