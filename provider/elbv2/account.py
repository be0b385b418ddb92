"""Account-wide reads (DescribeAccountLimits, DescribeSSLPolicies) and the operations we do not support.

>>> OPERATIONS["ModifyIpPools"](None, {})   # a 400, not a 5xx: the client asked for what we do not offer
Traceback (most recent call last):
provider.errors.UnsupportedOperation: ModifyIpPools is not supported by elbv2-provider
"""

from __future__ import annotations

from provider.elbv2 import paging
from provider.elbv2.context import Context, Handler, Params, Result
from provider.elbv2.ssl_policies import POLICIES
from provider.errors import SSLPolicyNotFound, UnsupportedOperation

UNSUPPORTED = (
    "ModifyIpPools",
    "GetResourcePolicy",
)


def describe_account_limits(ctx: Context, p: Params) -> Result:
    items, next_marker = paging.page(ctx.quotas.described(), p.get("marker"), p.get("page_size"))
    return {"limits": [{"name": name, "max": str(most)} for name, most in items], "next_marker": next_marker}


def describe_ssl_policies(ctx: Context, p: Params) -> Result:
    names = list(dict.fromkeys(p.get("names") or ()))
    missing = [n for n in names if n not in POLICIES]
    if missing:
        raise SSLPolicyNotFound(f"SSL policy '{missing[0]}' not found")
    if p.get("load_balancer_type") == "gateway":
        chosen = []
    else:
        chosen = [POLICIES[n] for n in names] if names else list(POLICIES.values())
    items, next_marker = paging.page(chosen, p.get("marker"), p.get("page_size"))
    return {"ssl_policies": [policy.shape() for policy in items], "next_marker": next_marker}


def unsupported(operation: str) -> Handler:
    def handler(ctx: Context, p: Params) -> Result:
        raise UnsupportedOperation(f"{operation} is not supported by elbv2-provider")

    return handler


OPERATIONS: dict[str, Handler] = {
    "DescribeAccountLimits": describe_account_limits,
    "DescribeSSLPolicies": describe_ssl_policies,
    **{operation: unsupported(operation) for operation in UNSUPPORTED},
}
