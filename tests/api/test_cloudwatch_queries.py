"""CloudWatch queries through the handlers, on a real DuckDB file with rows in `requests` (what ingestion of
Traefik's access log writes): exact counts, empty periods, percentiles, metric math, paging, bad input."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from provider.cloudwatch.context import Context
from provider.cloudwatch.model import Datum, Metric, Unit
from provider.cloudwatch.operations import OPERATIONS
from provider.cloudwatch.points import put
from provider.errors import ApiError
from provider.store import Store
from provider.telemetry.buckets import ERROR_BOUND
from tests.support.telemetry import LB, TG_V1, TG_V2, Request, insert

pytestmark = pytest.mark.slow

NS = "AWS/ApplicationELB"
T0 = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
T0_MS = int(T0.timestamp() * 1000)
MINUTE = 60_000


@pytest.fixture
def ctx(telemetry_store: Store) -> Context:
    return Context(telemetry_store, now=lambda: T0 + timedelta(hours=1))


def call(ctx: Context, op: str, **params: Any) -> dict[str, Any]:
    return OPERATIONS[op](ctx, params)


def dims(**values: str) -> list[dict[str, str]]:
    names = {"lb": "LoadBalancer", "tg": "TargetGroup"}
    return [{"name": names[k], "value": v} for k, v in values.items()]


def stats(ctx: Context, metric: str, dimensions: list[dict[str, str]], period: int = 300, minutes: int = 10,
          **extra: Any) -> list[dict[str, Any]]:
    extra.setdefault("statistics", ["Sum"])
    out = call(ctx, "GetMetricStatistics", namespace=NS, metric_name=metric, dimensions=dimensions, period=period,
               start_time=T0, end_time=T0 + timedelta(minutes=minutes), **extra)
    return sorted(out["datapoints"], key=lambda p: p["timestamp"])


@pytest.mark.parametrize(
    ("dimensions", "expected"),
    [
        pytest.param(dims(lb=LB), 1000, id="load-balancer"),
        pytest.param(dims(lb=LB, tg=TG_V1), 950, id="lb+tg-v1"),
        pytest.param(dims(lb=LB, tg=TG_V2), 50, id="lb+tg-v2"),
        pytest.param(dims(tg=TG_V1), 950, id="tg-alone-the-scenario-command"),
    ],
)
def test_request_count_exact(
    ctx: Context, telemetry_store: Store, dimensions: list[dict[str, str]], expected: int
) -> None:
    insert(telemetry_store, [Request(T0_MS + i * 100, target_group=TG_V1 if i % 20 else TG_V2) for i in range(1000)])
    points = stats(ctx, "RequestCount", dimensions)
    assert [(p["timestamp"], p["sum"], p["unit"]) for p in points] == [(T0, expected, "Count")]


def test_periods_without_requests_have_no_datapoint(ctx: Context, telemetry_store: Store) -> None:
    insert(telemetry_store, [Request(T0_MS + 5)] * 3 + [Request(T0_MS + 2 * MINUTE + 5)] * 7)
    points = stats(ctx, "RequestCount", dims(lb=LB), period=60, minutes=5)
    assert [(p["timestamp"], p["sum"]) for p in points] == [(T0, 3), (T0 + timedelta(minutes=2), 7)]
    assert stats(ctx, "HTTPCode_Target_5XX_Count", dims(lb=LB), period=60, minutes=5) == []


def _kinds() -> list[Request]:
    t = T0_MS + 1000
    return (
        [Request(t)] * 6
        + [Request(t, elb_status=500, target_status=500)] * 4
        + [Request(t, elb_status=404, target_status=404)] * 2
        + [Request(t, elb_status=502, target_status=None, target_s=None, connection_error=True)] * 3
        + [Request(t, action="fixed-response", target_group=None, target=None, elb_status=503, target_status=None,
                   target_s=None)] * 5
        + [Request(t, action="redirect", target_group=None, target=None, elb_status=301, target_status=None,
                   target_s=None)] * 7
        + [Request(t, target_group=None, target=None, elb_status=503, target_status=None, target_s=None)] * 1
        + [Request(t, target=None, elb_status=503, target_status=None, target_s=None)] * 2  # group without targets
    )


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        pytest.param("RequestCount", 27, id="request-count-only-where-a-target-was-chosen"),
        pytest.param("HTTPCode_Target_2XX_Count", 6, id="target-2xx"),
        pytest.param("HTTPCode_Target_4XX_Count", 2, id="target-4xx"),
        pytest.param("HTTPCode_Target_5XX_Count", 4, id="target-5xx"),
        pytest.param("HTTPCode_ELB_3XX_Count", 7, id="elb-3xx-redirects"),
        pytest.param("HTTPCode_ELB_5XX_Count", 11, id="elb-5xx"),
        pytest.param("HTTPCode_ELB_502_Count", 3, id="elb-502"),
        pytest.param("HTTPCode_ELB_503_Count", 8, id="elb-503-fixed-and-no-target"),
        pytest.param("HTTP_Fixed_Response_Count", 5, id="fixed-response"),
        pytest.param("HTTP_Redirect_Count", 7, id="redirect"),
        pytest.param("TargetConnectionErrorCount", 3, id="connection-errors"),
        pytest.param("ProcessedBytes", 30 * 300, id="processed-bytes"),
    ],
)
def test_status_and_action_counts(ctx: Context, telemetry_store: Store, metric: str, expected: int) -> None:
    insert(telemetry_store, _kinds())
    assert [p["sum"] for p in stats(ctx, metric, dims(lb=LB))] == [expected]
    assert stats(ctx, "HTTPCode_ELB_4XX_Count", dims(lb=LB)) == []


def nearest_rank(values: list[float], q: float) -> float:
    """The exact percentile: the smallest value with at least q% of the values at or below it."""
    xs = sorted(values)
    return xs[max(1, math.ceil(q / 100 * len(xs) - 1e-9)) - 1]


def test_target_response_time_statistics(ctx: Context, telemetry_store: Store) -> None:
    latencies = [((i * 37) % 500 + 1) / 1000 for i in range(500)]  # 1..500 ms, shuffled
    insert(telemetry_store, [Request(T0_MS + i, target_s=s) for i, s in enumerate(latencies)])
    [point] = stats(ctx, "TargetResponseTime", dims(lb=LB, tg=TG_V1),
                    statistics=["Average", "Minimum", "Maximum", "SampleCount"])
    assert point["unit"] == "Seconds"
    assert point["sample_count"] == 500
    assert point["average"] == pytest.approx(sum(latencies) / 500)  # the sum is exact
    within = pytest.approx  # extremes and percentiles come from the histogram's buckets
    assert (point["minimum"], point["maximum"]) == (within(0.001, rel=ERROR_BOUND), within(0.5, rel=ERROR_BOUND))
    [point] = stats(ctx, "TargetResponseTime", dims(lb=LB), statistics=None,
                    extended_statistics=["p50", "p99", "p99.9"])
    for name, q in (("p50", 50.0), ("p99", 99.0), ("p99.9", 99.9)):
        assert point["extended_statistics"][name] == within(nearest_rank(latencies, q), rel=ERROR_BOUND)


def test_request_count_per_target_divides_by_the_healthy_targets(ctx: Context, telemetry_store: Store) -> None:
    insert(telemetry_store, [Request(T0_MS + i, target=f"127.0.0.1:{9001 + i % 3}") for i in range(900)])
    healthy = Metric.of(NS, "HealthyHostCount", {"LoadBalancer": LB, "TargetGroup": TG_V1})
    put(telemetry_store, [Datum(healthy, T0_MS + s, Unit.COUNT, ((3.0, 1.0),)) for s in (0, 5000)])
    assert [p["sum"] for p in stats(ctx, "RequestCountPerTarget", dims(lb=LB, tg=TG_V1))] == [300]


def _stat_query(qid: str, metric: str, stat: str = "Sum", return_data: bool = False) -> dict[str, Any]:
    metric_spec = {"namespace": NS, "metric_name": metric, "dimensions": dims(lb=LB, tg=TG_V1)}
    return {"id": qid, "metric_stat": {"metric": metric_spec, "period": 60, "stat": stat, "unit": "Count"},
            "return_data": return_data}


def test_argo_error_rate(ctx: Context, telemetry_store: Store) -> None:
    rows = [Request(T0_MS + m * MINUTE + i, elb_status=500 if i < m else 200, target_status=500 if i < m else 200)
            for m in range(5) for i in range(100)]
    insert(telemetry_store, rows)
    out = call(ctx, "GetMetricData", start_time=T0, end_time=T0 + timedelta(minutes=5), metric_data_queries=[
        _stat_query("errors", "HTTPCode_Target_5XX_Count"), _stat_query("requests", "RequestCount"),
        {"id": "rate", "expression": "errors / requests"}])
    [result] = out["metric_data_results"]
    assert result["id"] == "rate" and result["status_code"] == "Complete"
    # minute 0 had no error: no errors datapoint, so no rate there either (as on AWS); newest first by default
    assert result["values"] == [0.04, 0.03, 0.02, 0.01]
    assert result["timestamps"] == [T0_MS + m * MINUTE for m in (4, 3, 2, 1)]  # epoch ms, as stored


def test_flagger_newest_first_and_paging(ctx: Context, telemetry_store: Store) -> None:
    insert(telemetry_store, [Request(T0_MS + m * MINUTE, target_s=m / 1000) for m in range(30) for _ in range(m + 1)])
    query = [{**_stat_query("rt", "RequestCount", return_data=True), "label": "requests"}]
    window = {"start_time": T0, "end_time": T0 + timedelta(minutes=30)}
    first = call(ctx, "GetMetricData", metric_data_queries=query, max_datapoints=20, **window)
    [result] = first["metric_data_results"]
    assert (result["label"], result["values"][0], len(result["values"])) == ("requests", 30, 20)
    assert result["status_code"] == "PartialData"
    rest = call(ctx, "GetMetricData", metric_data_queries=query, max_datapoints=20, next_token=first["next_token"],
                **window)
    assert rest["metric_data_results"][0]["values"] == [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]
    assert "next_token" not in rest
    up = call(ctx, "GetMetricData", metric_data_queries=query, scan_by="TimestampAscending", **window)
    assert up["metric_data_results"][0]["values"] == list(range(1, 31))


def test_percentile_stat_and_math_functions(ctx: Context, telemetry_store: Store) -> None:
    rows = [Request(T0_MS + m * MINUTE + i, target_s=(i + 1) / 100) for m in (0, 2) for i in range(100)]
    insert(telemetry_store, rows)
    out = call(ctx, "GetMetricData", start_time=T0, end_time=T0 + timedelta(minutes=4), scan_by="TimestampAscending",
               metric_data_queries=[
                   {**_stat_query("p99", "TargetResponseTime", "p99"), "return_data": True},
                   _stat_query("n", "RequestCount"),
                   {"id": "filled", "expression": "FILL(n, 0)"},
                   {"id": "busy", "expression": "IF(FILL(n, 0) > 50, 1, 0)"},
                   {"id": "total", "expression": "SUM(METRICS('Count'))"},
               ])
    values = {r["id"]: r["values"] for r in out["metric_data_results"]}
    assert values["p99"] == [], "TargetResponseTime is in Seconds; asking for Unit Count matches nothing"
    assert values["filled"] == [100, 0, 100, 0]
    assert values["busy"] == [1, 0, 1, 0]
    assert values["total"] == [100, 100]


Check = Callable[[Context], Any]


def _gms(**overrides: Any) -> Check:
    params = {"namespace": NS, "metric_name": "RequestCount", "dimensions": dims(lb=LB), "period": 60,
              "start_time": T0, "end_time": T0 + timedelta(minutes=10), "statistics": ["Sum"], **overrides}
    return lambda ctx: OPERATIONS["GetMetricStatistics"](ctx, {k: v for k, v in params.items() if v is not None})


def _gmd(queries: list[dict[str, Any]], **overrides: Any) -> Check:
    params = {"metric_data_queries": queries, "start_time": T0, "end_time": T0 + timedelta(minutes=10), **overrides}
    return lambda ctx: OPERATIONS["GetMetricData"](ctx, params)


def _put(**overrides: Any) -> Check:
    params = {"namespace": "Shop", "metric_data": [{"metric_name": "Orders", "value": 1.0}], **overrides}
    return lambda ctx: OPERATIONS["PutMetricData"](ctx, params)


GOOD = _stat_query("m", "RequestCount", return_data=True)


@pytest.mark.parametrize(
    ("check", "code"),
    [
        pytest.param(_gms(period=0), "InvalidParameterValue", id="period-0"),
        pytest.param(_gms(period=7), "InvalidParameterValue", id="period-7"),
        pytest.param(_gms(statistics=["Median"]), "InvalidParameterValue", id="unknown-statistic"),
        pytest.param(_gms(statistics=None, extended_statistics=["p101"]), "InvalidParameterValue", id="bad-pNN"),
        pytest.param(_gms(extended_statistics=["p99"]), "InvalidParameterCombination", id="both-statistics-kinds"),
        pytest.param(_gms(statistics=None), "InvalidParameterCombination", id="no-statistics"),
        pytest.param(_gms(start_time=T0 + timedelta(hours=1)), "InvalidParameterValue", id="start-after-end"),
        pytest.param(_gms(end_time=T0 + timedelta(days=2)), "InvalidParameterCombination", id="over-1440-points"),
        pytest.param(_gms(unit="Furlongs"), "InvalidParameterValue", id="bad-unit"),
        pytest.param(_gms(namespace=None), "MissingParameter", id="no-namespace"),
        pytest.param(_gmd([]), "ValidationError", id="empty-queries-flagger-probe"),
        pytest.param(_gmd([{**GOOD, "id": f"m{i}"} for i in range(501)]), "ValidationError", id="501-queries"),
        pytest.param(_gmd([GOOD], start_time=T0 + timedelta(hours=1)), "ValidationError", id="gmd-start-after-end"),
        pytest.param(_gmd([{**GOOD, "metric_stat": {**GOOD["metric_stat"], "stat": "Median"}}]), "ValidationError",
                     id="gmd-unknown-stat"),
        pytest.param(_gmd([{**GOOD, "metric_stat": {**GOOD["metric_stat"], "period": 7}}]), "ValidationError",
                     id="gmd-period-7"),
        pytest.param(_gmd([GOOD, GOOD]), "ValidationError", id="duplicate-ids"),
        pytest.param(_gmd([{**GOOD, "id": "Upper"}]), "ValidationError", id="id-must-start-lowercase"),
        pytest.param(_gmd([{"id": "e", "expression": "m /"}]), "ValidationError", id="bad-expression"),
        pytest.param(_gmd([{"id": "e", "expression": "nope * 2"}]), "ValidationError", id="unknown-id"),
        pytest.param(_gmd([{"id": "e", "expression": "e + 1"}]), "ValidationError", id="circular"),
        pytest.param(_gmd([{"id": "e"}]), "MissingParameter", id="neither-stat-nor-expression"),
        pytest.param(_gmd([GOOD], next_token="garbage"), "InvalidNextToken", id="bad-next-token"),
        pytest.param(_put(namespace="AWS/ApplicationELB"), "InvalidParameterValue", id="put-aws-namespace"),
        pytest.param(_put(metric_data=[{"metric_name": "x", "value": 1.0}] * 1001), "InvalidParameterValue",
                     id="put-1001-items"),
        pytest.param(_put(metric_data=[{"metric_name": "ok", "value": 1.0}, {"metric_name": "x", "value": math.nan}]),
                     "InvalidParameterValue", id="put-nan-after-a-good-item"),
        pytest.param(_put(metric_data=[{"metric_name": "x", "value": 1.0, "values": [2.0]}]),
                     "InvalidParameterCombination", id="put-value-and-values"),
        pytest.param(_put(metric_data=[{"metric_name": "x", "values": [1.0, 2.0], "counts": [1.0]}]),
                     "InvalidParameterValue", id="put-counts-length"),
        pytest.param(_put(metric_data=[{"metric_name": "x", "value": 1.0, "storage_resolution": 10}]),
                     "InvalidParameterValue", id="put-storage-resolution"),
        pytest.param(_put(metric_data=[{"metric_name": "x", "value": 1.0, "timestamp": T0 - timedelta(weeks=3)}]),
                     "InvalidParameterValue", id="put-too-old"),
        pytest.param(_put(metric_data=[{"metric_name": "x", "value": 1.0,
                                        "dimensions": [{"name": f"d{i}", "value": "v"} for i in range(31)]}]),
                     "InvalidParameterValue", id="put-31-dimensions"),
        pytest.param(_put(metric_data=[{"metric_name": "x"}]), "InvalidParameterCombination", id="put-no-value"),
        pytest.param(_put(metric_data=[{"metric_name": "x", "statistic_values": {"sum": 1.0}}]), "MissingParameter",
                     id="put-partial-statistic-set"),
    ],
)
def test_bad_input(ctx: Context, telemetry_store: Store, check: Check, code: str) -> None:
    insert(telemetry_store, [Request(T0_MS + i) for i in range(10)])
    before = _counts(telemetry_store)
    with pytest.raises(ApiError) as e:
        check(ctx)
    assert (e.value.code, e.value.status) == (code, 400)
    assert _counts(telemetry_store) == before


def _counts(telemetry_store: Store) -> tuple[int, ...]:
    cur = telemetry_store.cursor()
    try:
        return tuple(cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("requests", "metric_data"))
    finally:
        cur.close()


def test_one_request_mixing_dimension_sets(ctx: Context, telemetry_store: Store) -> None:
    """Queries over different dimension sets share one scan; each still counts only its own rows."""
    insert(telemetry_store, [Request(T0_MS + i * 100, target_group=TG_V1 if i % 20 else TG_V2) for i in range(1000)])
    insert(telemetry_store, [Request(T0_MS, load_balancer="app/other/0123456789abcdef", target_group=TG_V2)] * 7)
    sets = {"lb": dims(lb=LB), "v1": dims(lb=LB, tg=TG_V1), "v2": dims(tg=TG_V2), "other": dims(lb="app/x/1")}
    queries = [{"id": qid, "metric_stat": {"metric": {"namespace": NS, "metric_name": "RequestCount",
                                                      "dimensions": d}, "period": 300, "stat": "Sum"}}
               for qid, d in sets.items()]
    out = call(ctx, "GetMetricData", metric_data_queries=queries, start_time=T0, end_time=T0 + timedelta(minutes=5))
    assert {r["id"]: r["values"] for r in out["metric_data_results"]} == {
        "lb": [1000], "v1": [950], "v2": [57], "other": []}
