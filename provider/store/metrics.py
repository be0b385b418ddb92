"""The DuckDB side of CloudWatch: per-period statistics over `requests` (AWS/ApplicationELB, computed at query
time) and over `metric_data` (PutMetricData and the health sampler), metric listing, writes and retention.

Periods are aligned to the epoch: a row at ``ts_ms`` falls in period ``ts_ms // (period * 1000)``. Reads use a
cursor of the store's connection, so a long query never holds the store's write lock.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from provider.cloudwatch.model import Aggregates, Datum, Dimensions, Metric, SeriesQuery, Unit
from provider.store.alb_metrics import MEASURES, Batch, Measure, batch_sql
from provider.store.telemetry_schema import TELEMETRY_SCHEMA

if TYPE_CHECKING:
    import duckdb

    from provider.store.duck import Store


def create_telemetry(conn: duckdb.DuckDBPyConnection) -> None:
    """Create the telemetry tables when missing (idempotent)."""
    conn.execute(TELEMETRY_SCHEMA)


@contextlib.contextmanager
def _cursor(store: Store) -> Iterator[duckdb.DuckDBPyConnection]:
    cur = store.cursor()
    try:
        yield cur
    finally:
        cur.close()


def encode_dimensions(dimensions: Dimensions) -> str:
    """Canonical text of a dimension set: (('LoadBalancer', 'app/a/1'),) -> '[["LoadBalancer","app/a/1"]]'."""
    return json.dumps([list(d) for d in dimensions], separators=(",", ":"))


def alb_statistics(store: Store, queries: Sequence[SeriesQuery], units: Sequence[Unit]) -> list[Aggregates]:
    """Statistics of request-computed metrics sharing period and range, whatever their dimensions: one scan."""
    first = queries[0]
    measures: Batch = [
        (MEASURES[q.metric.name], tuple(p / 100 for p in q.percentiles), q.metric.dimensions, q.statistics)
        for q in queries
    ]
    period_ms = first.period * 1000
    sql, params = batch_sql(measures, period_ms, first.start_ms, first.end_ms)
    with _cursor(store) as cur:
        rows = cur.execute(sql, params).fetchall()
        width = len(cur.description or ())
    table = list(zip(*rows, strict=True)) if rows else [() for _ in range(width)]
    starts = [b * period_ms for b in table[0]]
    out: list[Aggregates] = []
    col = 1
    for (m, percentiles, _, _), unit in zip(measures, units, strict=True):
        agg, col = _alb_aggregates(m, bool(percentiles), table, col, starts, unit)
        out.append(agg)
    return out


def _alb_aggregates(
    m: Measure, percentiles: bool, table: list[tuple[Any, ...]], col: int, starts: list[int], unit: Unit
) -> tuple[Aggregates, int]:
    """One measure's Aggregates from its columns of the batch (periods where it counted nothing dropped), and
    the batch column after its own."""
    counts = table[col]
    keep = [i for i, n in enumerate(counts) if n]

    def pick(column: tuple[Any, ...]) -> list[Any]:
        """The kept periods of a column; a column not computed (its statistic not read) is NaN."""
        if keep and column[keep[0]] is None:
            return [math.nan] * len(keep)
        return list(column) if len(keep) == len(column) else [column[i] for i in keep]

    n = pick(counts)
    col += 1
    total, low, high = n, [1.0] * len(keep), [1.0] * len(keep)
    if m.per_target:
        total = low = high = [a / b for a, b in zip(n, pick(table[col]), strict=True)]
        n = [1.0] * len(keep)
        col += 1
    elif m.value is not None:
        total, low, high = (pick(table[c]) for c in range(col, col + 3))
        col += 3
    ranks: list[list[float | None]] = []
    if percentiles and m.value is not None:
        ranks = [list(r) for r in zip(*pick(table[col]), strict=True)] if keep else []
        col += 1
    elif percentiles:
        ranks = [[1.0] * len(keep)]
    return Aggregates(unit, pick(tuple(starts)), n, total, low, high, ranks), col


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
    with _cursor(store) as cur:
        rows = cur.execute(
            f"SELECT ts_ms // {period_ms} AS b, {_STORED_STATS} FROM metric_data WHERE {where}"
            " GROUP BY b HAVING sum(repeat) > 0 ORDER BY b",
            params,
        ).fetchall()
        ranks: dict[int, list[float | None]] = {}
        if q.percentiles:
            fractions = [p / 100 for p in q.percentiles]
            for b, values in cur.execute(
                f"SELECT ts_ms // {period_ms} AS b, quantile_cont(v, {fractions!r})"
                f" FROM ({_RAW_VALUES.format(where=where)}) GROUP BY b",
                params,
            ).fetchall():
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
    with _cursor(store) as cur:
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
    with _cursor(store) as cur:
        rows = cur.execute(
            f"SELECT DISTINCT namespace, metric_name, dimensions FROM metric_data {where}", params
        ).fetchall()
    return [Metric(ns, name, tuple((n, v) for n, v in json.loads(dims))) for ns, name, dims in rows]


def alb_metrics_seen(store: Store, since_ms: int | None) -> list[tuple[str, str | None, str]]:
    """(load balancer, target group or None, metric) for every request-computed metric with a non-zero count:
    per load balancer, and per load balancer and target group."""
    names = list(MEASURES)
    counts = ", ".join(f"count(*) FILTER (WHERE {MEASURES[n].where})" for n in names)
    where, params = ("ts_ms >= ?", [since_ms]) if since_ms is not None else ("", [])
    out: list[tuple[str, str | None, str]] = []
    with _cursor(store) as cur:
        for group, only in (("NULL", ""), ("target_group", "target_group IS NOT NULL")):
            filters = " AND ".join(f for f in (where, only) if f)
            sql = f"SELECT load_balancer, {group}, {counts} FROM requests {'WHERE ' if filters else ''}{filters}"
            for lb, tg, *ns in cur.execute(sql + " GROUP BY ALL", params).fetchall():
                out += [(lb, tg, name) for name, n in zip(names, ns, strict=True) if n]
    return out


def delete_metric_data_before(store: Store, ts_ms: int) -> int:
    """Retention: drop stored data points older than ``ts_ms``; returns how many went."""
    with _cursor(store) as cur:
        row = cur.execute("DELETE FROM metric_data WHERE ts_ms < ?", [ts_ms]).fetchone()
    return int(row[0]) if row else 0
