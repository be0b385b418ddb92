"""The metrics process (provider/metricsserver/): CloudWatch answered by a process of its own, started when first
needed, started again when it dies or has grown past its limit, gone when its server is, and the metrics of an
older state file moved to it."""

from __future__ import annotations

import os
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from provider.cloudwatch.context import Context
from provider.cloudwatch.operations import OPERATIONS
from provider.metricsserver import process
from provider.store import Store
from tests.support.clients import cloudwatch, elbv2_client
from tests.support.processes import start_server
from tests.support.waiting import until, wait_for

ALARM = {"metric_name": "m", "namespace": "Shop", "period": 60, "statistic": "Sum", "evaluation_periods": 1,
         "threshold": 1.0, "comparison_operator": "GreaterThanThreshold"}


def metrics_children(pid: int) -> list[int]:
    """The metrics processes whose parent is ``pid``."""
    out = []
    for entry in Path("/proc").iterdir():
        try:
            if (entry.name.isdigit() and int((entry / "stat").read_text().rpartition(")")[2].split()[1]) == pid
                    and b"provider.metricsserver" in (entry / "cmdline").read_bytes()):
                out.append(int(entry.name))
        except OSError:
            continue
    return out


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"  # exited, not yet reaped


def test_a_server_that_answers_only_elbv2_starts_none() -> None:
    server = start_server()
    try:
        elbv2 = elbv2_client(server.url)
        elbv2.create_load_balancer(Name="web", Subnets=["subnet-a", "subnet-b"])
        assert len(elbv2.describe_load_balancers()["LoadBalancers"]) == 1
        assert server.metrics.pid is None
        cloudwatch(server.url).list_metrics()
        assert server.metrics.pid is not None  # the first CloudWatch call started it
    finally:
        server.stop()


def test_cloudwatch_answers_again_after_its_process_is_killed(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    try:
        cw = cloudwatch(server.url)
        cw.put_metric_data(Namespace="Shop", MetricData=[{"MetricName": "Orders", "Value": 1.0}])
        first = server.metrics.pid
        assert first is not None and first != os.getpid()
        os.kill(first, signal.SIGKILL)
        wait_for("CloudWatch answers again", lambda: cw.list_metrics(Namespace="Shop")["Metrics"],
                 ignore=(ClientError,))
        assert [m["MetricName"] for m in cw.list_metrics(Namespace="Shop")["Metrics"]] == ["Orders"]  # on disk
        assert server.metrics.pid not in (None, first)
    finally:
        server.stop()
    assert gone(first)


def test_no_metrics_process_outlives_a_server_killed_with_9(tmp_path: Path) -> None:
    server = start_server(tmp_path, process=True)
    cloudwatch(server.url).list_metrics()
    [child] = metrics_children(server.process.pid)
    server.process.kill()
    server.process.wait()
    assert until(lambda: gone(child))


def test_alarms_of_an_older_state_file_are_kept(tmp_path: Path) -> None:
    """A state file of before the metrics process holds the alarms: the server moves them to the metrics file."""
    store = Store(str(tmp_path / "state.duckdb"))
    OPERATIONS["PutMetricAlarm"](Context(store), {"alarm_name": "kept", **ALARM})
    store.close()
    server = start_server(tmp_path)
    try:
        alarms = cloudwatch(server.url).describe_alarms()["MetricAlarms"]
        assert [(a["AlarmName"], a["MetricName"], a["Threshold"]) for a in alarms] == [("kept", "m", 1.0)]
    finally:
        server.stop()


def test_grown_past_its_limit_it_is_started_again_and_no_call_fails(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(process, "WARM_S", 0.0)  # its size at the first look is the one growth counts from
    server = start_server(tmp_path, metrics_recycle_mb=1)
    try:
        cw = cloudwatch(server.url)
        cw.list_metrics()
        first, sent = server.metrics.pid, 0
        values = [float(v) for v in range(150)]
        while server.metrics.pid in (first, None) and sent < 2000:  # bounded: DuckDB grows with what it holds
            cw.put_metric_data(Namespace="Shop", MetricData=[
                {"MetricName": f"m{sent + i}", "Values": values} for i in range(20)])
            sent += 20
        assert server.metrics.pid not in (first, None)
        stats = cw.get_metric_statistics(Namespace="Shop", MetricName="m0", Statistics=["SampleCount"],
                                         StartTime=datetime.now(UTC) - timedelta(hours=1),
                                         EndTime=datetime.now(UTC) + timedelta(minutes=1), Period=3600)
        assert [p["SampleCount"] for p in stats["Datapoints"]] == [150.0]  # kept across the new start
        assert len(list_all(cw, "Shop")) == sent
    finally:
        server.stop()


def list_all(cw: Any, namespace: str) -> list[Any]:
    return [m for page in cw.get_paginator("list_metrics").paginate(Namespace=namespace) for m in page["Metrics"]]
