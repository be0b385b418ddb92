"""Fetch per-period statistics for metric queries: ALB metrics from the traffic Traefik counted (provider/telemetry/),
grouped by period and range; everything else from the stored data points."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from provider.cloudwatch import alb, alb_series, points
from provider.cloudwatch.model import Aggregates, Metric, SeriesQuery, Statistic, Unit
from provider.store.duck import Store


def fetch(store: Store, queries: Sequence[SeriesQuery]) -> list[Aggregates]:
    """The aggregates of each query, in the order asked; a metric or dimension set ALB does not publish has
    none (as on AWS, asking for it is not an error)."""
    out = [Aggregates(q.unit or Unit.NONE, percentiles=[[] for _ in q.percentiles]) for q in queries]
    batches: dict[tuple[object, ...], list[int]] = {}
    for i, q in enumerate(queries):
        spec = alb.computed(q.metric.namespace, q.metric.name)
        if spec is None:
            out[i] = points.stored_statistics(store, q)
        elif q.metric.dimension_names in spec.dimension_sets and q.unit in (None, spec.unit):
            batches.setdefault((q.period, q.start_ms, q.end_ms), []).append(i)
    for indexes in batches.values():
        batch = [queries[i] for i in indexes]
        units = [alb.ALB_METRICS[q.metric.name].unit for q in batch]
        hosts = {n: points.stored_statistics(store, _healthy_hosts(q)) for n, q in enumerate(batch)
                 if q.metric.name == alb_series.PER_TARGET}
        for i, aggregates in zip(indexes, alb_series.alb_statistics(store, batch, units, hosts), strict=True):
            out[i] = aggregates
    return out


def _healthy_hosts(q: SeriesQuery) -> SeriesQuery:
    """RequestCountPerTarget's divisor: the group's HealthyHostCount over the same periods."""
    metric = Metric(alb.NAMESPACE, "HealthyHostCount", q.metric.dimensions)
    return replace(q, metric=metric, unit=None, percentiles=(), statistics=frozenset({Statistic.AVERAGE}))
