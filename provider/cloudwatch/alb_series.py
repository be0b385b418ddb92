"""The AWS/ApplicationELB statistics of the traffic Traefik counted (provider/telemetry/), per period.

Statistics of the request-computed metrics (README, "Where this differs from AWS"): a count's samples are its
requests (Average, Minimum and Maximum are 1); TargetResponseTime's Minimum, Maximum and percentiles come from
its histogram (within buckets.ERROR_BOUND); ProcessedBytes is one sample per period; RequestCountPerTarget
divides a group's RequestCount by its mean HealthyHostCount over the period (the last one before, if none).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from provider.cloudwatch.model import Aggregates, SeriesQuery, Statistic, Unit
from provider.store import Store
from provider.store.telemetry_schema import latency, stats
from provider.telemetry.buckets import estimate
from provider.telemetry.counting import RESPONSES
from provider.telemetry.queries import parts, rolled, union

_COLUMNS = {"LoadBalancer": "load_balancer", "TargetGroup": "target_group"}
LATENCY = "TargetResponseTime"
PER_TARGET = "RequestCountPerTarget"
ONE_SAMPLE = frozenset({"ProcessedBytes"})


def _where(q: SeriesQuery) -> tuple[str, list[Any]]:
    dims = [f"{_COLUMNS[name]} = ?" for name, _ in q.metric.dimensions]
    start_s, end_s = -(-q.start_ms // 1000), -(-q.end_ms // 1000)
    return " AND ".join(["ts_s >= ? AND ts_s < ?", *dims]), [start_s, end_s, *(v for _, v in q.metric.dimensions)]


def alb_statistics(store: Store, queries: Sequence[SeriesQuery], units: Sequence[Unit],
                   host_counts: Mapping[int, Aggregates] | None = None) -> list[Aggregates]:
    """Statistics of request-computed metrics sharing one period and range: one scan of the sums per dimension
    set; the latency histograms only for TargetResponseTime's extremes and percentiles. ``host_counts``: for
    RequestCountPerTarget, query index -> HealthyHostCount aggregates of its group over the same periods."""
    period = queries[0].period
    with store.reader() as cur:
        marks = rolled(cur)
        summed = union(parts(marks, stats, period))
        found: dict[tuple[Any, ...], tuple[list[int], list[float]]] = {}  # (dimensions, metric) -> periods, sums
        for dims in {q.metric.dimensions for q in queries}:
            names = sorted({n for q in queries if q.metric.dimensions == dims for n in _reads(q.metric.name)})
            where, params = _where(next(q for q in queries if q.metric.dimensions == dims))
            for metric, periods, values in cur.execute(
                f"SELECT metric, list(b ORDER BY b), list(v ORDER BY b) FROM (SELECT metric, ts_s // {period} AS b,"
                f" sum(value) AS v FROM {summed} WHERE {where} AND metric IN ({', '.join('?' * len(names))})"
                " AND rule = '' GROUP BY ALL HAVING sum(value) > 0) GROUP BY metric",
                [*params, *names],
            ).fetchall():
                found[(dims, metric)] = periods, values
        out = []
        for i, (q, unit) in enumerate(zip(queries, units, strict=True)):
            got = [found.get((q.metric.dimensions, m), ([], [])) for m in _reads(q.metric.name)]
            if q.metric.name == LATENCY:
                seconds, counts = (dict(zip(*g, strict=True)) for g in got)
                out.append(_latency(cur, q, seconds, counts, parts(marks, latency, period), unit))
                continue
            periods, sums = got[0]
            starts = [b * period * 1000 for b in periods]
            if q.metric.name == PER_TARGET:
                sums = _per_target(starts, sums, (host_counts or {}).get(i))
            if q.metric.name == PER_TARGET or q.metric.name in ONE_SAMPLE:
                out.append(Aggregates(unit, starts, [1.0] * len(sums), sums, sums, list(sums),
                                      [[None] * len(sums) for _ in q.percentiles]))
            else:  # each request one sample of 1
                ones = [1.0] * len(sums)
                out.append(Aggregates(unit, starts, sums, sums, ones, list(ones), [list(ones) for _ in q.percentiles]))
    return out


def _reads(metric: str) -> tuple[str, ...]:
    """The stored sums a metric is made of."""
    if metric == LATENCY:
        return LATENCY, RESPONSES
    return ("RequestCount",) if metric == PER_TARGET else (metric,)


def _per_target(starts: list[int], requests: list[float], hosts: Aggregates | None) -> list[float]:
    if hosts is None:
        return requests
    mean = {t: s / n for t, s, n in zip(hosts.start_ms, hosts.sum, hosts.sample_count, strict=True) if n}
    out, last, known = [], 1.0, sorted(mean.items())
    for start, n in zip(starts, requests, strict=True):
        while known and known[0][0] <= start:
            last = known.pop(0)[1] or 1.0
        out.append(n / (mean.get(start) or last))
    return out


def _latency(cur: Any, q: SeriesQuery, seconds: Mapping[int, float], counts: Mapping[int, float],
             hists: Sequence[tuple[int, str]], unit: Unit) -> Aggregates:
    """TargetResponseTime: Sum, SampleCount and Average from the sums; Minimum, Maximum and percentiles, only when
    asked, from the histograms (within buckets.ERROR_BOUND)."""
    periods = sorted(counts)
    out = Aggregates(unit, [b * q.period * 1000 for b in periods], [counts[b] for b in periods],
                     [seconds.get(b, 0.0) for b in periods], percentiles=[[] for _ in q.percentiles])
    if not (q.percentiles or q.statistics & {Statistic.MINIMUM, Statistic.MAXIMUM}):
        out.minimum.extend([math.nan] * len(periods))  # not asked for
        out.maximum.extend([math.nan] * len(periods))
        return out
    where, params = _where(q)
    rows = []
    if q.percentiles and hists[0][0] == q.period > 1 and q.metric.dimension_names == {"LoadBalancer", "TargetGroup"}:
        # one series at the rolled-up spans' own size: the running counts are stored (tables.roll_up)
        rows += cur.execute(_ranked(q, f"({hists[0][1]})", where), params).fetchall()
        hists = hists[1:]
    if hists:
        rows += cur.execute(_merged(q, union(hists), where), params).fetchall()
    extremes = {b: rest for b, *rest in rows}
    for b in periods:
        low, high, *ranks = extremes.get(b) or [None, None, *(None for _ in q.percentiles)]
        out.minimum.append(math.nan if low is None else estimate(low))
        out.maximum.append(math.nan if high is None else estimate(high))
        for column, rank in zip(out.percentiles, ranks, strict=True):
            column.append(None if rank is None else estimate(rank))
    return out


def _picks(q: SeriesQuery) -> str:
    """Each percentile's bucket: the first whose running count reaches its nearest rank."""
    return "".join(
        f", min(bucket) FILTER (WHERE cum >= greatest(1, ceil({p / 100!r} * total - 1e-9)))" for p in q.percentiles
    )


def _ranked(q: SeriesQuery, rows: str, where: str) -> str:
    """Percentiles of rows that carry their running count and total (one series, one span a period)."""
    return f"SELECT ts_s // {q.period}, min(bucket), max(bucket){_picks(q)} FROM {rows} WHERE {where} GROUP BY ALL"


def _merged(q: SeriesQuery, rows: str, where: str) -> str:
    """Counts, extremes and percentiles of histograms summed per period (a window only when percentiles are
    asked: the one costly part)."""
    counted = (f"SELECT ts_s // {q.period} AS b, bucket, sum(n) AS n FROM {rows} WHERE {where}"
               " GROUP BY ALL HAVING sum(n) > 0")
    if not q.percentiles:
        return f"SELECT b, min(bucket), max(bucket) FROM ({counted}) GROUP BY b"
    return f"""WITH h AS ({counted}), c AS (SELECT b, bucket, sum(n) OVER (PARTITION BY b ORDER BY bucket) AS cum,
               sum(n) OVER (PARTITION BY b) AS total FROM h)
               SELECT b, min(bucket), max(bucket){_picks(q)} FROM c GROUP BY b"""


