"""GetMetricData: MetricStat queries and metric math, with Label, ReturnData, ScanBy, MaxDatapoints/NextToken.

Argo Rollouts' analysis, for one: two MetricStat queries (ids `errors`, `requests`, ReturnData false) and
``{"id": "rate", "expression": "errors / requests"}`` -> one result, ``rate``, one value per period.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from provider import texts
from provider.cloudwatch import math, series, validate
from provider.cloudwatch.context import Context, Handler, Params, Result
from provider.cloudwatch.errors import InvalidNextToken, MissingParameter, ValidationError
from provider.cloudwatch.model import Metric, Percentile, SeriesQuery, Stat, Statistic, parse_stat
from provider.cloudwatch.timestamps import to_datetime

MAX_QUERIES = 500
DEFAULT_MAX_DATAPOINTS = 100_800
_ID = re.compile(r"[a-z][a-zA-Z0-9_]*")


@dataclass(frozen=True, slots=True)
class _Query:
    id: str
    label: str
    return_data: bool
    stat: Stat | None = None  # MetricStat queries
    series: SeriesQuery | None = None
    expression: math.Node | None = None  # metric math


def get_metric_data(ctx: Context, params: Params) -> Result:
    items = params.get("metric_data_queries") or []
    if not items:
        raise ValidationError("The parameter MetricDataQueries is required and must not be empty.")
    if len(items) > MAX_QUERIES:
        raise ValidationError(f"The collection MetricDataQueries must not have a size greater than {MAX_QUERIES}.")
    start, end = validate.required(params, "start_time", "StartTime"), validate.required(params, "end_time", "EndTime")
    validate.time_range(start, end, 1, ValidationError)
    scan_by = params.get("scan_by") or "TimestampDescending"
    if scan_by not in ("TimestampDescending", "TimestampAscending"):
        raise ValidationError(f"The value {scan_by} for parameter ScanBy is not valid.")
    max_points = int(params.get("max_datapoints") or DEFAULT_MAX_DATAPOINTS)
    if max_points < 1:
        raise ValidationError("The parameter MaxDatapoints must be greater than 0.")
    offset = _offset(params.get("next_token"))
    queries = _default_labels([_query(item, n, start, end) for n, item in enumerate(items, 1)], items)
    ids = [q.id for q in queries]
    if len(set(ids)) != len(ids):
        raise ValidationError("The values of MetricDataQueries.member.N.Id must be unique.")
    results = _evaluate(ctx, queries, scan_by == "TimestampDescending")
    return _page(results, offset, max_points)


def _query(item: Params, n: int, start: datetime, end: datetime) -> _Query:
    where = f"MetricDataQueries.member.{n}"
    qid = str(validate.required(item, "id", f"{where}.Id"))
    if not _ID.fullmatch(qid):
        raise ValidationError(f"Invalid metric data query id {qid!r} in {where}.Id: it must start with a lowercase"
                              " letter and contain only letters, numbers and underscores.")
    stat: Params | None = item.get("metric_stat")
    expression = item.get("expression")
    if stat is None and expression is None:
        raise MissingParameter(texts.PARAMETER_REQUIRED.format(name=f"{where}.MetricStat"))
    if stat is not None and expression is not None:
        raise ValidationError(f"Exactly one of {where}.MetricStat and {where}.Expression must be given.")
    return_data = item.get("return_data") is not False
    if stat is None:
        try:
            node = math.parse(str(expression))
        except math.MathError as e:
            raise ValidationError(f"Error in expression {qid!r}: {e}") from None
        return _Query(qid, item.get("label") or qid, return_data, expression=node)
    m = validate.required(stat, "metric", f"{where}.MetricStat.Metric")
    metric = Metric.of(validate.required(m, "namespace", f"{where}.MetricStat.Metric.Namespace"),
                       validate.required(m, "metric_name", f"{where}.MetricStat.Metric.MetricName"),
                       validate.dimensions(m.get("dimensions"), f"{where}.MetricStat.Metric.Dimensions"))
    period = validate.check_period(int(validate.required(stat, "period", f"{where}.MetricStat.Period")),
                                   f"{where}.MetricStat.Period", ValidationError)
    text = str(validate.required(stat, "stat", f"{where}.MetricStat.Stat"))
    parsed = parse_stat(text)
    if parsed is None:
        raise ValidationError(f"The value {text} for parameter {where}.MetricStat.Stat is not a valid statistic.")
    start_ms, end_ms = validate.time_range(start, end, period, ValidationError)
    percentiles = (parsed.q,) if isinstance(parsed, Percentile) else ()
    unit = validate.unit(stat.get("unit"), f"{where}.MetricStat.Unit")
    read = frozenset({parsed}) if isinstance(parsed, Statistic) else frozenset()
    query = SeriesQuery(metric, period, start_ms, end_ms, unit, percentiles, read)
    return _Query(qid, item.get("label") or metric.name, return_data, stat=parsed, series=query)


def _default_labels(queries: list[_Query], items: Sequence[Params]) -> list[_Query]:
    """AWS labels a MetricStat query that has no Label "<metric> <Stat>" when another query of the request reads
    the same metric with another Stat or Period ("m Average", "m Sum"); else by the metric's name."""
    readings: dict[Metric, set[tuple[str, int]]] = {}
    for q, item in zip(queries, items, strict=True):
        if q.series is not None:
            readings.setdefault(q.series.metric, set()).add((str(item["metric_stat"]["stat"]), q.series.period))
    return [
        dataclasses.replace(q, label=f"{q.label} {item['metric_stat']['stat']}")
        if q.series is not None and not item.get("label") and len(readings[q.series.metric]) > 1 else q
        for q, item in zip(queries, items, strict=True)
    ]


