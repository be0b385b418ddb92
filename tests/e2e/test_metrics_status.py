"""CloudWatch's status, error and latency metrics from real traffic through a real Traefik: a target that answers
500, a slow target, a fixed response and a dead target, each counted as ALB counts it."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from provider.accesslogs.rows import RequestLog
from provider.elbv2.arns import dimension
from provider.elbv2.model import ConditionField
from provider.telemetry.buckets import ERROR_BOUND
from tests.support.backends import Answer, Backend, Request
from tests.support.builders import StateBuilder, fixed
from tests.support.clients import Client, cloudwatch
from tests.support.conditions import cond
from tests.support.processes import InProcessServer
from tests.support.traefik import Traefik
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow

DELAY_S = 0.1  # what the slow target takes to answer
# Traefik times one request twice, for its access log and for its histogram, a few microseconds apart
TIMERS = 0.001
SENT = {"/err": 30, "/slow": 40, "/fixed": 7, "/dead": 3, "/spread": 80}
LOGGING = (("access_logs.s3.bucket", "logs"), ("access_logs.s3.enabled", "true"))  # exact per-request times
Served = tuple[InProcessServer, dict[str, str]]  # the provider, and dimension values by load balancer / group name


def answering(status: int, delay: float = 0.0, step: float = 0.0) -> Backend:
    """A target that answers every request with `status` after `delay` seconds (+ `step` more each time, 40 steps
    round)."""
    served = itertools.count()

    def reply(_: Request) -> Answer:
        time.sleep(delay + step * (next(served) % 40))
        return status, b"ok"

    return Backend(str(status), reply)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[InProcessServer, dict[str, str]]]:
    tmp = Path(tmp_path_factory.mktemp("status"))
    errs, slow, dead = answering(500), answering(200, DELAY_S), Backend("dead")
    spread = answering(200, 0.002, 0.003)  # 2..119 ms
    dead.stop()  # connections to its port are refused
    s = StateBuilder()
    s.lbs["web"] = replace(s.lb("web"), attributes=LOGGING)
    s.listener("web", 80)
    for name, backend in (("errs", errs), ("slow", slow), ("gone", dead), ("spread", spread)):
        s.tg(name, backend)  # type: ignore[arg-type]  # a port is all the builder reads
    s.rule("web", 80, 10, s.forward(("errs", 1)), cond(ConditionField.PATH_PATTERN, "/err"))
    s.rule("web", 80, 20, s.forward(("slow", 1)), cond(ConditionField.PATH_PATTERN, "/slow"))
    s.rule("web", 80, 30, s.forward(("gone", 1)), cond(ConditionField.PATH_PATTERN, "/dead"))
    s.rule("web", 80, 40, s.forward(("spread", 1)), cond(ConditionField.PATH_PATTERN, "/spread"))
    s.rule("web", 80, None, fixed("not here", "404"))
    provider = InProcessServer(traefik_log_dir=str(tmp / "access"), alb_log_dir=str(tmp / "alb"))
    traefik = Traefik(provider.settings, "/traefik/config", [80], tmp / "traefik.log", access_log=tmp / "access/t.json")
    try:
        traefik.wait_applied(provider.load(s.state()))

        def send(path: str) -> None:  # each path's requests one after another, the paths side by side
            client = Client(traefik.ports[80])
            for _ in range(SENT[path]):
                client.request(path)
            client.close()

        with ThreadPoolExecutor(len(SENT)) as paths:
            list(paths.map(send, SENT))
        state = provider.store.snapshot()
        names = {"lb": dimension(next(iter(state.load_balancers)))}
        names |= {t.name: dimension(t.arn) for t in state.target_groups.values()}
        every = sum(SENT.values())
        wait_for("every request counted",
                 lambda: statistic(provider, "RequestCount", "Sum", LoadBalancer=names["lb"]) == [every])
        yield provider, names
    finally:
        traefik.stop()
        provider.stop()
        errs.stop()
        slow.stop()
        spread.stop()


def statistic(provider: InProcessServer, metric: str, stat: str, **dimensions: str) -> list[float]:
    """The datapoints of one statistic over the last half hour, as one 30-minute period."""
    end = datetime.now(UTC) + timedelta(minutes=1)
    extended = stat.startswith("p")
    points = cloudwatch(provider.url).get_metric_statistics(
        Namespace="AWS/ApplicationELB", MetricName=metric, StartTime=end - timedelta(minutes=30), EndTime=end,
        Period=1800, Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
        **({"ExtendedStatistics": [stat]} if extended else {"Statistics": [stat]}),
    )["Datapoints"]  # fmt: skip
    return [p["ExtendedStatistics"][stat] if extended else p[stat] for p in points]


@pytest.mark.parametrize(
    ("metric", "group", "expected"),
    [
        pytest.param("HTTPCode_Target_5XX_Count", "errs", SENT["/err"], id="target-500s"),
        pytest.param("HTTPCode_Target_2XX_Count", "slow", SENT["/slow"], id="target-200s"),
        pytest.param("TargetConnectionErrorCount", "gone", SENT["/dead"], id="dead-target"),
        pytest.param("RequestCount", "errs", SENT["/err"], id="requests-per-group"),
    ],
)
def test_counts_per_target_group(served: Served, metric: str, group: str, expected: int) -> None:
    provider, names = served
    assert sum(statistic(provider, metric, "Sum", LoadBalancer=names["lb"], TargetGroup=names[group])) == expected


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        pytest.param("HTTPCode_ELB_4XX_Count", SENT["/fixed"], id="fixed-404-is-the-load-balancers"),
        pytest.param("HTTP_Fixed_Response_Count", SENT["/fixed"], id="fixed-responses"),
        pytest.param("HTTPCode_ELB_502_Count", SENT["/dead"], id="dead-target-502"),
        pytest.param("HTTPCode_ELB_5XX_Count", SENT["/dead"], id="elb-5xx-not-the-targets"),
        pytest.param("HTTPCode_Target_5XX_Count", SENT["/err"], id="target-5xx-on-the-load-balancer"),
        pytest.param("RequestCount", sum(SENT.values()), id="every-request"),
    ],
)
def test_counts_per_load_balancer(served: Served, metric: str, expected: int) -> None:
    provider, names = served
    assert sum(statistic(provider, metric, "Sum", LoadBalancer=names["lb"])) == expected


def test_target_response_time_is_the_targets_delay(served: Served) -> None:
    provider, names = served
    dims = {"LoadBalancer": names["lb"], "TargetGroup": names["slow"]}
    [average] = statistic(provider, "TargetResponseTime", "Average", **dims)
    assert DELAY_S * 0.8 <= average <= DELAY_S * 1.2
    [p99] = statistic(provider, "TargetResponseTime", "p99", **dims)
    assert p99 >= DELAY_S


@pytest.mark.parametrize("percentile", [50.0, 90.0, 99.0])
def test_percentiles_are_within_the_stated_bound_of_the_exact_ones(served: Served, percentile: float) -> None:
    """The exact value: the nearest rank among the access log's per-request target times (the same requests)."""
    provider, names = served
    log = RequestLog(provider.store)
    wait_for("every /spread request in the access log",
             lambda: sum(r.target_group == names["spread"] for r in log.since(0)) == SENT["/spread"])
    times = sorted(r.target_s or 0.0 for r in log.since(0) if r.target_group == names["spread"])
    log.close()
    exact = times[math.ceil(percentile / 100 * len(times)) - 1]
    dims = {"LoadBalancer": names["lb"], "TargetGroup": names["spread"]}
    [estimate] = statistic(provider, "TargetResponseTime", f"p{percentile:g}", **dims)
    assert estimate == pytest.approx(exact, rel=ERROR_BOUND + TIMERS)
