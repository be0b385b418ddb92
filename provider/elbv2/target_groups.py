"""Target groups (HTTP/HTTPS, instance or ip targets): create (idempotent), describe, modify, delete."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from provider import texts
from provider.elbv2 import arns, health_checks, lookup, paging, target_group_attributes
from provider.elbv2.context import Context, Handler, Params, Result
from provider.elbv2.model import HealthCheck, ProtocolName, State, TargetGroup, TargetType
from provider.elbv2.names import validate_target_group_name
from provider.elbv2.network import DEFAULT_VPC_ID
from provider.elbv2.tags import validate_tags
from provider.elbv2.target_group_attributes import TARGET_GROUP_ATTRIBUTE_DEFAULTS
from provider.errors import (
    ResourceInUse,
    TargetGroupNotFound,
    ValidationError,
)

__all__ = ["OPERATIONS", "TARGET_GROUP_ATTRIBUTE_DEFAULTS", "settings_from", "shape"]

PROTOCOL_VERSIONS = ("HTTP1", "HTTP2", "GRPC")
SUPPORTED_TARGET_TYPES = (TargetType.INSTANCE, TargetType.IP)


@dataclass(frozen=True)
class TargetGroupSettings:
    """What CreateTargetGroup decides; an identical re-create returns the existing target group."""

    protocol: ProtocolName
    protocol_version: str
    port: int
    vpc_id: str
    target_type: TargetType
    ip_address_type: str
    health_check: HealthCheck

    def matches(self, tg: TargetGroup) -> bool:
        return self == TargetGroupSettings(
            tg.protocol, tg.protocol_version, tg.port, tg.vpc_id, tg.target_type, tg.ip_address_type, tg.health_check
        )


def settings_from(p: Params) -> TargetGroupSettings:
    target_type = TargetType(p.get("target_type") or TargetType.INSTANCE)
    if target_type not in SUPPORTED_TARGET_TYPES:
        raise ValidationError(f"Target type '{target_type}' is not supported by elbv2-provider: use instance or ip")
    protocol = p.get("protocol")
    if protocol is None:
        raise ValidationError("A protocol must be specified for instance and ip target groups")
    if protocol not in ProtocolName.__members__:
        raise ValidationError(f"Protocol '{protocol}' is not supported by elbv2-provider: use HTTP or HTTPS")
    if p.get("port") is None:
        raise ValidationError("A port must be specified for instance and ip target groups")
    version = p.get("protocol_version") or "HTTP1"
    if version not in PROTOCOL_VERSIONS:
        raise ValidationError(f"Protocol version '{version}' is not valid: use one of {', '.join(PROTOCOL_VERSIONS)}")
    grpc = version == "GRPC"
    base = HealthCheck(protocol=ProtocolName(protocol))
    if grpc:
        base = replace(base, matcher=health_checks.GRPC_MATCHER)
    return TargetGroupSettings(
        protocol=ProtocolName(protocol),
        protocol_version=version,
        port=int(p["port"]),
        vpc_id=p.get("vpc_id") or DEFAULT_VPC_ID,
        target_type=target_type,
        ip_address_type=p.get("ip_address_type") or "ipv4",
        health_check=health_checks.from_params(p, base, grpc),
    )


def shape(state: State, tg: TargetGroup) -> dict[str, Any]:
    hc = tg.health_check
    load_balancer = state.load_balancer_of_target_group(tg.arn)
    return {
        "target_group_arn": tg.arn,
        "target_group_name": tg.name,
        "protocol": str(tg.protocol),
        "port": tg.port,
        "vpc_id": tg.vpc_id,
        "health_check_protocol": str(hc.protocol),
        "health_check_port": hc.port,
        "health_check_enabled": hc.enabled,
        "health_check_interval_seconds": hc.interval_seconds,
        "health_check_timeout_seconds": hc.timeout_seconds,
        "healthy_threshold_count": hc.healthy_threshold_count,
        "unhealthy_threshold_count": hc.unhealthy_threshold_count,
        "health_check_path": hc.path,
        "matcher": {"grpc_code" if tg.protocol_version == "GRPC" else "http_code": hc.matcher},
        "load_balancer_arns": [load_balancer] if load_balancer else [],
        "target_type": str(tg.target_type),
        "protocol_version": tg.protocol_version,
        "ip_address_type": tg.ip_address_type,
    }


def create_target_group(ctx: Context, p: Params) -> Result:
    name = p["name"]
    validate_target_group_name(name)
    settings, tags = settings_from(p), validate_tags(p.get("tags"))
    with ctx.store.write() as tx:
        here = lookup.regional(tx.state.target_groups, ctx.region)
        existing = lookup.created_before(TargetGroup, here, name, settings.matches, ctx.quotas)
        if existing is not None:
            return {"target_groups": [shape(tx.state, existing)]}
        tg = TargetGroup(
            arn=arns.target_group(ctx.region, ctx.account, name),
            name=name,
            protocol=settings.protocol,
            protocol_version=settings.protocol_version,
            port=settings.port,
            vpc_id=settings.vpc_id,
            target_type=settings.target_type,
            ip_address_type=settings.ip_address_type,
            health_check=settings.health_check,
            created_time=ctx.now(),
            attributes=TARGET_GROUP_ATTRIBUTE_DEFAULTS,
        )
        tx.put(tg)
        tx.set_tags(tg.arn, tags)
        return {"target_groups": [shape(tx.state, tg)]}


def describe_target_groups(ctx: Context, p: Params) -> Result:
    state = ctx.store.snapshot()
    lb_arn, tg_arns, names = p.get("load_balancer_arn"), p.get("target_group_arns"), p.get("names")
    if sum(1 for given in (lb_arn, tg_arns, names) if given) > 1:
        raise ValidationError("Specify only one of LoadBalancerArn, TargetGroupArns and Names")
    if lb_arn:
        lookup.load_balancer(state, lb_arn)
        found = [tg for tg in state.target_groups.values() if state.load_balancer_of_target_group(tg.arn) == lb_arn]
    elif tg_arns:
        found = [lookup.target_group(state, arn) for arn in dict.fromkeys(tg_arns)]
    elif names:
        here = lookup.regional(state.target_groups, ctx.region)
        found = [_named(here, name) for name in dict.fromkeys(names)]
    else:
        found = list(lookup.regional(state.target_groups, ctx.region).values())
    if not tg_arns:
        found.sort(key=lambda tg: tg.name)
    items, next_marker = paging.page(found, p.get("marker"), p.get("page_size"))
    return {"target_groups": [shape(state, tg) for tg in items], "next_marker": next_marker}


def _named(here: Mapping[str, TargetGroup], name: str) -> TargetGroup:
    tg = lookup.by_name(here, name)
    if tg is None:
        raise TargetGroupNotFound(texts.TARGET_GROUPS_NOT_FOUND)
    return tg


def modify_target_group(ctx: Context, p: Params) -> Result:
    with ctx.store.write() as tx:
        tg = lookup.target_group(tx.state, p["target_group_arn"])
        health_check = health_checks.from_params(p, tg.health_check, grpc=tg.protocol_version == "GRPC")
        tg = replace(tg, health_check=health_check)
        tx.put(tg)
        return {"target_groups": [shape(tx.state, tg)]}


def delete_target_group(ctx: Context, p: Params) -> Result:
    with ctx.store.write() as tx:
        tg = tx.state.target_groups.get(lookup.well_formed(p["target_group_arn"], "targetgroup"))
        if tg is None:  # AWS answers an unknown or already deleted ARN with success
            return {}
        if tx.state.rules_by_target_group.get(tg.arn):
            raise ResourceInUse(f"Target group '{tg.arn}' is currently in use by a listener or a rule")
        for target in tx.state.targets_by_group.get(tg.arn, ()):
            tx.delete(target)
        tx.delete(tg)
    return {}


OPERATIONS: dict[str, Handler] = {
    "CreateTargetGroup": create_target_group,
    "DescribeTargetGroups": describe_target_groups,
    "ModifyTargetGroup": modify_target_group,
    "DeleteTargetGroup": delete_target_group,
    **target_group_attributes.OPERATIONS,
}
