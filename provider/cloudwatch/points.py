"""The DuckDB side of CloudWatch's stored data points: per-period statistics over `metric_data` (PutMetricData and
the health sampler), metric listing, writes and retention. (AWS/ApplicationELB's traffic metrics: provider/telemetry/.)

Periods are aligned to the epoch: a row at ``ts_ms`` falls in period ``ts_ms // (period * 1000)``. Reads use a
cursor of the store's connection, so a long query never holds the store's write lock.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from provider.cloudwatch.model import Aggregates, Datum, Dimensions, Metric, SeriesQuery, Unit
from provider.store import Store, fetched


def encode_dimensions(dimensions: Dimensions) -> str:
    """Canonical text of a dimension set: (('LoadBalancer', 'app/a/1'),) -> '[["LoadBalancer","app/a/1"]]'."""
    return json.dumps([list(d) for d in dimensions], separators=(",", ":"))


_STORED_STATS = (
    "sum(CASE WHEN value IS NULL THEN sample_count ELSE repeat END),"
    " sum(CASE WHEN value IS NULL THEN sum ELSE value * repeat END),"
    " min(coalesce(minimum, value)), max(coalesce(maximum, value)), min(unit)"
)
# Percentiles need raw values: a statistic set qualifies only when all its samples are equal (as on AWS).
_RAW_VALUES = (
    "SELECT ts_ms, coalesce(value, minimum) AS v,"
    " unnest(range(CAST(ceil(CASE WHEN value IS NULL THEN sample_count ELSE repeat END) AS BIGINT))) AS i"
    " FROM metric_data WHERE {where} AND (value IS NOT NULL OR minimum = maximum)"
)


def stored_statistics(store: Store, q: SeriesQuery) -> Aggregates:
    """Statistics of one metric from `metric_data` (same dimensions exactly; same unit when one is asked)."""
    where = "namespace = ? AND metric_name = ? AND dimensions = ? AND ts_ms >= ? AND ts_ms < ?"
    params: list[Any] = [q.metric.namespace, q.metric.name, encode_dimensions(q.metric.dimensions)]
    params += [q.start_ms, q.end_ms]
    if q.unit is not None:
        where += " AND unit = ?"
        params.append(str(q.unit))
    period_ms = q.period * 1000
    with store.reader() as cur:
        rows = fetched(cur.execute(
            f"SELECT ts_ms // {period_ms} AS b, {_STORED_STATS} FROM metric_data WHERE {where}"
            " GROUP BY b HAVING sum(repeat) > 0 ORDER BY b",
            params,
        ))
        ranks: dict[int, list[float | None]] = {}
        if q.percentiles:
            fractions = [p / 100 for p in q.percentiles]
            for b, values in fetched(cur.execute(
                f"SELECT ts_ms // {period_ms} AS b, quantile_cont(v, {fractions!r})"
                f" FROM ({_RAW_VALUES.format(where=where)}) GROUP BY b",
                params,
            )):
                ranks[b] = list(values)
    none = [None for _ in q.percentiles]
    out = Aggregates(Unit(rows[0][-1]) if rows else q.unit or Unit.NONE)
    for b, n, total, low, high, _ in rows:
        out.start_ms.append(b * period_ms)
        out.sample_count.append(n)
        out.sum.append(total)
        out.minimum.append(low)
        out.maximum.append(high)
    out.percentiles.extend([list(c) for c in zip(*(ranks.get(b, none) for b, *_ in rows), strict=True)] if rows
                           else [[] for _ in q.percentiles])
    return out


_INSERT_COLUMNS = ("namespace", "metric_name", "dimensions", "ts_ms", "unit", "value", "repeat", "sample_count",
                   "sum", "minimum", "maximum")


def put(store: Store, data: Sequence[Datum]) -> int:
    """Write data points in one transaction (all or nothing); returns the rows written."""
    columns: list[list[Any]] = [[] for _ in _INSERT_COLUMNS]
    for d in data:
        head = [d.metric.namespace, d.metric.name, encode_dimensions(d.metric.dimensions), d.ts_ms, str(d.unit)]
        rows: list[tuple[float | None, ...]]
        if d.statistics is not None:
            s = d.statistics
            rows = [(None, 1.0, s.sample_count, s.sum, s.minimum, s.maximum)]
        else:
            rows = [(value, count, None, None, None, None) for value, count in d.values]
        for row in rows:
            for i, v in enumerate((*head, *row)):
                columns[i].append(v)
    if not columns[0]:
        return 0
    unnests = ", ".join(f"unnest(?::{t}[])" for t in _COLUMN_TYPES)
    with store.reader() as cur:
        cur.execute("BEGIN")
        try:
            cur.execute(f"INSERT INTO metric_data ({', '.join(_INSERT_COLUMNS)}) SELECT {unnests}", columns)
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
    return len(columns[0])


_COLUMN_TYPES = ("TEXT", "TEXT", "TEXT", "BIGINT", "TEXT", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE",
                 "DOUBLE")


def stored_metrics(store: Store, since_ms: int | None) -> list[Metric]:
    """Every distinct metric in `metric_data` (with data since ``since_ms`` when given)."""
    where, params = ("WHERE ts_ms >= ?", [since_ms]) if since_ms is not None else ("", [])
    with store.reader() as cur:
        rows = cur.execute(
            f"SELECT DISTINCT namespace, metric_name, dimensions FROM metric_data {where}", params
        ).fetchall()
    return [Metric(ns, name, tuple((n, v) for n, v in json.loads(dims))) for ns, name, dims in rows]


def delete_metric_data_before(store: Store, ts_ms: int) -> int:
    """Retention: drop stored data points older than ``ts_ms``; returns how many went."""
    with store.reader() as cur:
        row = cur.execute("DELETE FROM metric_data WHERE ts_ms < ?", [ts_ms]).fetchone()
    return int(row[0]) if row else 0
