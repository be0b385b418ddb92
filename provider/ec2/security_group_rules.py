"""Authorize/RevokeSecurityGroupIngress/Egress and DescribeSecurityGroupRules.

A request's IpPermissions (or the older flat CidrIp/IpProtocol/FromPort/ToPort form) become one rule per peer;
protocols and CIDRs are stored the way AWS answers them.

>>> protocol("6"), protocol("ALL"), ports("tcp", {"from_port": 80, "to_port": 80})
('tcp', '-1', (80, 80))
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from provider.ec2 import filters, security_groups, tags
from provider.ec2.context import Context, Handler, Params, Result, new_id
from provider.ec2.errors import DuplicatePermission, MalformedPermission, PermissionNotFound
from provider.ec2.model import ALL_PROTOCOLS, Direction, Network, Peer, Permission, SecurityGroup
from provider.errors import InvalidParameterValue

_NAMED = {"tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp", "icmp": "icmp", "1": "icmp", "icmpv6": "icmpv6",
          "58": "icmpv6", "-1": ALL_PROTOCOLS, "all": ALL_PROTOCOLS}  # fmt: skip
FILTERS: filters.Fields[tuple[SecurityGroup, Permission]] = {
    "group-id": lambda gr: [gr[0].id],
    "security-group-rule-id": lambda gr: [gr[1].id],
}


def protocol(raw: str | None) -> str:
    text = (raw or "").lower()
    if text in _NAMED:
        return _NAMED[text]
    if text.isdigit() and int(text) <= 255:
        return text
    raise InvalidParameterValue(f"Invalid value '{raw}' for IP protocol. Unknown protocol.")


def ports(proto: str, perm: Mapping[str, Any]) -> tuple[int | None, int | None]:
    """tcp/udp need a range within 0-65535; icmp's are type and code (-1: all); other protocols have none."""
    low, high = perm.get("from_port"), perm.get("to_port")
    if proto in ("tcp", "udp"):
        if low is None or high is None or not 0 <= low <= high <= 65535:
            raise InvalidParameterValue(
                f"Invalid port range {low}-{high} for {proto}: both ends in 0-65535, from <= to"
            )
        return low, high
    if proto in ("icmp", "icmpv6"):
        return (-1 if low is None else low), (-1 if high is None else high)
    return None, None


def _cidr(raw: str, version: int) -> str:
    try:
        block = ipaddress.ip_network(raw, strict=False)
    except ValueError:
        block = None
    if block is None or block.version != version:
        raise InvalidParameterValue(f"CIDR block {raw} is malformed")
    return str(block)


def _described(peer: Peer, item: Mapping[str, Any]) -> tuple[Peer, str]:
    return peer, str(item.get("description") or "")


def _peers(net: Network, group: SecurityGroup, perm: Mapping[str, Any]) -> list[tuple[Peer, str]]:
    peers = [_described(Peer(cidr_ipv4=_cidr(r.get("cidr_ip") or "", 4)), r) for r in perm.get("ip_ranges") or ()]
    peers += [_described(Peer(cidr_ipv6=_cidr(r.get("cidr_ipv6") or "", 6)), r) for r in perm.get("ipv6_ranges") or ()]
    peers += [
        _described(Peer(prefix_list_id=str(r.get("prefix_list_id"))), r) for r in perm.get("prefix_list_ids") or ()
    ]
    for pair in perm.get("user_id_group_pairs") or ():
        if pair.get("group_id"):
            other = security_groups.lookup(net, pair["group_id"])
        else:  # by name: a group of the same VPC
            name = pair.get("group_name")
            named = [g for g in net.security_groups.values() if g.vpc_id == group.vpc_id and g.name == name]
            if not named:
                raise tags.not_found("sg", str(name))
            other = named[0]
        peers.append(_described(Peer(group_id=other.id), pair))
    return peers


