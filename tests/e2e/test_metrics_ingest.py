"""Traefik's real JSON access log -> the requests table, and ALB-format files, with real traffic through a real
Traefik: exact counts on a 95/5 rule, fixed-response, redirect and dead-target rows, the files parsed back."""

from __future__ import annotations

import gzip
import shlex
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from provider.accesslogs.record import Request
from provider.accesslogs.rows import RequestLog
from provider.elbv2.arns import dimension
from provider.elbv2.model import Action, ActionType, ConditionField, Redirect, State
from tests.support.backends import Backend
from tests.support.bands import expected_band
from tests.support.builders import StateBuilder, fixed
from tests.support.clients import Client, cloudwatch
from tests.support.conditions import cond
from tests.support.processes import InProcessServer
from tests.support.traefik import Traefik
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow

LOGGING = {"access_logs.s3.enabled": "true", "access_logs.s3.bucket": "logs", "access_logs.s3.prefix": "web/alb"}


def canary(a: Backend, b: Backend) -> State:
    """web:80: /fixed -> fixed 418, /moved -> redirect, /dead -> a closed port, default -> a:95 b:5."""
    s = StateBuilder()
    s.lbs["web"] = replace(s.lb("web"), attributes=tuple(sorted(LOGGING.items())))
    s.listener("web", 80)
    s.tg("v1", a)
    s.tg("v2", b)
    dead = Backend("dead")
    dead.stop()  # its port is closed now: connections are refused
    s.tg("gone", dead)
    s.rule("web", 80, 10, fixed("teapot", "418"), cond(ConditionField.PATH_PATTERN, "/fixed"))
    moved = Action(ActionType.REDIRECT, redirect=Redirect("HTTP_301", path="/elsewhere"))
    s.rule("web", 80, 20, moved, cond(ConditionField.PATH_PATTERN, "/moved"))
    s.rule("web", 80, 30, s.forward(("gone", 1)), cond(ConditionField.PATH_PATTERN, "/dead"))
    s.rule("web", 80, None, s.forward(("v1", 95), ("v2", 5)))
    return s.state()


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[InProcessServer, Traefik, Path]]:
    tmp = Path(tmp_path_factory.mktemp("ingest"))
    a, b = Backend("a"), Backend("b")
    provider = InProcessServer(traefik_log_dir=str(tmp / "access"), alb_log_dir=str(tmp / "alb"))
    traefik = Traefik(provider.settings, "/traefik/config", [80], tmp / "traefik.log",
                      access_log=tmp / "access/t1.json")
    traefik.wait_applied(provider.load(canary(a, b)))
    yield provider, traefik, tmp
    traefik.stop()
    provider.stop()
    a.stop()
    b.stop()


def rows(provider: InProcessServer) -> list[Request]:
    log = RequestLog(provider.store)
    try:
        return log.since(0)
    finally:
        log.close()


