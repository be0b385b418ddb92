"""Every EC2 operation served here -> its handler; the rest of the ec2 model answers UnsupportedOperation."""

from __future__ import annotations

from provider.ec2 import security_group_rules, security_groups, subnets, tags, vpcs, zones
from provider.ec2.context import Handler

OPERATIONS: dict[str, Handler] = {
    **vpcs.OPERATIONS,
    **subnets.OPERATIONS,
    **security_groups.OPERATIONS,
    **security_group_rules.OPERATIONS,
    **tags.OPERATIONS,
    **zones.OPERATIONS,
}
