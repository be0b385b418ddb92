"""HealthyHostCount / UnHealthyHostCount from the health checker, sampled every SAMPLE_SECONDS by the server and
stored in `metric_data` by the metrics process (AWS/ApplicationELB, dimensions LoadBalancer + TargetGroup), and
the retention of `metric_data` (older than Settings.metrics_retention_hours is deleted every RETENTION_SECONDS).

A period's Average is then the mean host count over the period, Minimum/Maximum its extremes, as on AWS.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from provider.background import every
from provider.cloudwatch import alb, points
from provider.cloudwatch.model import Datum, Metric, Unit
from provider.cloudwatch.timestamps import to_ms
from provider.elbv2.arns import dimension
from provider.elbv2.target_health import HealthView, TargetHealthState
from provider.store import Store

log = logging.getLogger("elbv2.metrics")

SAMPLE_SECONDS = 5.0
RETENTION_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class HostCounts:
    load_balancer: str  # dimension values: 'app/<name>/<id>', 'targetgroup/<name>/<id>'
    target_group: str
    healthy: int
    unhealthy: int



def host_counts(store: Store, health: HealthView) -> list[HostCounts]:
    """Healthy and unhealthy targets of every target group a load balancer forwards to (through the domain's
    health view)."""
    state = store.snapshot()
    out: list[HostCounts] = []
    for tg_arn, lb_arn in sorted(state.target_group_owners.items()):
        if tg_arn not in state.target_groups or lb_arn not in state.load_balancers:
            continue
        seen = [health.describe(state, t).state for t in state.targets_by_group.get(tg_arn, ())]
        out.append(HostCounts(dimension(lb_arn), dimension(tg_arn), seen.count(TargetHealthState.HEALTHY),
                              seen.count(TargetHealthState.UNHEALTHY)))
    return out


def samples(counts: list[HostCounts], at: datetime) -> list[Datum]:
    out: list[Datum] = []
    for c in counts:
        dims = {"LoadBalancer": c.load_balancer, "TargetGroup": c.target_group}
        for name, value in (("HealthyHostCount", c.healthy), ("UnHealthyHostCount", c.unhealthy)):
            out.append(Datum(Metric.of(alb.NAMESPACE, name, dims), to_ms(at), Unit.COUNT, ((float(value), 1.0),)))
    return out


def expire_once(store: Store, retention_hours: int, now: datetime) -> int:
    cutoff = now - timedelta(hours=retention_hours)
    return points.delete_metric_data_before(store, to_ms(cutoff))


async def run_host_counts(store: Store, health: HealthView, put: Callable[[list[HostCounts], int], None]) -> None:
    """Until cancelled (a server background task): ``put(counts, at_ms)`` every SAMPLE_SECONDS."""

    async def step(now_s: float) -> None:
        await asyncio.to_thread(put, host_counts(store, health), int(now_s * 1000))

    await every(SAMPLE_SECONDS, step, log=log, failure="could not sample host counts")


async def run_retention(store: Store, retention_hours: int) -> None:
    """Until cancelled (a metrics process background task)."""

    async def step(now_s: float) -> None:
        await asyncio.to_thread(expire_once, store, retention_hours, datetime.fromtimestamp(now_s, UTC))

    await every(RETENTION_SECONDS, step, log=log, failure="could not apply the retention of metric_data")