Points = tuple[list[int], list[float]]  # a series' timestamps and values, in the order asked


def _evaluate(ctx: Context, queries: list[_Query], descending: bool) -> list[tuple[_Query, Points]]:
    stats = [q for q in queries if q.series is not None]
    fetched = series.fetch(ctx.store, [q.series for q in stats if q.series is not None])
    fetched_series: dict[str, math.Series] = {}
    for q, aggregates in zip(stats, fetched, strict=True):
        asked = q.series.percentiles if q.series is not None else ()
        column = aggregates.values(q.stat, asked) if q.stat is not None else []
        fetched_series[q.id] = {t: v for t, v in zip(aggregates.start_ms, column, strict=True) if v is not None}
    values: dict[str, math.Value] = dict(fetched_series)
    by_id = {q.id: q for q in queries}
    metrics = [(q.id, q.label, fetched_series[q.id]) for q in stats]
    grid = _grid(stats)
    resolving: set[str] = set()

    def resolve(qid: str) -> math.Value:
        if qid in values:
            return values[qid]
        q = by_id.get(qid)
        if q is None or q.expression is None or qid in resolving:
            raise math.MathError(f"Unknown or circular metric or expression id {qid!r}")
        resolving.add(qid)
        values[qid] = math.evaluate(q.expression, math.Env({}, metrics, grid, resolve))
        return values[qid]

    out: list[tuple[_Query, Points]] = []
    for q in queries:
        if not q.return_data:
            continue
        try:
            value = resolve(q.id)
        except math.MathError as e:
            raise ValidationError(f"Error in expression {q.id!r}: {e}") from None
        for s in _as_series(value, metrics, grid):
            stamps = sorted(s, reverse=descending)  # a fetched series is ascending already: no real sort
            out.append((q, (stamps, list(map(s.__getitem__, stamps)))))
    return out


def _grid(stats: Sequence[_Query]) -> list[int]:
    """The period start times of the widest MetricStat period: where FILL fills and a scalar result stands."""
    queries = [q.series for q in stats if q.series is not None]
    if not queries:
        return []
    widest = max(queries, key=lambda s: s.period)
    step = widest.period * 1000
    return list(range(widest.start_ms, widest.end_ms, step))


def _as_series(value: math.Value, metrics: Sequence[tuple[str, str, math.Series]], grid: list[int]
               ) -> list[math.Series]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    stamps = sorted({t for _, _, s in metrics for t in s}) or grid
    return [dict.fromkeys(stamps, value)]


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise InvalidNextToken("The service cannot process the NextToken.") from None
    if not isinstance(offset, int) or offset < 0:
        raise InvalidNextToken("The service cannot process the NextToken.")
    return offset


def _page(results: list[tuple[_Query, Points]], offset: int, budget: int) -> Result:
    """Results in order with at most ``budget`` data points after skipping the ``offset`` already returned."""
    out: list[Result] = []
    skip, left, more = offset, budget, False
    for q, (all_stamps, all_values) in results:
        stamps, values = all_stamps[skip:], all_values[skip:]
        skip = max(0, skip - len(all_stamps))
        taken, more = min(left, len(stamps)), more or len(stamps) > left
        left -= taken
        out.append({
            "id": q.id, "label": q.label, "timestamps": list(map(to_datetime, stamps[:taken])),
            "values": values[:taken], "status_code": "PartialData" if taken < len(stamps) else "Complete",
            "messages": [],
        })
    result: Result = {"metric_data_results": out, "messages": []}
    if more:
        token = {"offset": offset + budget}
        result["next_token"] = base64.urlsafe_b64encode(json.dumps(token).encode()).decode()
    return result


OPERATIONS: dict[str, Handler] = {"GetMetricData": get_metric_data}
