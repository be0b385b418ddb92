"""The AWS/ApplicationELB statistics of the traffic Traefik counted (provider/telemetry/), per period.

Statistics of the request-computed metrics (README, "Where this differs from AWS"): a count's samples are its
requests (Average, Minimum and Maximum are 1); TargetResponseTime's Minimum, Maximum and percentiles come from
its histogram (within buckets.ERROR_BOUND); ProcessedBytes is one sample per period; RequestCountPerTarget
divides a group's RequestCount by its mean HealthyHostCount over the period (the last one before, if none).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import compress, groupby, repeat
from operator import itemgetter
from typing import Any

from provider.cloudwatch.model import Aggregates, Dimensions, SeriesQuery, Statistic, Unit
from provider.store import Store, fetched
from provider.store.telemetry_schema import UNPACKED, latency, stats
from provider.telemetry.buckets import ESTIMATES
from provider.telemetry.counting import RESPONSES
from provider.telemetry.queries import parts, rolled, union

_COLUMNS = {"LoadBalancer": "load_balancer", "TargetGroup": "target_group", "metric": "metric"}  # what _match matches
Key = tuple[Dimensions, str]  # (dimension set, stored metric)
Column = tuple[Any, ...]  # one value a period
LATENCY = "TargetResponseTime"
PER_TARGET = "RequestCountPerTarget"
ONE_SAMPLE = frozenset({"ProcessedBytes"})
# a bucket index (None: no bucket picked) -> the statistic it stands for
_EXTREME: dict[int | None, float] = {None: math.nan, **dict(enumerate(ESTIMATES))}
_PERCENTILE: dict[int | None, float | None] = {None: None, **dict(enumerate(ESTIMATES))}


def _seconds(q: SeriesQuery) -> tuple[int, int]:
    return -(-q.start_ms // 1000), -(-q.end_ms // 1000)


def _match(dims: Dimensions) -> str:
    return " AND ".join(f"{_COLUMNS[name]} = ?" for name, _ in dims)


def _where(q: SeriesQuery) -> tuple[str, list[Any]]:
    return f"ts_s >= ? AND ts_s < ? AND {_match(q.metric.dimensions)}", [*_seconds(q), *_values(q.metric.dimensions)]


def _values(dims: Dimensions) -> list[str]:
    return [v for _, v in dims]


def alb_statistics(store: Store, queries: Sequence[SeriesQuery], units: Sequence[Unit],
                   host_counts: Mapping[int, Aggregates] | None = None) -> list[Aggregates]:
    """Statistics of request-computed metrics sharing one period and range: the sums in one scan per load balancer
    (or group) asked about; the latency histograms only for TargetResponseTime's extremes and percentiles.
    ``host_counts``: for RequestCountPerTarget, query index -> HealthyHostCount aggregates of its group over the
    same periods."""
    period = queries[0].period
    start_s, end_s = _seconds(queries[0])
    with store.reader() as cur:
        marks = rolled(cur)
        summed = union(parts(marks, stats, period, start_s, end_s))
        wanted = sorted({(q.metric.dimensions, m) for q in queries for m in _reads(q.metric.name)})
        found: dict[Key, tuple[Column, Column]] = {}  # -> (period starts in ms, sums)
        for _, keys in groupby(wanted, key=lambda key: key[0][0]):  # one scan per load balancer (or group) asked
            found.update(_sums(cur, summed, period, start_s, end_s, list(keys)))
        out = []
        for i, (q, unit) in enumerate(zip(queries, units, strict=True)):
            if q.metric.name == LATENCY:
                (starts, seconds), (_, counts) = (found[(q.metric.dimensions, m)] for m in _reads(LATENCY))
                out.append(_latency(cur, q, starts, seconds, counts, parts(marks, latency, period, start_s, end_s),
                                    unit))
                continue
            starts, column = found[(q.metric.dimensions, _reads(q.metric.name)[0])]
            # the periods that counted something (a stored sum is never negative: counting carries deficits)
            periods, sums = list(compress(starts, column)), list(filter(None, column))
            if q.metric.name == PER_TARGET:
                sums = _per_target(periods, sums, (host_counts or {}).get(i))
            if q.metric.name == PER_TARGET or q.metric.name in ONE_SAMPLE:
                out.append(Aggregates(unit, periods, [1.0] * len(sums), sums, sums, list(sums),
                                      [[None] * len(sums) for _ in q.percentiles]))
            else:  # each request one sample of 1
                ones = [1.0] * len(sums)
                out.append(Aggregates(unit, periods, sums, sums, ones, list(ones), [list(ones) for _ in q.percentiles]))
    return out


def _sums(cur: Any, summed: str, period: int, start_s: int, end_s: int, keys: list[Key]
          ) -> dict[Key, tuple[Column, Column]]:
    """One scan of the rows of one load balancer (or group): each (dimension set, metric) of ``keys``, all with that
    first dimension, -> the period starts (ms) and its sum in each (None or 0 where nothing was counted). A row a
    period, not a row per period and metric: turning rows into Python objects is most of a query's cost."""
    first = keys[0][0][:1]  # the rows scanned are the first dimension's; a column checks only the rest
    picks = ", ".join(f"sum(CASE WHEN {_match((('metric', m), *dims[1:]))} THEN value END)" for dims, m in keys)
    rows = fetched(cur.execute(
        f"SELECT {_start(period)}, {picks} FROM {summed} WHERE ts_s >= ? AND ts_s < ? AND rule = ''"
        f" AND {_match(first)} GROUP BY 1 ORDER BY 1",
        [*(x for dims, m in keys for x in (m, *_values(dims[1:]))), start_s, end_s, *_values(first)],
    ))
    starts, *columns = list(zip(*rows, strict=True)) or [()] * (len(keys) + 1)
    return {key: (starts, column) for key, column in zip(keys, columns, strict=True)}


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


