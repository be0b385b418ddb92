"""Every operation name -> its handler, merged from the resource modules."""

from __future__ import annotations

from provider.elbv2 import (
    account,
    capacity,
    listeners,
    load_balancers,
    rules,
    tags,
    target_groups,
    targets,
    trust_stores,
)
from provider.elbv2.context import Handler

OPERATIONS: dict[str, Handler] = {
    **account.OPERATIONS,
    **load_balancers.OPERATIONS,
    **capacity.OPERATIONS,
    **target_groups.OPERATIONS,
    **targets.OPERATIONS,
    **listeners.OPERATIONS,
    **rules.OPERATIONS,
    **tags.OPERATIONS,
    **trust_stores.OPERATIONS,
}
