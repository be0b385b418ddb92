"""CreateSubnet, DescribeSubnets, DeleteSubnet: subnets inside their VPC's CIDR, never overlapping, one zone each.

>>> available_addresses("10.0.1.0/24")   # AWS reserves five addresses in every subnet
251
"""

from __future__ import annotations

import ipaddress
from typing import Any

from provider import partitions
from provider.ec2 import filters, tags, vpcs, zones
from provider.ec2.context import Context, Handler, Params, Result, new_id
from provider.ec2.errors import SubnetConflict, SubnetRange
from provider.ec2.model import Network, Subnet
from provider.errors import InvalidParameterValue

RESERVED_ADDRESSES = 5
FILTERS: filters.Fields[Subnet] = {
    "subnet-id": lambda s: [s.id],
    "vpc-id": lambda s: [s.vpc_id],
    "vpcId": lambda s: [s.vpc_id],
    "cidr-block": lambda s: [s.cidr_block],
    "cidr": lambda s: [s.cidr_block],
    "cidrBlock": lambda s: [s.cidr_block],
    "availability-zone": lambda s: [s.availability_zone],
    "availabilityZone": lambda s: [s.availability_zone],
    "default-for-az": lambda s: [s.default_for_az],
    "defaultForAz": lambda s: [s.default_for_az],
    "map-public-ip-on-launch": lambda s: [s.map_public_ip_on_launch],
    "state": lambda s: ["available"],
}


def available_addresses(cidr: str) -> int:
    return int(ipaddress.IPv4Network(cidr).num_addresses) - RESERVED_ADDRESSES


def shape(subnet: Subnet, net: Network, account: str) -> dict[str, Any]:
    return {
        "subnet_id": subnet.id,
        "subnet_arn": partitions.arn("ec2", net.region, account, f"subnet/{subnet.id}"),
        "vpc_id": subnet.vpc_id,
        "cidr_block": subnet.cidr_block,
        "availability_zone": subnet.availability_zone,
        "availability_zone_id": zones.zone_id(net.region, subnet.availability_zone),
        "available_ip_address_count": available_addresses(subnet.cidr_block),
        "default_for_az": subnet.default_for_az,
        "map_public_ip_on_launch": subnet.map_public_ip_on_launch,
        "map_customer_owned_ip_on_launch": False,
        "assign_ipv6_address_on_creation": False,
        "ipv6_native": False,
        "enable_dns64": False,
        "ipv6_cidr_block_association_set": [],
        "state": "available",
        "owner_id": account,
        "tags": tags.shape_tags(net.tags.get(subnet.id, ())) or None,
    }


def lookup(net: Network, subnet_id: str) -> Subnet:
    return tags.existing(net.subnets, "subnet", subnet_id)


def _zone(ctx: Context, p: Params) -> str:
    known = zones.zones(ctx.region)
    name, zone_id = p.get("availability_zone"), p.get("availability_zone_id")
    if name is None and zone_id is None:
        return known[0].name
    for zone in known:
        if name in (None, zone.name) and zone_id in (None, zone.id):
            return zone.name
    raise InvalidParameterValue(
        f"Value ({name or zone_id}) for parameter availabilityZone is invalid. Subnets can currently only be "
        f"created in the following availability zones: {', '.join(z.name for z in known)}."
    )


def create_subnet(ctx: Context, p: Params) -> Result:
    block, zone = vpcs.requested_cidr(p), _zone(ctx, p)
    new_tags = tags.from_specifications(p.get("tag_specifications"), "subnet")
    with ctx.store.write(ctx.region) as tx:
        vpc = vpcs.lookup(tx.state, p["vpc_id"])
        vpc_block = ipaddress.IPv4Network(vpc.cidr_block)
        if not vpcs.MIN_PREFIX <= block.prefixlen <= vpcs.MAX_PREFIX or not block.subnet_of(vpc_block):
            raise SubnetRange(f"The CIDR '{p['cidr_block']}' is invalid.")
        for other in tx.state.subnets.values():
            if other.vpc_id == vpc.id and block.overlaps(ipaddress.IPv4Network(other.cidr_block)):
                raise SubnetConflict(f"The CIDR '{block}' conflicts with another subnet")
        subnet = Subnet(new_id("subnet"), vpc.id, str(block), zone)
        tx.put(subnet)
        tx.set_tags(subnet.id, new_tags)
        return {"subnet": shape(subnet, tx.state, ctx.account)}


describe_subnets = filters.Described("subnet_ids", "subnets", lambda net: net.subnets, lookup, FILTERS, shape)


def delete_subnet(ctx: Context, p: Params) -> Result:
    with ctx.store.write(ctx.region) as tx:
        subnet = lookup(tx.state, p["subnet_id"])
        ctx.check_unused(subnet.id, f"The subnet '{subnet.id}' has dependencies and cannot be deleted.")
        tx.delete(subnet)
    return {}


OPERATIONS: dict[str, Handler] = {
    "CreateSubnet": create_subnet,
    "DescribeSubnets": describe_subnets,
    "DeleteSubnet": delete_subnet,
}
