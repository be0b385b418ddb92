"""The EC2 subnets as load balancers need them, behind elbv2.context.SubnetDirectory (elbv2 imports no EC2 code).

Usage: ``Directory(ec2_store).placements("us-east-1", [subnet_id])`` gives
``{subnet_id: ("vpc-0000000000000000a", "us-east-1a")}``, the subnet's VPC and zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from provider.store.ec2 import Ec2Store


class Directory:
    def __init__(self, store: Ec2Store) -> None:
        self._store = store

    def placements(self, region: str, subnet_ids: Iterable[str]) -> Mapping[str, tuple[str, str]]:
        subnets = self._store.load(region).subnets
        return {i: (subnets[i].vpc_id, subnets[i].availability_zone) for i in subnet_ids if i in subnets}
