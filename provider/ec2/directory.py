"""EC2 subnets and security groups as load balancers need them, behind elbv2.context.SubnetDirectory.

Usage: ``Directory(ec2_store).placements("us-east-1", [subnet_id])`` gives
``{subnet_id: ("vpc-0000000000000000a", "us-east-1a")}``, the subnet's VPC and zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from provider.ec2.tables import Ec2Store


class Directory:
    def __init__(self, store: Ec2Store) -> None:
        self._store = store

    def placements(self, region: str, subnet_ids: Iterable[str]) -> Mapping[str, tuple[str, str]]:
        subnets = self._store.load(region).subnets
        return {i: (subnets[i].vpc_id, subnets[i].availability_zone) for i in subnet_ids if i in subnets}

    def security_group_vpcs(self, region: str, group_ids: Iterable[str]) -> Mapping[str, str]:
        groups = self._store.load(region).security_groups
        return {i: groups[i].vpc_id for i in group_ids if i in groups}