def requested(net: Network, group: SecurityGroup, p: Params, direction: Direction) -> list[Permission]:
    """The rules a call names, each with a new id (not yet checked against the group's)."""
    perms = list(p.get("ip_permissions") or ())
    if p.get("ip_protocol") or p.get("cidr_ip") or p.get("source_security_group_name"):
        perms.append({
            "ip_protocol": p.get("ip_protocol") or ALL_PROTOCOLS,
            "from_port": p.get("from_port"),
            "to_port": p.get("to_port"),
            "ip_ranges": [{"cidr_ip": p["cidr_ip"]}] if p.get("cidr_ip") else [],
            "user_id_group_pairs": [{"group_name": p["source_security_group_name"]}]
            if p.get("source_security_group_name") else [],
        })  # fmt: skip
    rules = []
    for perm in perms:
        proto = protocol(perm.get("ip_protocol"))
        low, high = ports(proto, perm)
        peers = _peers(net, group, perm)
        if not peers:
            raise MalformedPermission("A rule needs a source or destination: a CIDR, a security group or a prefix list")
        rules += [Permission(new_id("sgr"), direction, proto, low, high, peer, text) for peer, text in peers]
    return rules


def shape_rule(group: SecurityGroup, rule: Permission, account: str) -> dict[str, Any]:
    peer = rule.peer
    return {
        "security_group_rule_id": rule.id,
        "group_id": group.id,
        "group_owner_id": account,
        "is_egress": rule.direction == Direction.EGRESS,
        "ip_protocol": rule.ip_protocol,
        "from_port": -1 if rule.from_port is None else rule.from_port,
        "to_port": -1 if rule.to_port is None else rule.to_port,
        "cidr_ipv4": peer.cidr_ipv4,
        "cidr_ipv6": peer.cidr_ipv6,
        "prefix_list_id": peer.prefix_list_id,
        "referenced_group_info": {"group_id": peer.group_id, "user_id": account} if peer.group_id else None,
        "description": rule.description or None,
    }


def _group(net: Network, p: Params) -> SecurityGroup:
    return security_groups.lookup(net, p.get("group_id"), p.get("group_name"))


def _authorize(ctx: Context, p: Params, direction: Direction) -> Result:
    with ctx.store.write(ctx.region) as tx:
        group = _group(tx.state, p)
        rules = requested(tx.state, group, p, direction)
        known = {r.identity for r in group.rules}
        for rule in rules:
            if rule.identity in known:
                raise DuplicatePermission(f'the specified rule "{rule.ip_protocol} {rule.peer}" already exists')
            known.add(rule.identity)
        tx.put(replace(group, rules=group.rules + tuple(rules)))
    return {"return": True, "security_group_rules": [shape_rule(group, r, ctx.account) for r in rules]}


def _revoke(ctx: Context, p: Params, direction: Direction) -> Result:
    with ctx.store.write(ctx.region) as tx:
        group = _group(tx.state, p)
        ids = set(p.get("security_group_rule_ids") or ())
        gone = {r.identity for r in requested(tx.state, group, p, direction)} if not ids else set()
        removed = [r for r in group.rules if r.direction == direction and (r.id in ids or r.identity in gone)]
        if len(removed) != (len(ids) or len(gone)):
            raise PermissionNotFound("The specified rule does not exist in this security group.")
        tx.put(replace(group, rules=tuple(r for r in group.rules if r not in removed)))
    return {"return": True}


def authorize_security_group_ingress(ctx: Context, p: Params) -> Result:
    return _authorize(ctx, p, Direction.INGRESS)


def authorize_security_group_egress(ctx: Context, p: Params) -> Result:
    return _authorize(ctx, p, Direction.EGRESS)


def revoke_security_group_ingress(ctx: Context, p: Params) -> Result:
    return _revoke(ctx, p, Direction.INGRESS)


def revoke_security_group_egress(ctx: Context, p: Params) -> Result:
    return _revoke(ctx, p, Direction.EGRESS)


def describe_security_group_rules(ctx: Context, p: Params) -> Result:
    net = ctx.store.load(ctx.region)
    pairs = [(g, r) for g in net.security_groups.values() for r in g.rules]
    ids = set(p.get("security_group_rule_ids") or ())
    chosen = filters.select([gr for gr in pairs if not ids or gr[1].id in ids], p.get("filters"), FILTERS)
    return {"security_group_rules": [shape_rule(g, r, ctx.account) for g, r in chosen]}


OPERATIONS: dict[str, Handler] = {
    "AuthorizeSecurityGroupIngress": authorize_security_group_ingress,
    "AuthorizeSecurityGroupEgress": authorize_security_group_egress,
    "RevokeSecurityGroupIngress": revoke_security_group_ingress,
    "RevokeSecurityGroupEgress": revoke_security_group_egress,
    "DescribeSecurityGroupRules": describe_security_group_rules,
}
