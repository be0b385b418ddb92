"""CreateVpc (with its default security group), DescribeVpcs, DeleteVpc, and the DNS attributes IaC tools set.

>>> canonical_cidr("10.0.0.7/16", "cidrBlock")
IPv4Network('10.0.0.0/16')
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from typing import Any

from provider.ec2 import filters, tags, zones
from provider.ec2.context import Context, Handler, Params, Result, new_id
from provider.ec2.errors import DependencyViolation, OperationNotPermitted, VpcRange
from provider.ec2.model import Network, Vpc
from provider.errors import InvalidParameterValue

MIN_PREFIX, MAX_PREFIX = 16, 28  # AWS's allowed VPC and subnet sizes
FILTERS: filters.Fields[Vpc] = {
    "vpc-id": lambda v: [v.id],
    "cidr": lambda v: [v.cidr_block],
    "cidr-block": lambda v: [v.cidr_block],
    "cidr-block-association.cidr-block": lambda v: [v.cidr_block],
    "is-default": lambda v: [v.is_default],
    "state": lambda v: ["available"],
    "dhcp-options-id": lambda v: ["default"],
    "instance-tenancy": lambda v: [v.instance_tenancy],
}
_ATTRIBUTES = {"enableDnsSupport": "enable_dns_support", "enableDnsHostnames": "enable_dns_hostnames"}


def canonical_cidr(raw: str | None, parameter: str) -> ipaddress.IPv4Network:
    """AWS keeps the network address: 10.0.0.7/16 is stored as 10.0.0.0/16."""
    try:
        return ipaddress.IPv4Network(raw or "", strict=False)
    except ValueError:
        raise InvalidParameterValue(
            f"Value ({raw}) for parameter {parameter} is invalid. This is not a valid CIDR block."
        ) from None


def shape(vpc: Vpc, net: Network, account: str) -> dict[str, Any]:
    return {
        "vpc_id": vpc.id,
        "cidr_block": vpc.cidr_block,
        "state": "available",
        "owner_id": account,
        "instance_tenancy": vpc.instance_tenancy,
        "is_default": vpc.is_default,
        "dhcp_options_id": "default",
        "cidr_block_association_set": [
            {
                "association_id": f"vpc-cidr-assoc-{vpc.id[4:]}",
                "cidr_block": vpc.cidr_block,
                "cidr_block_state": {"state": "associated"},
            }
        ],
        "tags": tags.shape_tags(net.tags.get(vpc.id, ())) or None,
    }


def requested_cidr(p: Params) -> ipaddress.IPv4Network:
    """CreateVpc's and CreateSubnet's CidrBlock, which is required here (there are no IPAM pools)."""
    if not p.get("cidr_block"):
        raise InvalidParameterValue("Either CidrBlock or Ipv4IpamPoolId must be specified")
    return canonical_cidr(p["cidr_block"], "cidrBlock")


def lookup(net: Network, vpc_id: str) -> Vpc:
    return tags.existing(net.vpcs, "vpc", vpc_id)


def create_vpc(ctx: Context, p: Params) -> Result:
    block = requested_cidr(p)
    if not MIN_PREFIX <= block.prefixlen <= MAX_PREFIX:
        raise VpcRange(f"The CIDR '{p['cidr_block']}' is invalid.")
    new_tags = tags.from_specifications(p.get("tag_specifications"), "vpc")
    vpc = Vpc(new_id("vpc"), str(block), instance_tenancy=p.get("instance_tenancy") or "default")
    with ctx.store.write(ctx.region) as tx:
        tx.put(vpc)
        tx.put(zones.default_group(ctx.region, vpc.id))
        tx.set_tags(vpc.id, new_tags)
        return {"vpc": shape(vpc, tx.state, ctx.account)}


describe_vpcs = filters.Described("vpc_ids", "vpcs", lambda net: net.vpcs, lookup, FILTERS, shape)


def delete_vpc(ctx: Context, p: Params) -> Result:
    with ctx.store.write(ctx.region) as tx:
        net = tx.state
        vpc = lookup(net, p["vpc_id"])
        if vpc.is_default:
            raise OperationNotPermitted(f"The default VPC '{vpc.id}' is kept by elbv2-provider and cannot be deleted")
        groups = [g for g in net.security_groups.values() if g.vpc_id == vpc.id]
        if any(s.vpc_id == vpc.id for s in net.subnets.values()) or any(g.name != "default" for g in groups):
            raise DependencyViolation(f"The vpc '{vpc.id}' has dependencies and cannot be deleted.")
        for group in groups:
            tx.delete(group)
        tx.delete(vpc)
    return {}


def describe_vpc_attribute(ctx: Context, p: Params) -> Result:
    vpc = lookup(ctx.store.load(ctx.region), p["vpc_id"])
    name = p["attribute"]
    if name not in _ATTRIBUTES:
        return {"vpc_id": vpc.id, "enable_network_address_usage_metrics": {"value": False}}
    field = _ATTRIBUTES[name]
    return {"vpc_id": vpc.id, field: {"value": getattr(vpc, field)}}


def modify_vpc_attribute(ctx: Context, p: Params) -> Result:
    support, hostnames = p.get("enable_dns_support"), p.get("enable_dns_hostnames")
    if (support is None) == (hostnames is None):
        raise InvalidParameterValue("Exactly one VPC attribute must be given in one ModifyVpcAttribute call")
    with ctx.store.write(ctx.region) as tx:
        vpc = lookup(tx.state, p["vpc_id"])
        if support is not None:
            vpc = replace(vpc, enable_dns_support=bool(support.get("value")))
        if hostnames is not None:
            vpc = replace(vpc, enable_dns_hostnames=bool(hostnames.get("value")))
        tx.put(vpc)
    return {}


OPERATIONS: dict[str, Handler] = {
    "CreateVpc": create_vpc,
    "DescribeVpcs": describe_vpcs,
    "DeleteVpc": delete_vpc,
    "DescribeVpcAttribute": describe_vpc_attribute,
    "ModifyVpcAttribute": modify_vpc_attribute,
}
