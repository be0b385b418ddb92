"""CreateSecurityGroup, DescribeSecurityGroups, DeleteSecurityGroup; a group's rules as AWS groups them.

>>> [p["ip_protocol"] for p in permissions(default_group("us-east-1", "vpc-1").rules, Direction.EGRESS, "1")]
['-1']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from provider import partitions
from provider.ec2 import filters, tags, vpcs
from provider.ec2.context import Context, Handler, Params, Result, new_id
from provider.ec2.errors import CannotDelete, DependencyViolation, DuplicateGroup, GroupNotFound, ReservedGroup
from provider.ec2.model import (
    ALL_PROTOCOLS,
    DEFAULT_GROUP_NAME,
    DEFAULT_VPC_ID,
    Direction,
    Network,
    Peer,
    Permission,
    SecurityGroup,
)
from provider.ec2.zones import default_group
from provider.errors import InvalidParameterValue

MAX_NAME_LENGTH = 255
FILTERS: filters.Fields[SecurityGroup] = {
    "group-id": lambda g: [g.id],
    "group-name": lambda g: [g.name],
    "vpc-id": lambda g: [g.vpc_id],
    "description": lambda g: [g.description],
}


def permissions(rules: Iterable[Permission], direction: Direction, account: str) -> list[dict[str, Any]]:
    """Rules -> IpPermissions: one entry per (protocol, port range), its peers in lists by kind, in rule order."""
    grouped: dict[tuple[str, int | None, int | None], dict[str, Any]] = {}
    for rule in rules:
        if rule.direction != direction:
            continue
        key = (rule.ip_protocol, rule.from_port, rule.to_port)
        entry = grouped.get(key)
        if entry is None:
            entry = grouped[key] = {
                "ip_protocol": rule.ip_protocol,
                "from_port": rule.from_port,
                "to_port": rule.to_port,
                "ip_ranges": [],
                "ipv6_ranges": [],
                "user_id_group_pairs": [],
                "prefix_list_ids": [],
            }
        described = {"description": rule.description or None}
        peer = rule.peer
        if peer.cidr_ipv4:
            entry["ip_ranges"].append({"cidr_ip": peer.cidr_ipv4, **described})
        elif peer.cidr_ipv6:
            entry["ipv6_ranges"].append({"cidr_ipv6": peer.cidr_ipv6, **described})
        elif peer.group_id:
            entry["user_id_group_pairs"].append({"group_id": peer.group_id, "user_id": account, **described})
        elif peer.prefix_list_id:
            entry["prefix_list_ids"].append({"prefix_list_id": peer.prefix_list_id, **described})
    return list(grouped.values())


def shape(group: SecurityGroup, net: Network, account: str) -> dict[str, Any]:
    return {
        "group_id": group.id,
        "group_name": group.name,
        "description": group.description,
        "vpc_id": group.vpc_id,
        "owner_id": account,
        "security_group_arn": partitions.arn("ec2", net.region, account, f"security-group/{group.id}"),
        "ip_permissions": permissions(group.rules, Direction.INGRESS, account),
        "ip_permissions_egress": permissions(group.rules, Direction.EGRESS, account),
        "tags": tags.shape_tags(net.tags.get(group.id, ())) or None,
    }


def lookup(net: Network, group_id: str | None, group_name: str | None = None) -> SecurityGroup:
    """By id, or by name in the default VPC (what AWS's GroupName parameters mean)."""
    if group_id:
        return tags.existing(net.security_groups, "sg", group_id)
    if not group_name:
        raise InvalidParameterValue("A security group id or name must be given")
    found = next((g for g in net.security_groups.values() if g.vpc_id == DEFAULT_VPC_ID and g.name == group_name), None)
    if found is None:
        raise GroupNotFound(f"The security group '{group_name}' does not exist in default VPC '{DEFAULT_VPC_ID}'")
    return found


def create_security_group(ctx: Context, p: Params) -> Result:
    name, description = p["group_name"], p["description"]
    if name.lower().startswith("sg-") or not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise InvalidParameterValue(
            f"Invalid security group name '{name}': 1 to {MAX_NAME_LENGTH} characters, not sg-*"
        )
    if name.lower() == DEFAULT_GROUP_NAME:
        raise ReservedGroup(f"The security group '{name}' is reserved")
    new_tags = tags.from_specifications(p.get("tag_specifications"), "security-group")
    with ctx.store.write(ctx.region) as tx:
        vpc = vpcs.lookup(tx.state, p.get("vpc_id") or DEFAULT_VPC_ID)
        if any(g.vpc_id == vpc.id and g.name.lower() == name.lower() for g in tx.state.security_groups.values()):
            raise DuplicateGroup(f"The security group '{name}' already exists for VPC '{vpc.id}'")
        everything_out = Permission(new_id("sgr"), Direction.EGRESS, ALL_PROTOCOLS, None, None, Peer("0.0.0.0/0"))
        group = SecurityGroup(new_id("sg"), name, description, vpc.id, (everything_out,))
        tx.put(group)
        tx.set_tags(group.id, new_tags)
    arn = shape(group, tx.state, ctx.account)["security_group_arn"]
    return {"group_id": group.id, "tags": tags.shape_tags(new_tags) or None, "security_group_arn": arn}


def describe_security_groups(ctx: Context, p: Params) -> Result:
    net = ctx.store.load(ctx.region)
    ids, names = p.get("group_ids"), p.get("group_names")
    if ids or names:
        found = [lookup(net, i) for i in dict.fromkeys(ids or ())]
        found += [lookup(net, None, n) for n in dict.fromkeys(names or ())]
    else:
        found = list(net.security_groups.values())
    chosen = filters.select(found, p.get("filters"), FILTERS, lambda r: net.tags.get(r.id, ()))
    return {"security_groups": [shape(g, net, ctx.account) for g in chosen]}


def delete_security_group(ctx: Context, p: Params) -> Result:
    with ctx.store.write(ctx.region) as tx:
        group = lookup(tx.state, p.get("group_id"), p.get("group_name"))
        if group.id == default_group(ctx.region, group.vpc_id).id:
            raise CannotDelete(f'the specified group: "{group.id}" name: "default" cannot be deleted by a user')
        ctx.check_unused(group.id, f"resource {group.id} has a dependent object")
        for other in tx.state.security_groups.values():
            if other.id != group.id and any(r.peer.group_id == group.id for r in other.rules):
                raise DependencyViolation(f"resource {group.id} has a dependent object")
        tx.delete(group)
    return {"return": True, "group_id": group.id}


OPERATIONS: dict[str, Handler] = {
    "CreateSecurityGroup": create_security_group,
    "DescribeSecurityGroups": describe_security_groups,
    "DeleteSecurityGroup": delete_security_group,
}
