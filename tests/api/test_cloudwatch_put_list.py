"""PutMetricData and ListMetrics through the handlers on a real DuckDB file; the host-count sampler over a real
health monitor; retention of stored data points."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from provider.cloudwatch import points, sampler
from provider.cloudwatch.context import Context
from provider.cloudwatch.model import Datum, Metric, Unit
from provider.cloudwatch.operations import OPERATIONS
from provider.cloudwatch.timestamps import to_ms
from provider.elbv2.arns import dimension
from provider.elbv2.context import Context as Elbv2Context
from provider.elbv2.operations import OPERATIONS as ELBV2
from provider.store import Store
from provider.targets.health import HealthMonitor, Outcome, Probe
from tests.support.telemetry import LB, TG_V1, TG_V2, Request, insert

T0 = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
T0_MS = int(T0.timestamp() * 1000)


@pytest.fixture
def ctx(telemetry_store: Store) -> Context:
    return Context(telemetry_store, now=lambda: T0 + timedelta(hours=1))


def call(ctx: Context, op: str, **params: Any) -> dict[str, Any]:
    return OPERATIONS[op](ctx, params)


def statistics(ctx: Context, metric: str, namespace: str = "Shop", **extra: Any) -> list[dict[str, Any]]:
    extra.setdefault("statistics", ["SampleCount", "Sum", "Minimum", "Maximum", "Average"])
    out = call(ctx, "GetMetricStatistics", namespace=namespace, metric_name=metric, period=60, start_time=T0,
               end_time=T0 + timedelta(minutes=10), **extra)
    return sorted(out["datapoints"], key=lambda p: p["timestamp"])


def test_put_values_counts_statistic_sets_and_units(ctx: Context) -> None:
    at = T0 + timedelta(seconds=10)
    call(ctx, "PutMetricData", namespace="Shop", metric_data=[
        {"metric_name": "Latency", "values": [1.0, 2.0, 10.0], "counts": [2.0, 1.0, 1.0], "unit": "Milliseconds",
         "timestamp": at},
        {"metric_name": "Latency", "statistic_values": {"sample_count": 4.0, "sum": 20.0, "minimum": 5.0,
                                                       "maximum": 5.0}, "unit": "Milliseconds", "timestamp": at},
        {"metric_name": "Latency", "value": 100.0, "unit": "Milliseconds", "timestamp": at + timedelta(minutes=2)},
    ])
    points = statistics(ctx, "Latency")
    assert [(p["sample_count"], p["sum"], p["minimum"], p["maximum"], p["average"], p["unit"]) for p in points] == [
        (8, 34, 1, 10, 4.25, "Milliseconds"), (1, 100, 100, 100, 100, "Milliseconds")]
    [p50, _] = statistics(ctx, "Latency", statistics=None, extended_statistics=["p50"])
    assert p50["extended_statistics"] == {"p50": 5.0}  # 1 1 2 10 5 5 5 5: the equal-valued set counts
    assert statistics(ctx, "Latency", unit="Seconds") == []
    assert len(statistics(ctx, "Latency", unit="Milliseconds")) == 2


def test_put_dimensions_are_exact(ctx: Context) -> None:
    shop = [{"name": "Shop", "value": "north"}]
    call(ctx, "PutMetricData", namespace="Shop", metric_data=[
        {"metric_name": "Orders", "value": 3.0, "dimensions": shop, "timestamp": T0},
        {"metric_name": "Orders", "value": 4.0, "timestamp": T0},
    ])
    assert [p["sum"] for p in statistics(ctx, "Orders", dimensions=shop)] == [3]
    assert [p["sum"] for p in statistics(ctx, "Orders")] == [4]


def _names(result: dict[str, Any]) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    return [(m["namespace"], m["metric_name"], tuple((d["name"], d["value"]) for d in m["dimensions"]))
            for m in result["metrics"]]


def test_list_metrics_filters(ctx: Context, telemetry_store: Store) -> None:
    insert(telemetry_store, [Request(T0_MS), Request(T0_MS, target_group=TG_V2, elb_status=500, target_status=500)])
    call(ctx, "PutMetricData", namespace="Shop", metric_data=[
        {"metric_name": "Orders", "value": 1.0, "dimensions": [{"name": "Shop", "value": "north"}],
         "timestamp": T0 + timedelta(minutes=29)},
        {"metric_name": "Old", "value": 1.0, "timestamp": T0 - timedelta(hours=5)}])
    assert _names(call(ctx, "ListMetrics", namespace="Shop")) == [
        ("Shop", "Old", ()), ("Shop", "Orders", (("Shop", "north"),))]
    assert _names(call(ctx, "ListMetrics", namespace="Shop", recently_active="PT3H")) == [
        ("Shop", "Orders", (("Shop", "north"),))]
    errors = _names(call(ctx, "ListMetrics", metric_name="HTTPCode_Target_5XX_Count"))
    assert errors == [("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", d) for d in (
        (("LoadBalancer", LB),), (("LoadBalancer", LB), ("TargetGroup", TG_V2)), (("TargetGroup", TG_V2),))]
    by_group = _names(call(ctx, "ListMetrics", namespace="AWS/ApplicationELB",
                           dimensions=[{"name": "TargetGroup", "value": TG_V1}]))
    assert {n for _, n, _ in by_group} == {"RequestCount", "RequestCountPerTarget", "HTTPCode_Target_2XX_Count",
                                          "TargetResponseTime"}
    assert all(("TargetGroup", TG_V1) in d for _, _, d in by_group)


def test_list_metrics_pages(ctx: Context) -> None:
    data = [{"metric_name": f"m{i:04}", "value": 1.0, "timestamp": T0} for i in range(700)]
    call(ctx, "PutMetricData", namespace="Shop", metric_data=data)
    first = call(ctx, "ListMetrics", namespace="Shop")
    second = call(ctx, "ListMetrics", namespace="Shop", next_token=first["next_token"])
    assert (len(first["metrics"]), len(second["metrics"]), "next_token" in second) == (500, 200, False)
    assert second["metrics"][0]["metric_name"] == "m0500"


def _web(store: Store, health: HealthMonitor) -> tuple[str, str]:
    """A load balancer forwarding to a group of three ip targets, through the ELBv2 handlers: (LB, TG) ARNs."""
    elbv2 = Elbv2Context(store, health, "us-east-1", "123456789012")
    lb = ELBV2["CreateLoadBalancer"](elbv2, {"name": "web"})["load_balancers"][0]["load_balancer_arn"]
    tg = ELBV2["CreateTargetGroup"](elbv2, {"name": "api-v1", "protocol": "HTTP", "port": 80, "vpc_id": "vpc-1",
                                            "target_type": "ip"})["target_groups"][0]["target_group_arn"]
    ELBV2["CreateListener"](elbv2, {"load_balancer_arn": lb, "protocol": "HTTP", "port": 80,
                                    "default_actions": [{"type": "forward", "target_group_arn": tg}]})
    ELBV2["RegisterTargets"](elbv2, {"target_group_arn": tg,
                                     "targets": [{"id": "127.0.0.1", "port": p} for p in (9001, 9002, 9003)]})
    return lb, tg


def _host_dimensions(lb: str, tg: str) -> list[dict[str, str]]:
    return [{"name": "LoadBalancer", "value": dimension(lb)},
            {"name": "TargetGroup", "value": dimension(tg)}]


def _sample(store: Store, health: HealthMonitor, at: datetime) -> None:
    """What the server samples and the metrics process stores (here, one store for both)."""
    points.put(store, sampler.samples(sampler.host_counts(store, health), at))


def test_host_counts_follow_the_health_checker(ctx: Context, telemetry_store: Store) -> None:
    health = HealthMonitor()
    lb, tg = _web(telemetry_store, health)
    state = telemetry_store.snapshot()
    first, second, _ = state.targets_by_group[tg]
    _sample(telemetry_store, health, T0)  # all initial: neither healthy nor unhealthy
    health.record_probe(state, first, Probe(Outcome.OK, 200))
    for _ in range(2):
        health.record_probe(state, second, Probe(Outcome.FAILED))
    _sample(telemetry_store, health, T0 + timedelta(seconds=5))
    for metric, expected in (("HealthyHostCount", 1), ("UnHealthyHostCount", 1)):
        [point] = statistics(ctx, metric, namespace="AWS/ApplicationELB", dimensions=_host_dimensions(lb, tg))
        assert (point["minimum"], point["maximum"], point["sample_count"]) == (0, expected, 2)


def test_background_task_samples_and_applies_retention(telemetry_store: Store) -> None:
    health = HealthMonitor()
    _web(telemetry_store, health)
    old = Datum(Metric.of("Shop", "Orders"), to_ms(datetime.now(UTC) - timedelta(hours=2)), Unit.NONE, ((1.0, 1.0),))
    points.put(telemetry_store, [old])

    def put(counts: list[sampler.HostCounts], at_ms: int) -> None:
        points.put(telemetry_store, sampler.samples(counts, datetime.fromtimestamp(at_ms / 1000, UTC)))

    async def one_round() -> list[tuple[Any, ...]]:
        tasks = [asyncio.create_task(sampler.run_host_counts(telemetry_store, health, put)),
                 asyncio.create_task(sampler.run_retention(telemetry_store, retention_hours=1))]
        try:
            for _ in range(100):  # bounded: 10 s
                rows = _rows(telemetry_store, "SELECT namespace, metric_name, value FROM metric_data ORDER BY 2")
                if rows and all(namespace != "Shop" for namespace, _, _ in rows):  # sampled, and expired
                    return rows
                await asyncio.sleep(0.1)
            return rows
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    rows = asyncio.run(one_round())
    assert rows == [("AWS/ApplicationELB", "HealthyHostCount", 0.0), ("AWS/ApplicationELB", "UnHealthyHostCount", 0.0)]


def _rows(store: Store, sql: str) -> list[tuple[Any, ...]]:
    cur = store.cursor()
    try:
        return cur.execute(sql).fetchall()
    finally:
        cur.close()


def test_retention_deletes_old_data_points(ctx: Context, telemetry_store: Store) -> None:
    call(ctx, "PutMetricData", namespace="Shop", metric_data=[
        {"metric_name": "Orders", "value": 1.0, "timestamp": T0 - timedelta(hours=3)},
        {"metric_name": "Orders", "value": 2.0, "timestamp": T0}])
    assert sampler.expire_once(telemetry_store, 2, T0) == 1
    assert _rows(telemetry_store, "SELECT value FROM metric_data") == [(2.0,)]
