"""GetMetricData: MetricStat queries, metric math and one Metrics Insights query (insights.py), with Label,
ReturnData, ScanBy, MaxDatapoints/NextToken.

Argo Rollouts' analysis, for one: two MetricStat queries (ids `errors`, `requests`, ReturnData false) and
``{"id": "rate", "expression": "errors / requests"}`` -> one result, ``rate``, one value per period.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from provider import texts
from provider.aws.document import Millis
from provider.cloudwatch import anomaly_store, band, insights, listing, math, series, validate
from provider.cloudwatch.context import Context, Handler, Params, Result
from provider.cloudwatch.errors import InvalidNextToken, MissingParameter, ValidationError
from provider.cloudwatch.model import Metric, Percentile, SeriesQuery, Stat, Statistic, parse_stat, stat_name
from provider.cloudwatch.timestamps import to_ms

MAX_QUERIES = 500
DEFAULT_MAX_DATAPOINTS = 100_800
_ID = re.compile(r"[a-z][a-zA-Z0-9_]*")
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class _Query:
    id: str
    label: str
    return_data: bool
    stat: Stat | None = None  # MetricStat queries
    series: SeriesQuery | None = None
    expression: math.Node | None = None  # metric math
    insights: insights.Query | None = None  # a Metrics Insights query, read over [start_ms, end_ms) by period
    period: int = 0
    start_ms: int = 0
    end_ms: int = 0


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
    if sum(q.insights is not None for q in queries) > 1:
        raise ValidationError(texts.INSIGHTS_ONE_QUERY)
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
    if stat is None and insights.is_query(str(expression)):
        return _insights_query(item, where, qid, str(expression), return_data, start, end)
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


def _insights_query(item: Params, where: str, qid: str, text: str, return_data: bool, start: datetime,
                    end: datetime) -> _Query:
    try:
        query = insights.parse(text)
    except insights.InsightsError as e:
        raise ValidationError(f"Error in expression {qid!r}: {e}") from None
    period = validate.check_period(int(validate.required(item, "period", f"{where}.Period")), f"{where}.Period",
                                   ValidationError)
    start_ms, end_ms = validate.time_range(start, end, period, ValidationError)
    return _Query(qid, item.get("label") or qid, return_data, insights=query, period=period, start_ms=start_ms,
                  end_ms=end_ms)


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


@dataclass(frozen=True, slots=True)
class _Values:
    """The queries' values, each expression evaluated on demand by ``resolve``."""

    resolve: Callable[[str], math.Value]
    metrics: list[tuple[str, str, math.Series]]  # (id, label, series) of the MetricStat queries
    grid: list[int]
    groups: dict[str, list[tuple[str, ...]]]  # a Metrics Insights query's GROUP BY values, per result


def _values(ctx: Context, queries: list[_Query], bands: Callable[[str, float], list[math.Series]] | None
            ) -> _Values:
    stats = [q for q in queries if q.series is not None]
    fetched = series.fetch(ctx.store, [q.series for q in stats if q.series is not None])
    fetched_series: dict[str, math.Series] = {}
    for q, aggregates in zip(stats, fetched, strict=True):
        asked = q.series.percentiles if q.series is not None else ()
        column = aggregates.values(q.stat, asked) if q.stat is not None else []
        fetched_series[q.id] = {t: v for t, v in zip(aggregates.start_ms, column, strict=True) if v is not None}
    values: dict[str, math.Value] = dict(fetched_series)
    grouped = {q.id: _insights(ctx, q) for q in queries if q.insights is not None}
    for q in queries:
        if q.insights is not None:
            found = [s for _, s in grouped[q.id]]
            values[q.id] = found if q.insights.group_by else found[0]
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
        values[qid] = math.evaluate(q.expression, math.Env({}, metrics, grid, resolve, bands))
        return values[qid]

    return _Values(resolve, metrics, grid, {qid: [group for group, _ in found] for qid, found in grouped.items()})


def _evaluate(ctx: Context, queries: list[_Query], descending: bool) -> list[tuple[_Query, Points]]:
    found = _values(ctx, queries, _bands(ctx, queries))
    out: list[tuple[_Query, Points]] = []
    for q in queries:
        if not q.return_data:
            continue
        try:
            value = found.resolve(q.id)
        except math.MathError as e:
            raise ValidationError(f"Error in expression {q.id!r}: {e}") from None
        results = _as_series(value, found.metrics, found.grid)
        for labelled, s in zip(_band_labelled(q, len(results)), results, strict=True):
            stamps = sorted(s, reverse=descending)  # a fetched series is ascending already: no real sort
            out.append((labelled, (stamps, list(map(s.__getitem__, stamps)))))
    return _relabelled(out, found.groups)


