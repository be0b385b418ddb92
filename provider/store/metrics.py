"""The DuckDB side of CloudWatch: per-period statistics over `requests` (AWS/ApplicationELB, computed at query
time) and over `metric_data` (PutMetricData and the health sampler), metric listing, writes and retention.

Periods are aligned to the epoch: a row at ``ts_ms`` falls in period ``ts_ms // (period * 1000)``. Reads use a
cursor of the store's connection, so a long query never holds the store's write lock.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from provider.cloudwatch.model import Aggregate, Datum, Dimensions, Metric, SeriesQuery, Unit
from provider.store.alb_metrics import COLUMNS, MEASURES, Measure, select_list
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


def alb_statistics(store: Store, queries: Sequence[SeriesQuery], units: Sequence[Unit]) -> list[list[Aggregate]]:
    """Statistics of request-computed metrics that share dimensions, period and range: one scan for all."""
    first = queries[0]
    measures = [(MEASURES[q.metric.name], tuple(p / 100 for p in q.percentiles)) for q in queries]
    where = ["ts_ms >= ?", "ts_ms < ?"] + [f"{COLUMNS[name]} = ?" for name, _ in first.metric.dimensions]
    params: list[Any] = [first.start_ms, first.end_ms, *(value for _, value in first.metric.dimensions)]
    period_ms = first.period * 1000
    sql = (
        f"SELECT ts_ms // {period_ms} AS b, {', '.join(select_list(measures))} FROM requests"
        f" WHERE {' AND '.join(where)} GROUP BY b ORDER BY b"
    )
    with _cursor(store) as cur:
        rows = cur.execute(sql, params).fetchall()
    out: list[list[Aggregate]] = [[] for _ in queries]
    for row in rows:
        start_ms, col = row[0] * period_ms, 1
        for i, (m, percentiles) in enumerate(measures):
            agg, col = _alb_aggregate(m, percentiles, row, col, start_ms, units[i])
            if agg is not None:
                out[i].append(agg)
    return out


def _alb_aggregate(
    m: Measure, percentiles: tuple[float, ...], row: tuple[Any, ...], col: int, start_ms: int, unit: Unit
) -> tuple[Aggregate | None, int]:
    """One measure's Aggregate from its columns of a batch row (None: nothing counted); the next column."""
    n = row[col]
    col += 1
    total, low, high = float(n), 1.0, 1.0
    if m.value is not None:
        total, low, high = row[col : col + 3]
        col += 3
    if m.per_target:
        targets = row[col]
        col += 1
        total = low = high = n / targets if targets else 0.0
        n = 1
    ps: tuple[float | None, ...] = tuple(1.0 for _ in percentiles)
    if percentiles and m.value is not None:
        ps = tuple(row[col] or ())
        col += 1
    if not n:
        return None, col
    return Aggregate(start_ms, float(n), float(total), float(low), float(high), unit, ps), col


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


def stored_statistics(store: Store, q: SeriesQuery) -> list[Aggregate]:
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
            " GROUP BY b ORDER BY b",
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
    none = tuple(None for _ in q.percentiles)
    return [
        Aggregate(b * period_ms, n, total, low, high, Unit(unit), tuple(ranks.get(b, none)))
        for b, n, total, low, high, unit in rows
        if n
    ]


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
