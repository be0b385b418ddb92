"""GetMetricStatistics: the statistics of one metric per period.

Usage: ``get_metric_statistics(ctx, {"namespace": "AWS/ApplicationELB", "metric_name": "RequestCount",
"period": 300, "statistics": ["Sum"], ...})`` gives
``{"label": "RequestCount", "datapoints": [{"timestamp": datetime(...), "sum": 1000.0, "unit": "Count"}]}``.
"""

from __future__ import annotations

from provider.cloudwatch import series, validate
from provider.cloudwatch.context import Context, Handler, Params, Result
from provider.cloudwatch.errors import InvalidParameterCombination, InvalidParameterValue
from provider.cloudwatch.model import Aggregates, Metric, Percentile, SeriesQuery, Statistic, parse_stat
from provider.cloudwatch.timestamps import to_datetime

_FIELDS = {
    Statistic.SAMPLE_COUNT: "sample_count",
    Statistic.AVERAGE: "average",
    Statistic.SUM: "sum",
    Statistic.MINIMUM: "minimum",
    Statistic.MAXIMUM: "maximum",
}


def get_metric_statistics(ctx: Context, params: Params) -> Result:
    metric = Metric.of(
        validate.required(params, "namespace", "Namespace"),
        validate.required(params, "metric_name", "MetricName"),
        validate.dimensions(params.get("dimensions"), "Dimensions"),
    )
    statistics, percentiles = _statistics(params.get("statistics") or [], params.get("extended_statistics") or [])
    period = validate.check_period(int(validate.required(params, "period", "Period")), "Period")
    start_ms, end_ms = validate.time_range(
        validate.required(params, "start_time", "StartTime"), validate.required(params, "end_time", "EndTime"), period
    )
    validate.datapoints(start_ms, end_ms, period)
    asked = tuple(p.q for p in percentiles)
    unit = validate.unit(params.get("unit"))
    query = SeriesQuery(metric, period, start_ms, end_ms, unit, asked, frozenset(statistics))
    aggregates = series.fetch(ctx.store, [query])[0]
    return {"label": metric.name, "datapoints": _datapoints(aggregates, statistics, percentiles, asked)}


def _statistics(names: list[str], extended: list[str]) -> tuple[list[Statistic], list[Percentile]]:
    if bool(names) == bool(extended):
        raise InvalidParameterCombination("Must specify either Statistics or ExtendedStatistics, but not both.")
    parsed = [(name, parse_stat(name), "Statistics") for name in names]
    parsed += [(name, parse_stat(name), "ExtendedStatistics") for name in extended]
    for name, stat, field in parsed:
        if stat is None or isinstance(stat, Percentile) != (field == "ExtendedStatistics"):
            raise InvalidParameterValue(f"The value {name} for parameter {field} is not supported.")
    return (
        [stat for _, stat, _ in parsed if isinstance(stat, Statistic)],
        [stat for _, stat, _ in parsed if isinstance(stat, Percentile)],
    )


def _datapoints(a: Aggregates, statistics: list[Statistic], percentiles: list[Percentile], asked: tuple[float, ...]
                ) -> list[Result]:
    points: list[Result] = [{"timestamp": to_datetime(t), "unit": str(a.unit)} for t in a.start_ms]
    for stat in statistics:
        for point, value in zip(points, a.values(stat), strict=True):
            point[_FIELDS[stat]] = value
    if percentiles:
        for point in points:
            point["extended_statistics"] = {}
        for p in percentiles:
            for point, value in zip(points, a.values(p, asked), strict=True):
                if value is not None:
                    point["extended_statistics"][p.name] = value
    return points


OPERATIONS: dict[str, Handler] = {"GetMetricStatistics": get_metric_statistics}
