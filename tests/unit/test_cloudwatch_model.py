"""CloudWatch's pure parts: statistics names, periods, ranges, dimensions, aggregates (table-driven)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from provider.cloudwatch import validate
from provider.cloudwatch.errors import InvalidParameterCombination, InvalidParameterValue, ValidationError
from provider.cloudwatch.model import Aggregates, Percentile, Stat, Statistic, Unit, parse_stat
from provider.elbv2.arns import dimension
from provider.errors import ApiError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Sum", Statistic.SUM, id="sum"),
        pytest.param("SampleCount", Statistic.SAMPLE_COUNT, id="sample-count"),
        pytest.param("p99", Percentile(99.0, "p99"), id="p99"),
        pytest.param("p99.9", Percentile(99.9, "p99.9"), id="p99.9"),
        pytest.param("p95.45", Percentile(95.45, "p95.45"), id="two-decimals"),
        pytest.param("p0", Percentile(0.0, "p0"), id="p0"),
        pytest.param("p100", Percentile(100.0, "p100"), id="p100"),
        pytest.param("p101", None, id="over-100"),
        pytest.param("sum", None, id="case-matters"),
        pytest.param("Median", None, id="unknown"),
        pytest.param("p", None, id="bare-p"),
        pytest.param("tm99", None, id="trimmed-mean-unsupported"),
    ],
)
def test_parse_stat(text: str, expected: Stat | None) -> None:
    assert parse_stat(text) == expected


@pytest.mark.parametrize("period", [1, 5, 10, 30, 60, 120, 300, 3600, 86400])
def test_period_accepted(period: int) -> None:
    assert validate.check_period(period, "Period") == period


@pytest.mark.parametrize("period", [0, -60, 7, 59, 61, 90])
def test_period_rejected(period: int) -> None:
    with pytest.raises(InvalidParameterValue):
        validate.check_period(period, "Period")
    with pytest.raises(ValidationError):
        validate.check_period(period, "Period", ValidationError)


def _t(minute: int, second: int = 0) -> datetime:
    return datetime(2026, 11, 30, 4, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end", "period", "expected"),
    [
        pytest.param(_t(0), _t(5), 60, (0, 300_000), id="aligned"),
        pytest.param(_t(1, 30), _t(5), 60, (60_000, 300_000), id="start-rounded-down"),
        pytest.param(_t(3), _t(10), 300, (0, 600_000), id="five-minute-period"),
    ],
)
def test_time_range(start: datetime, end: datetime, period: int, expected: tuple[int, int]) -> None:
    base = int(_t(0).timestamp() * 1000)
    start_ms, end_ms = validate.time_range(start, end, period)
    assert (start_ms - base, end_ms - base) == expected


@pytest.mark.parametrize(
    ("start", "end", "says"),
    [
        pytest.param(_t(5), _t(5), "StartTime must not equal parameter EndTime", id="equal"),
        pytest.param(_t(6), _t(5), "StartTime must be less than", id="after"),
    ],
)
def test_time_range_rejected(start: datetime, end: datetime, says: str) -> None:
    with pytest.raises(InvalidParameterValue, match=says):
        validate.time_range(start, end, 60)


@pytest.mark.parametrize(
    ("minutes", "period", "error"),
    [
        pytest.param(1440, 60, None, id="exactly-1440"),
        pytest.param(1441, 60, InvalidParameterCombination, id="1441"),
        pytest.param(24 * 60, 1, InvalidParameterCombination, id="one-second-for-a-day"),
        pytest.param(24 * 60 * 5, 300, None, id="five-days-at-5-min"),
    ],
)
def test_datapoint_limit(minutes: int, period: int, error: type[ApiError] | None) -> None:
    if error is None:
        validate.datapoints(0, minutes * 60_000, period)
    else:
        with pytest.raises(error, match="exceeds the limit of 1,440"):
            validate.datapoints(0, minutes * 60_000, period)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param([], (), id="none"),
        pytest.param([{"name": "TargetGroup", "value": "t"}, {"name": "LoadBalancer", "value": "l"}],
                     (("LoadBalancer", "l"), ("TargetGroup", "t")), id="sorted-by-name"),
    ],
)
def test_dimensions(given: list[dict[str, str]], expected: tuple[tuple[str, str], ...]) -> None:
    assert validate.dimensions(given, "Dimensions") == expected


@pytest.mark.parametrize(
    "given",
    [
        pytest.param([{"name": "A", "value": "1"}, {"name": "A", "value": "2"}], id="duplicate-name"),
        pytest.param([{"name": f"d{i}", "value": "v"} for i in range(31)], id="31-dimensions"),
        pytest.param([{"name": "A"}], id="no-value"),
    ],
)
def test_dimensions_rejected(given: list[dict[str, str]]) -> None:
    with pytest.raises(ApiError):
        validate.dimensions(given, "Dimensions")


def test_aggregates_columns() -> None:
    a = Aggregates(Unit.COUNT, [0, 60_000], sample_count=[4, 2], sum=[10, 0], minimum=[1, -1], maximum=[4, 1],
                   percentiles=[[2.5, None], [3.9, 1.0]])
    asked = (50.0, 99.0)
    got = {s: a.values(s, asked) for s in (*Statistic, Percentile(99.0, "p99"), Percentile(90.0, "p90"))}
    assert list(got.values()) == [[4, 2], [2.5, 0], [10, 0], [1, -1], [4, 1], [3.9, 1.0], [None, None]]


@pytest.mark.parametrize(
    ("arn", "value"),
    [
        pytest.param("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188",
                     "app/web/50dc6c495c0c9188", id="load-balancer"),
        pytest.param("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api-v1/73e2d6bc24d8a067",
                     "targetgroup/api-v1/73e2d6bc24d8a067", id="target-group"),
    ],
)
def test_dimension(arn: str, value: str) -> None:
    assert dimension(arn) == value