def _latency(cur: Any, q: SeriesQuery, starts: Column, seconds: Column, counts: Column,
             hists: Sequence[tuple[int, str]], unit: Unit) -> Aggregates:
    """TargetResponseTime: Sum, SampleCount and Average from the sums; Minimum, Maximum and percentiles, only when
    asked, from the histograms (within buckets.ERROR_BOUND)."""
    out = Aggregates(unit, list(compress(starts, counts)), list(filter(None, counts)),
                     [s or 0.0 for s in compress(seconds, counts)], percentiles=[[] for _ in q.percentiles])
    if not (q.percentiles or q.statistics & {Statistic.MINIMUM, Statistic.MAXIMUM}):
        out.minimum.extend([math.nan] * len(out.start_ms))  # not asked for
        out.maximum.extend([math.nan] * len(out.start_ms))
        return out
    where, params = _where(q)
    rows = []
    if q.percentiles and hists[0][0] == q.period > 1 and q.metric.dimension_names == {"LoadBalancer", "TargetGroup"}:
        # one series at the rolled-up spans' own size: the running counts are stored (tables.roll_up)
        rows += fetched(cur.execute(_ranked(q, f"({hists[0][1]})", where), params))
        hists = hists[1:]
    if hists:
        rows += fetched(cur.execute(_merged(q, union(hists), where), params))
    picked = dict(zip(map(itemgetter(0), rows), rows, strict=True))  # period start -> (start, min, max, *ranks)
    aligned = list(map(picked.get, out.start_ms, repeat((None,) * (3 + len(q.percentiles)))))
    out.minimum.extend(map(_EXTREME.__getitem__, map(itemgetter(1), aligned)))
    out.maximum.extend(map(_EXTREME.__getitem__, map(itemgetter(2), aligned)))
    for at, column in enumerate(out.percentiles, 3):
        column.extend(map(_PERCENTILE.__getitem__, map(itemgetter(at), aligned)))
    return out


def _start(period: int) -> str:
    """A row's period start, in ms."""
    return f"ts_s // {period} * {period * 1000}"


def _rank(p: float) -> str:
    """The running count that reaches percentile ``p``'s nearest rank."""
    return f"greatest(1, ceil({p / 100!r} * total - 1e-9))"


def _ranked(q: SeriesQuery, rows: str, where: str) -> str:
    """Extremes and percentiles of rolled-up rows (one series, one span a period), which carry their running counts
    and total: each percentile's bucket is the first whose running count reaches its nearest rank (computed once a
    row, not once a bucket)."""
    low = "buckets[1]" if Statistic.MINIMUM in q.statistics else "NULL"
    ranks = "".join(f", {_rank(p)} AS rank{i}" for i, p in enumerate(q.percentiles))
    picks = "".join(f", buckets[list_position(list_apply(cum, lambda c: c >= rank{i}), true)]"
                    for i in range(len(q.percentiles)))
    return f"SELECT {_start(q.period)}, {low}, buckets[-1]{picks} FROM (SELECT *{ranks} FROM {rows} WHERE {where})"


def _merged(q: SeriesQuery, rows: str, where: str) -> str:
    """Counts, extremes and percentiles of histograms summed per period (a window only when percentiles are
    asked: the one costly part)."""
    counted = (f"SELECT {_start(q.period)} AS b, bucket, sum(n) AS n FROM (SELECT {UNPACKED} FROM {rows})"
               f" WHERE {where} GROUP BY ALL HAVING sum(n) > 0")
    if not q.percentiles:
        return f"SELECT b, min(bucket), max(bucket) FROM ({counted}) GROUP BY b"
    picks = "".join(f", min(bucket) FILTER (WHERE cum >= {_rank(p)})" for p in q.percentiles)
    return f"""WITH h AS ({counted}), c AS (SELECT b, bucket, sum(n) OVER (PARTITION BY b ORDER BY bucket) AS cum,
               sum(n) OVER (PARTITION BY b) AS total FROM h)
               SELECT b, min(bucket), max(bucket){picks} FROM c GROUP BY b"""