def _bands(ctx: Context, queries: list[_Query]) -> Callable[[str, float], list[math.Series]]:
    """ANOMALY_DETECTION_BAND's source: the query's values over its range widened by the training window (read
    once, on the first band asked for), and the band over the query's own periods."""
    history: list[_Values] = []
    by_id = {q.id: q for q in queries}

    def of(qid: str, stddevs: float) -> list[math.Series]:
        q = by_id.get(qid)
        if q is None:
            raise math.MathError(f"Unknown metric or expression id {qid!r}")
        if not history:
            history.append(_values(ctx, [_widened(x) for x in queries], None))
        past = history[0].resolve(qid)
        if not isinstance(past, dict):
            raise math.MathError(f"{math.BAND} needs a single time series")
        upper, lower = band.band(past, _stamps(q, _grid([x for x in queries if x.series is not None])), stddevs,
                                 _excluded(ctx, q))
        return [upper, lower]

    return of


def _widened(q: _Query) -> _Query:
    if q.series is not None:
        earlier = q.series.start_ms - band.TRAINING_MS
        return dataclasses.replace(q, series=dataclasses.replace(q.series, start_ms=earlier))
    if q.insights is not None:
        return dataclasses.replace(q, start_ms=q.start_ms - band.TRAINING_MS)
    return q


def _stamps(q: _Query, grid: list[int]) -> list[int]:
    """The period starts of a query's own range: where its band has points."""
    if q.series is not None:
        return list(range(q.series.start_ms, q.series.end_ms, q.series.period * 1000))
    if q.insights is not None:
        return list(range(q.start_ms, q.end_ms, q.period * 1000))
    return grid


def _excluded(ctx: Context, q: _Query) -> list[band.Range]:
    """The excluded time ranges of the metric's anomaly detector, if it has one."""
    if q.series is None or q.stat is None:
        return []
    m = q.series.metric
    found = anomaly_store.find(ctx.store, ctx.region, m.namespace, m.name, m.dimensions, stat_name(q.stat))
    return [(to_ms(start), to_ms(end)) for start, end in found.configuration.excluded] if found is not None else []


def _band_labelled(q: _Query, results: int) -> list[_Query]:
    """A band's two results are labelled "<label> Upper" and "<label> Lower" (AWS's labels are not known)."""
    if results == 2 and q.expression is not None and math.band_call(q.expression):
        return [dataclasses.replace(q, label=f"{q.label} {side}") for side in ("Upper", "Lower")]
    return [q] * results


def _insights(ctx: Context, q: _Query) -> list[tuple[tuple[str, ...], math.Series]]:
    assert q.insights is not None
    known = listing.known_metrics(ctx.store, q.start_ms)
    return insights.run(q.insights, known, lambda asked: series.fetch(ctx.store, asked), q.period, q.start_ms,
                        q.end_ms, to_ms(ctx.now()))


def _relabelled(out: list[tuple[_Query, _T]], groups: dict[str, list[tuple[str, ...]]]) -> list[tuple[_Query, _T]]:
    """A Metrics Insights query's results (one per group, in its order) each with its group's label."""
    left = {qid: iter(found) for qid, found in groups.items()}
    return [(_labelled(q, next(left[q.id])) if q.id in left else q, points) for q, points in out]


def _labelled(q: _Query, group: tuple[str, ...]) -> _Query:
    """A grouped result's label: its GROUP BY values joined by spaces (after the query's Label when given)."""
    if not group:
        return q
    values = " ".join(group)
    return dataclasses.replace(q, label=f"{q.label} {values}" if q.label != q.id else values)


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
        raise InvalidNextToken(texts.NEXT_TOKEN_UNPROCESSABLE) from None
    if not isinstance(offset, int) or offset < 0:
        raise InvalidNextToken(texts.NEXT_TOKEN_UNPROCESSABLE)
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
            "id": q.id, "label": q.label, "timestamps": Millis(stamps[:taken]),
            "values": values[:taken], "status_code": "PartialData" if taken < len(stamps) else "Complete",
            "messages": [],
        })
    result: Result = {"metric_data_results": out, "messages": []}
    if more:
        token = {"offset": offset + budget}
        result["next_token"] = base64.urlsafe_b64encode(json.dumps(token).encode()).decode()
    return result


OPERATIONS: dict[str, Handler] = {"GetMetricData": get_metric_data}
