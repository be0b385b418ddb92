"""Containers as targets: the engine this machine can reach (started with .ci/docker.sh when none answers and we may),
and a target group of instance targets in use, so its containers are probed."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from provider.elbv2.model import HealthCheck, Listener, Rule, TargetGroup, TargetType
from provider.settings import Settings
from provider.store import Store
from provider.targets.docker import DockerInstances, connect
from provider.targets.health import HealthMonitor
from tests.support.models import in_use, target_group
from tests.support.processes import ROOT

FAST = HealthCheck(interval_seconds=5, timeout_seconds=2, healthy_threshold_count=2, unhealthy_threshold_count=2)
Run = Callable[..., str]


def reachable_engine() -> DockerInstances | None:
    instances = connect(Settings())
    if instances is None and os.geteuid() == 0:
        subprocess.run([str(ROOT / ".ci" / "docker.sh")], timeout=600, check=False)
        instances = connect(Settings())
    return instances


def group(name: str, check: HealthCheck = FAST, delay: int = 300) -> TargetGroup:
    arn = f"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/{name}/{uuid.uuid4().hex[:16]}"
    attributes = {"deregistration_delay.timeout_seconds": str(delay)}
    created = datetime.now(UTC)
    instance = TargetType.INSTANCE
    return target_group(name, arn=arn, target_type=instance, health_check=check, attributes=attributes, created=created)


def use(tg: TargetGroup) -> tuple[Listener, Rule]:
    """A listener whose default rule forwards to the group, so its targets are in use and probed."""
    return in_use(tg.arn)


@dataclass(frozen=True)
class Rig:
    """What the prober and the follower are handed: the store, the health checker and the engine."""

    store: Store
    health: HealthMonitor
    instances: DockerInstances
