"""Model fixtures built in one place: each with AWS's defaults and an ARN that is the same in every run.

>>> target_group("blue").arn
'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/16477688c0e00699'
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime

from provider.elbv2.load_balancer_attributes import LOAD_BALANCER_ATTRIBUTE_DEFAULTS
from provider.elbv2.model import (
    Action,
    ActionType,
    Attributes,
    Forward,
    HealthCheck,
    Listener,
    LoadBalancer,
    ProtocolName,
    Rule,
    TargetGroup,
    TargetGroupTuple,
    TargetType,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)
ARN_PREFIX = "arn:aws:elasticloadbalancing:us-east-1:123456789012"
LISTENER = f"{ARN_PREFIX}:listener/app/lb/0123456789abcdef/aaaaaaaaaaaaaaaa"


def stable_id(name: str) -> str:
    """16 hex digits derived from ``name``; ``hash()`` would differ per process (PYTHONHASHSEED)."""
    return hashlib.sha256(name.encode()).hexdigest()[:16]


def target_group_arn(name: str) -> str:
    return f"{ARN_PREFIX}:targetgroup/{name}/{stable_id(name)}"


def target_group(
    name: str = "web",
    *,
    arn: str | None = None,
    protocol: ProtocolName = ProtocolName.HTTP,
    port: int = 80,
    target_type: TargetType = TargetType.IP,
    ip_address_type: str = "ipv4",
    health_check: HealthCheck | None = None,
    attributes: Mapping[str, str] | Attributes = (),
    created: datetime = T0,
) -> TargetGroup:
    """An HTTP/1 ip target group in vpc-1; ``attributes`` as a mapping or pairs, stored sorted."""
    return TargetGroup(
        arn=arn or target_group_arn(name),
        name=name,
        protocol=protocol,
        protocol_version="HTTP1",
        port=port,
        vpc_id="vpc-1",
        target_type=target_type,
        ip_address_type=ip_address_type,
        health_check=health_check or HealthCheck(),
        created_time=created,
        attributes=tuple(sorted(dict(attributes).items())),
    )


def load_balancer(
    name: str = "lb",
    *,
    lb_id: str | None = None,
    n: int = 1,
    subnets: tuple[str, ...] = ("subnet-a", "subnet-b"),
    attributes: Attributes = LOAD_BALANCER_ATTRIBUTE_DEFAULTS,
    created: datetime = T0,
) -> LoadBalancer:
    """An internet-facing ipv4 load balancer in vpc-1 (DNS name ``<name>-<n>...``) with AWS's attribute defaults."""
    arn = f"{ARN_PREFIX}:loadbalancer/app/{name}/{lb_id or stable_id(name)}"
    return LoadBalancer(arn, name, f"{name}-{n}.us-east-1.elb.amazonaws.com", "internet-facing", "ipv4", "vpc-1",
                        subnets, (), created, attributes)


def in_use(tg_arn: str) -> tuple[Listener, Rule]:
    """Listener LISTENER (HTTP :80) whose default rule forwards to the group: its targets are in use and probed."""
    forward = Action(ActionType.FORWARD, forward=Forward((TargetGroupTuple(tg_arn),)))
    return Listener(LISTENER, "lb", 80, ProtocolName.HTTP), Rule(f"{LISTENER}/default", LISTENER, None, (), (forward,))