def test_weighted_counts_are_exact_and_every_action_is_recorded(setup: tuple[InProcessServer, Traefik, Path]) -> None:
    provider, traefik, tmp = setup
    client = Client(traefik.ports[80])
    replies = [client.request("/") for _ in range(1000)]
    served = Counter(r.body.split()[0] for r in replies if r.status == 200)  # backends say who they are
    extra = [client.request(p).status for p in ("/fixed", "/moved", "/dead")]
    assert sum(served.values()) == 1000 and extra == [418, 301, 502]
    wait_for("1003 rows", lambda: len(rows(provider)) == 1003)
    got = rows(provider)
    state = provider.store.snapshot()
    lb = dimension(next(iter(state.load_balancers)))
    tg = {t.name: dimension(t.arn) for t in state.target_groups.values()}
    per_group = Counter(r.target_group for r in got if r.rule_priority == 0)
    assert per_group == {tg["v1"]: served["a"], tg["v2"]: served["b"]}  # each request counted where it went
    # Traefik's weighted round robin (earliest deadline first) picks v2 every 20 requests; its 50th pick ties with
    # v1's 950th at the 1000th request, and Go's map order breaks the tie: 950/50 or 951/49.
    assert per_group[tg["v2"]] in (49, 50) and per_group[tg["v1"]] + per_group[tg["v2"]] == 1000
    assert Counter(r.load_balancer for r in got) == {lb: 1003}
    by_priority = {r.rule_priority: r for r in got if r.rule_priority}
    fixed_row, redirect_row, dead_row = by_priority[10], by_priority[20], by_priority[30]
    assert (fixed_row.action, fixed_row.elb_status, fixed_row.target_status, fixed_row.target_group) == (
        "fixed-response",
        418,
        None,
        None,
    )
    assert (redirect_row.action, redirect_row.elb_status, redirect_row.target_status) == ("redirect", 301, None)
    assert (dead_row.action, dead_row.elb_status, dead_row.target_status) == ("forward", 502, None)
    assert dead_row.connection_error and dead_row.target_group == tg["gone"] and dead_row.target
    ok = next(r for r in got if r.rule_priority == 0)
    assert ok.target_status == 200 and ok.target_s is not None and ok.url.endswith(":80/")
    assert ok.user_agent.startswith("Python-urllib") or ok.user_agent == "-"

    # the same requests, as ALB access-log lines under <bucket>/<prefix>/AWSLogs/...
    wait_for("1003 ALB lines", lambda: sum(_lines(f) for f in (tmp / "alb").rglob("*.log.gz")) == 1003)
    files = sorted((tmp / "alb").rglob("*.log.gz"))
    parts = files[0].relative_to(tmp / "alb").parts
    assert parts[:7] == ("logs", "web", "alb", "AWSLogs", "123456789012", "elasticloadbalancing", "us-east-1")
    assert files[0].name.startswith(f"123456789012_elasticloadbalancing_us-east-1_{lb.replace('/', '.')}_")
    lines = [shlex.split(line) for f in files for line in gzip.decompress(f.read_bytes()).decode().splitlines()]
    assert {len(fields) for fields in lines} == {33}
    arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:"

    def expected(r: Request) -> tuple[str, ...]:
        status = "-" if r.target_status is None else str(r.target_status)
        times = "-1" if r.target_s is None else f"{r.target_s:.3f}"
        return (
            r.load_balancer,
            r.client,
            r.target or "-",
            times,
            str(r.elb_status),
            status,
            f"{r.method} {r.url} {r.protocol}",
            arn + r.target_group if r.target_group else "-",
            str(r.rule_priority),
            r.action,
        )

    def parsed(f: list[str]) -> tuple[str, ...]:
        return (f[2], f[3], f[4], f[6], f[8], f[9], f[12], f[16], f[20], f[22])

    assert Counter(parsed(f) for f in lines) == Counter(expected(r) for r in got)


def _lines(path: Path) -> int:
    try:
        return gzip.decompress(path.read_bytes()).count(b"\n")
    except (OSError, EOFError):
        return 0


def test_a_second_traefik_feeds_the_same_provider(setup: tuple[InProcessServer, Traefik, Path]) -> None:
    provider, _, tmp = setup
    second = Traefik(provider.settings, "/traefik/config", [80], tmp / "traefik2.log",
                     access_log=tmp / "access/t2.json")
    try:
        second.wait_applied(provider.load(provider.store.snapshot()))
        before = len(rows(provider))
        client = Client(second.ports[80])
        assert Counter(client.request("/").status for _ in range(40)) == {200: 40}
        wait_for("40 more rows", lambda: len(rows(provider)) == before + 40)
    finally:
        second.stop(drain=True)  # its last counts are read, as the next test's totals need


