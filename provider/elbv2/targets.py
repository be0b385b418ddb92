"""RegisterTargets, DeregisterTargets, DescribeTargetHealth.

A deregistered target drains for the group's ``deregistration_delay.timeout_seconds``; once that has run out
it counts as not registered here, whether or not anything has swept it from the store yet.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from provider.elbv2 import lookup
from provider.elbv2.context import Context, Handler, Params, Result
from provider.elbv2.model import State, Target, TargetGroup, TargetType
from provider.elbv2.target_health import NOT_REGISTERED, TargetHealth, TargetHealthState
from provider.errors import InvalidTarget, TooManyTargets

NO_DOCKER = "instance targets need a Docker engine: none is reachable (set DOCKER_HOST)"
Requested = tuple[str, int, str | None]  # (id, port, availability zone)


def deregistration_delay(tg: TargetGroup) -> timedelta:
    return timedelta(seconds=tg.deregistration_delay_seconds)


def is_registered(tg: TargetGroup, target: Target, now: datetime) -> bool:
    """Registered, or draining and still within the deregistration delay."""
    return target.draining_since is None or now < target.draining_since + deregistration_delay(tg)


def health_check_port(tg: TargetGroup, port: int) -> str:
    """The port health checks go to: ``traffic-port`` means the target's own port."""
    return str(port) if tg.health_check.port == "traffic-port" else tg.health_check.port


def validate_ip_target(tg: TargetGroup, target_id: str) -> None:
    """Any IPv4 or IPv6 literal of the group's address family (loopback included: targets run locally)."""
    try:
        address = ipaddress.ip_address(target_id)
    except ValueError:
        raise InvalidTarget(f"The IP address '{target_id}' is not a valid IPv4 or IPv6 address") from None
    family = f"ipv{address.version}"
    if family != tg.ip_address_type:
        raise InvalidTarget(
            f"The IP address '{target_id}' is an {family} address; target group '{tg.name}' takes "
            f"{tg.ip_address_type} targets"
        )


def validate_target_id(ctx: Context, tg: TargetGroup, target_id: str) -> None:
    if tg.target_type == TargetType.IP:
        validate_ip_target(tg, target_id)
    elif ctx.instances is None:
        raise InvalidTarget(NO_DOCKER)
    else:
        ctx.instances.validate(target_id)


def requested(tg: TargetGroup, p: Params) -> list[Requested]:
    """The request's Targets, ports defaulting to the group's, duplicates dropped."""
    wanted = ((str(t["id"]), int(t.get("port") or tg.port), t.get("availability_zone")) for t in p["targets"])
    return list({(target_id, port): (target_id, port, zone) for target_id, port, zone in wanted}.values())


def _sweep(state: State, tg: TargetGroup, now: datetime, delete: Callable[[Target], None]) -> None:
    """Forget the group's targets whose draining has run out."""
    for target in state.targets_by_group.get(tg.arn, ()):
        if not is_registered(tg, target, now):
            delete(target)


def registrations(state: State, tg: TargetGroup, wanted: list[Requested], now: datetime) -> list[Target]:
    """The targets to write for a RegisterTargets: new ones, and draining ones coming back (health starts over)."""
    out = []
    for target_id, port, zone in wanted:
        current = state.targets.get((tg.arn, target_id, port))
        if current is None or not is_registered(tg, current, now):
            out.append(Target(tg.arn, target_id, port, registered_at=now, availability_zone=zone))
        elif current.draining_since is not None:
            out.append(replace(current, draining_since=None, registered_at=now))
    return out


def register_targets(ctx: Context, p: Params) -> Result:
    tg = lookup.target_group(ctx.store.snapshot(), p["target_group_arn"])
    wanted = requested(tg, p)
    for target_id, _, _ in wanted:  # before the write lock: instance checks may ask Docker
        validate_target_id(ctx, tg, target_id)
    with ctx.store.write() as tx:
        state, now = tx.state, ctx.now()
        tg = lookup.target_group(state, tg.arn)
        _sweep(state, tg, now, tx.delete)
        for target in registrations(state, tg, wanted, now):
            tx.put(target)
        if len(tx.state.targets_by_group.get(tg.arn, ())) > ctx.quotas.targets_per_target_group:
            raise TooManyTargets(ctx.quotas.exceeded("targets_per_target_group"))
    return {}


def deregister_targets(ctx: Context, p: Params) -> Result:
    with ctx.store.write() as tx:
        state, now = tx.state, ctx.now()
        tg = lookup.target_group(state, p["target_group_arn"])
        given = {f"{i}:{port}": state.targets.get((tg.arn, i, port)) for i, port, _ in requested(tg, p)}
        live = [t for t in given.values() if t is not None and is_registered(tg, t, now)]
        if len(live) < len(given):
            missing = [name for name, t in given.items() if t not in live]
            raise InvalidTarget(
                f"The following targets are not registered in target group '{tg.name}': {', '.join(missing)}"
            )
        drains = deregistration_delay(tg) > timedelta(0)
        _sweep(state, tg, now, tx.delete)
        for target in live:
            if not drains:
                tx.delete(target)
            elif target.draining_since is None:
                tx.put(replace(target, draining_since=now))
    return {}


def describe_target_health(ctx: Context, p: Params) -> Result:
    state, now = ctx.store.snapshot(), ctx.now()
    tg = lookup.target_group(state, p["target_group_arn"])
    registered = [t for t in state.targets_by_group.get(tg.arn, ()) if is_registered(tg, t, now)]
    anomaly = bool({"AnomalyDetection", "All"} & set(p.get("include") or ()))
    if not p.get("targets"):
        chosen: list[tuple[str, int, str | None, TargetHealth]] = [
            (t.id, t.port, t.availability_zone, ctx.health.describe(state, t)) for t in registered
        ]
    else:
        chosen = []
        for given in p["targets"]:
            port = given.get("port")
            matches = [t for t in registered if t.id == given["id"] and port in (None, t.port)]
            chosen += [(t.id, t.port, t.availability_zone, ctx.health.describe(state, t)) for t in matches]
            if not matches:
                chosen.append((given["id"], port or tg.port, given.get("availability_zone"), NOT_REGISTERED))
    return {"target_health_descriptions": [_description(tg, *item, anomaly=anomaly) for item in chosen]}


def _description(
    tg: TargetGroup, target_id: str, port: int, zone: str | None, health: TargetHealth, anomaly: bool
) -> dict[str, Any]:
    healthy = health.state == TargetHealthState.HEALTHY  # AWS sends no Reason or Description for healthy targets
    description: dict[str, Any] = {
        "target": {"id": target_id, "port": port, "availability_zone": zone},
        "health_check_port": health_check_port(tg, port),
        "target_health": {
            "state": health.state,
            "reason": None if healthy else health.reason,
            "description": None if healthy else health.description,
        },
    }
    if anomaly:
        description["anomaly_detection"] = {"result": "normal", "mitigation_in_effect": "no"}
    return description


OPERATIONS: dict[str, Handler] = {
    "RegisterTargets": register_targets,
    "DeregisterTargets": deregister_targets,
    "DescribeTargetHealth": describe_target_health,
}
