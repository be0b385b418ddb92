"""Availability zones (three per region, as the default subnets need), the default VPC's contents, and
DescribeAvailabilityZones / DescribeAccountAttributes / DescribeNetworkInterfaces.

>>> zones("eu-west-1")
[Zone(name='eu-west-1a', id='euw1-az1'), Zone(name='eu-west-1b', id='euw1-az2'), Zone(name='eu-west-1c', id='euw1-az3')]
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from provider.ec2 import filters
from provider.ec2.context import Context, Handler, Params, Result
from provider.ec2.model import (
    ALL_PROTOCOLS,
    DEFAULT_GROUP_NAME,
    DEFAULT_SUBNET_PREFIX,
    DEFAULT_VPC_CIDR,
    DEFAULT_VPC_ID,
    ZONES_PER_REGION,
    Direction,
    Peer,
    Permission,
    SecurityGroup,
    Subnet,
    Vpc,
)
from provider.errors import InvalidParameterValue

if TYPE_CHECKING:
    from provider.ec2.tables import NetworkWrite

ACCOUNT_ATTRIBUTES = {  # AWS's defaults for a new account
    "supported-platforms": ["VPC"],
    "default-vpc": [DEFAULT_VPC_ID],
    "max-instances": ["20"],
    "vpc-max-security-groups-per-interface": ["5"],
    "max-elastic-ips": ["5"],
    "vpc-max-elastic-ips": ["5"],
}


@dataclass(frozen=True, slots=True)
class Zone:
    name: str
    id: str


def zones(region: str) -> list[Zone]:
    parts = region.split("-")
    short = parts[0] + "".join(p[0] for p in parts[1:-1]) + parts[-1]  # us-east-1 -> use1
    return [Zone(f"{region}{letter}", f"{short}-az{n}") for n, letter in enumerate("abc"[:ZONES_PER_REGION], 1)]


def zone_id(region: str, zone_name: str) -> str:
    return next((z.id for z in zones(region) if z.name == zone_name), "")


def _fixed_id(prefix: str, *parts: str) -> str:
    """Default resources get ids derived from where they are, so they are the same on every start."""
    return f"{prefix}-{hashlib.sha256('/'.join(parts).encode()).hexdigest()[:17]}"


def default_group(region: str, vpc_id: str) -> SecurityGroup:
    """The group AWS creates in every VPC: all traffic from itself in, everything out."""
    group_id = _fixed_id("sg", region, vpc_id)
    return SecurityGroup(
        id=group_id,
        name=DEFAULT_GROUP_NAME,
        description="default VPC security group",
        vpc_id=vpc_id,
        rules=(
            Permission(
                _fixed_id("sgr", group_id, "in"), Direction.INGRESS, ALL_PROTOCOLS, None, None, Peer(group_id=group_id)
            ),
            Permission(
                _fixed_id("sgr", group_id, "out"), Direction.EGRESS, ALL_PROTOCOLS, None, None, Peer("0.0.0.0/0")
            ),
        ),
    )


def seed(tx: NetworkWrite) -> None:
    """A region's default VPC, one default subnet per zone, and the default security group."""
    region = tx.state.region
    tx.put(Vpc(DEFAULT_VPC_ID, DEFAULT_VPC_CIDR, is_default=True, enable_dns_hostnames=True))
    blocks = ipaddress.ip_network(DEFAULT_VPC_CIDR).subnets(new_prefix=DEFAULT_SUBNET_PREFIX)
    for zone, block in zip(zones(region), blocks, strict=False):
        subnet_id = _fixed_id("subnet", region, zone.name)
        tx.put(
            Subnet(subnet_id, DEFAULT_VPC_ID, str(block), zone.name, default_for_az=True, map_public_ip_on_launch=True)
        )
    tx.put(default_group(region, DEFAULT_VPC_ID))


def describe_availability_zones(ctx: Context, p: Params) -> Result:
    names, ids = set(p.get("zone_names") or ()), set(p.get("zone_ids") or ())
    known = zones(ctx.region)
    unknown = (names - {z.name for z in known}) | (ids - {z.id for z in known})
    if unknown:
        raise InvalidParameterValue(f"The zone '{sorted(unknown)[0]}' does not exist in region {ctx.region}")
    shaped = [
        {
            "zone_name": z.name,
            "zone_id": z.id,
            "state": "available",
            "region_name": ctx.region,
            "zone_type": "availability-zone",
            "opt_in_status": "opt-in-not-required",
            "group_name": ctx.region,
            "network_border_group": ctx.region,
            "messages": [],
        }
        for z in known
        if (not names or z.name in names) and (not ids or z.id in ids)
    ]
    fields = {"zone-name": "zone_name", "zone-id": "zone_id", "state": "state", "region-name": "region_name"}
    return {"availability_zones": filters.select_shaped(shaped, p.get("filters"), fields)}


def describe_account_attributes(ctx: Context, p: Params) -> Result:
    wanted = p.get("attribute_names") or list(ACCOUNT_ATTRIBUTES)
    return {
        "account_attributes": [
            {"attribute_name": name, "attribute_values": [{"attribute_value": v} for v in ACCOUNT_ATTRIBUTES[name]]}
            for name in wanted
            if name in ACCOUNT_ATTRIBUTES
        ]
    }


def describe_network_interfaces(ctx: Context, p: Params) -> Result:
    """Load balancers here have no network interfaces: Terraform's wait for an ALB's interfaces to go ends at once."""
    filters.check_names(p.get("filters"), filters.NETWORK_INTERFACE_FILTERS)
    return {"network_interfaces": []}


OPERATIONS: dict[str, Handler] = {
    "DescribeAvailabilityZones": describe_availability_zones,
    "DescribeAccountAttributes": describe_account_attributes,
    "DescribeNetworkInterfaces": describe_network_interfaces,
}