def test_cloudwatch_counts_what_traefik_served(setup: tuple[InProcessServer, Traefik, Path]) -> None:
    """Real traffic -> Traefik's counters -> GetMetricStatistics through boto3, equal to the access log's rows."""
    provider, traefik, _ = setup
    client = Client(traefik.ports[80])
    before = len(rows(provider))
    served = Counter(client.request("/").body.split()[0] for _ in range(200))
    extra = [client.request(p).status for p in ("/fixed", "/fixed", "/moved", "/dead")]
    assert sum(served.values()) == 200 and extra == [418, 418, 301, 502]
    wait_for("204 more rows", lambda: len(rows(provider)) == before + 204)
    state = provider.store.snapshot()
    lb = dimension(next(iter(state.load_balancers)))
    tg = {t.name: dimension(t.arn) for t in state.target_groups.values()}
    everything = rows(provider)
    cw = cloudwatch(provider.url)
    end = datetime.now(UTC) + timedelta(minutes=1)

    def total(metric: str, **dimensions: str) -> float:
        points = cw.get_metric_statistics(
            Namespace="AWS/ApplicationELB", MetricName=metric, StartTime=end - timedelta(minutes=30), EndTime=end,
            Period=60, Statistics=["Sum"], Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
        )["Datapoints"]  # fmt: skip
        return sum(p["Sum"] for p in points)

    # two pipelines, one truth: Traefik's counters (read every second) reach what its access log has rows for
    expected = [
        (("RequestCount", {"TargetGroup": tg["v1"]}), sum(r.target_group == tg["v1"] for r in everything)),
        (("RequestCount", {"TargetGroup": tg["v2"]}), sum(r.target_group == tg["v2"] for r in everything)),
        (("HTTP_Fixed_Response_Count", {}), sum(r.action == "fixed-response" for r in everything)),
        (("HTTP_Redirect_Count", {}), sum(r.action == "redirect" for r in everything)),
        (("TargetConnectionErrorCount", {"TargetGroup": tg["gone"]}), sum(r.connection_error for r in everything)),
    ]
    for (metric, dims), want in expected:
        wait_for(f"{metric} {dims}", lambda m=metric, d=dims, w=want: total(m, LoadBalancer=lb, **d) == w)
    assert expected[0][1] >= served["a"] and expected[1][1] >= served["b"]


def test_anomaly_band_over_real_responses(setup: tuple[InProcessServer, Traefik, Path]) -> None:
    """ANOMALY_DETECTION_BAND over what Traefik served: at each second, the band of the counts before it."""
    provider, traefik, _ = setup
    client = Client(traefik.ports[80])
    lb = dimension(next(iter(provider.store.snapshot().load_balancers)))
    for burst in (3, 5, 3, 5):  # four seconds with fixed responses
        assert [client.request("/fixed").status for _ in range(burst)] == [418] * burst
        time.sleep(1.1)
    end = datetime.now(UTC) + timedelta(seconds=5)
    start = end - timedelta(minutes=30)
    metric = {"Namespace": "AWS/ApplicationELB", "MetricName": "HTTP_Fixed_Response_Count",
              "Dimensions": [{"Name": "LoadBalancer", "Value": lb}]}
    cw = cloudwatch(provider.url)

    def results() -> list[dict[str, Any]]:
        return list(cw.get_metric_data(
            StartTime=start, EndTime=end, ScanBy="TimestampAscending", MetricDataQueries=[
                {"Id": "m1", "MetricStat": {"Metric": metric, "Period": 1, "Stat": "Sum"}},
                {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)"}])["MetricDataResults"])

    wait_for("the fixed responses counted", lambda: sum(results()[0]["Values"]) >= 16)
    counts, upper, lower = ({int(t.timestamp() * 1000): v for t, v in zip(r["Timestamps"], r["Values"], strict=True)}
                            for r in results())
    seconds = range(int(start.timestamp()) * 1000, int(end.timestamp() * 1000), 1000)
    expected = {t: b for t in seconds if (b := expected_band(counts, t, 2.0)) is not None}
    assert expected and list(upper) == list(lower) == list(expected)
    assert all((lower[t], upper[t]) == pytest.approx(b) for t, b in expected.items())
