"""Application Load Balancers: create (idempotent), describe, delete (with listeners and rules), network settings.

Subnets EC2 knows give the load balancer its VPC and zones (elbv2/network.py); other ids are echoed as given.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from provider.elbv2 import arns, load_balancer_attributes, lookup, network, paging
from provider.elbv2.context import Context, Handler, Params, Result
from provider.elbv2.listeners import delete_with_rules
from provider.elbv2.load_balancer_attributes import LOAD_BALANCER_ATTRIBUTE_DEFAULTS
from provider.elbv2.model import LoadBalancer
from provider.elbv2.names import validate_load_balancer_name
from provider.elbv2.tags import validate_tags
from provider.errors import (
    InvalidConfigurationRequest,
    LoadBalancerNotFound,
    OperationNotPermitted,
    ValidationError,
)


@dataclass(frozen=True)
class LoadBalancerSettings:
    """What CreateLoadBalancer decides; an identical re-create returns the existing load balancer."""

    scheme: str = "internet-facing"
    ip_address_type: str = "ipv4"
    subnets: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()

    def matches(self, lb: LoadBalancer) -> bool:
        return (self.scheme, self.ip_address_type) == (lb.scheme, lb.ip_address_type) and (
            set(self.subnets),
            set(self.security_groups),
        ) == (set(lb.subnets), set(lb.security_groups))


def settings_from(p: Params) -> LoadBalancerSettings:
    load_balancer_type = p.get("type") or "application"
    if load_balancer_type != "application":
        raise ValidationError(
            f"Load balancer type '{load_balancer_type}' is not supported by elbv2-provider: only 'application'"
        )
    return LoadBalancerSettings(
        scheme=p.get("scheme") or LoadBalancerSettings.scheme,
        ip_address_type=p.get("ip_address_type") or LoadBalancerSettings.ip_address_type,
        subnets=subnets_from(p),
        security_groups=tuple(p.get("security_groups") or ()),
    )


def subnets_from(p: Params) -> tuple[str, ...]:
    """Subnets or SubnetMappings (only their SubnetId matters to an ALB), not both."""
    subnets, mappings = p.get("subnets"), p.get("subnet_mappings")
    if subnets and mappings:
        raise ValidationError("You can specify subnets or subnet mappings, not both")
    if mappings:
        return tuple(str(m.get("subnet_id") or "") for m in mappings)
    return tuple(subnets or ())


def shape(lb: LoadBalancer) -> dict[str, Any]:
    region = arns.region_of(lb.arn)
    return {
        "load_balancer_arn": lb.arn,
        "dns_name": lb.dns_name,
        "canonical_hosted_zone_id": network.hosted_zone_id(region),
        "created_time": lb.created_time,
        "load_balancer_name": lb.name,
        "scheme": lb.scheme,
        "vpc_id": lb.vpc_id,
        "state": {"code": "active"},  # nothing to provision: `wait load-balancer-available` ends at once
        "type": "application",
        "availability_zones": network.availability_zones(region, lb.subnets, lb.zones),
        "security_groups": list(lb.security_groups),
        "ip_address_type": lb.ip_address_type,
    }


def create_load_balancer(ctx: Context, p: Params) -> Result:
    name = p["name"]
    validate_load_balancer_name(name)
    settings, tags = settings_from(p), validate_tags(p.get("tags"))
    vpc_id, zones = network.placement(ctx.subnets, ctx.region, settings.subnets)
    network.check_security_groups(ctx.subnets, ctx.region, zones, vpc_id, settings.security_groups)
    with ctx.store.write() as tx:
        here = lookup.regional(tx.state.load_balancers, ctx.region)
        existing = lookup.created_before(LoadBalancer, here, name, settings.matches, ctx.quotas)
        if existing is not None:
            return {"load_balancers": [shape(existing)]}
        arn = arns.load_balancer(ctx.region, ctx.account, name)
        lb = LoadBalancer(
            arn=arn,
            name=name,
            dns_name=arns.dns_name(arn, name, settings.scheme, ctx.region),
            scheme=settings.scheme,
            ip_address_type=settings.ip_address_type,
            vpc_id=vpc_id,
            subnets=settings.subnets,
            zones=zones,
            security_groups=settings.security_groups,
            created_time=ctx.now(),
            attributes=LOAD_BALANCER_ATTRIBUTE_DEFAULTS,
        )
        tx.put(lb)
        tx.set_tags(arn, tags)
    return {"load_balancers": [shape(lb)]}


def describe_load_balancers(ctx: Context, p: Params) -> Result:
    state = ctx.store.snapshot()
    wanted_arns, names = p.get("load_balancer_arns"), p.get("names")
    if wanted_arns and names:
        raise ValidationError("Load balancer names and load balancer ARNs cannot be specified at the same time")
    if wanted_arns:
        found = [lookup.load_balancer(state, arn) for arn in dict.fromkeys(wanted_arns)]
    elif names:
        here = lookup.regional(state.load_balancers, ctx.region)
        missing = [n for n in names if lookup.by_name(here, n) is None]
        if missing:
            raise LoadBalancerNotFound(f"Load balancers '{missing}' not found")
        wanted_names = set(names)
        found = [lb for lb in here.values() if lb.name in wanted_names]
    else:
        found = list(lookup.regional(state.load_balancers, ctx.region).values())
    items, next_marker = paging.page(sorted(found, key=lambda lb: lb.name), p.get("marker"), p.get("page_size"))
    return {"load_balancers": [shape(lb) for lb in items], "next_marker": next_marker}


def delete_load_balancer(ctx: Context, p: Params) -> Result:
    with ctx.store.write() as tx:
        lb = tx.state.load_balancers.get(lookup.well_formed(p["load_balancer_arn"], "loadbalancer"))
        if lb is None:  # AWS answers an unknown or already deleted ARN with success
            return {}
        if dict(lb.attributes).get("deletion_protection.enabled") == "true":
            raise OperationNotPermitted(
                f"Load balancer '{lb.arn}' cannot be deleted because deletion protection is enabled"
            )
        for listener in [li for li in tx.state.listeners.values() if li.load_balancer_arn == lb.arn]:
            delete_with_rules(tx, listener)
        tx.delete(lb)
    return {}


def set_security_groups(ctx: Context, p: Params) -> Result:
    with ctx.store.write() as tx:
        lb = lookup.load_balancer(tx.state, p["load_balancer_arn"])
        groups = tuple(p.get("security_groups") or ())
        network.check_security_groups(ctx.subnets, ctx.region, lb.zones, lb.vpc_id, groups)
        lb = replace(lb, security_groups=groups)
        tx.put(lb)
    return {"security_group_ids": list(lb.security_groups)}


def set_subnets(ctx: Context, p: Params) -> Result:
    subnets = subnets_from(p)
    vpc_id, zones = network.placement(ctx.subnets, ctx.region, subnets)
    with ctx.store.write() as tx:
        lb = lookup.load_balancer(tx.state, p["load_balancer_arn"])
        if lb.zones and zones and vpc_id != lb.vpc_id:
            raise InvalidConfigurationRequest(f"The subnets must be in the load balancer's VPC '{lb.vpc_id}'")
        ip_address_type = p.get("ip_address_type") or lb.ip_address_type
        lb = replace(lb, subnets=subnets, zones=zones, vpc_id=vpc_id, ip_address_type=ip_address_type)
        tx.put(lb)
    shaped = network.availability_zones(arns.region_of(lb.arn), lb.subnets, lb.zones)
    return {"availability_zones": shaped, "ip_address_type": lb.ip_address_type}


def set_ip_address_type(ctx: Context, p: Params) -> Result:
    with ctx.store.write() as tx:
        lb = replace(lookup.load_balancer(tx.state, p["load_balancer_arn"]), ip_address_type=p["ip_address_type"])
        tx.put(lb)
    return {"ip_address_type": lb.ip_address_type}


OPERATIONS: dict[str, Handler] = {
    "CreateLoadBalancer": create_load_balancer,
    "DescribeLoadBalancers": describe_load_balancers,
    "DeleteLoadBalancer": delete_load_balancer,
    "SetSecurityGroups": set_security_groups,
    "SetSubnets": set_subnets,
    "SetIpAddressType": set_ip_address_type,
    **load_balancer_attributes.OPERATIONS,
}
