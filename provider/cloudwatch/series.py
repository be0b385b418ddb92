"""Fetch per-period statistics for metric queries: request-computed ALB metrics in batched scans (one per period
and range, whatever the dimensions), everything else from the stored data points."""

from __future__ import annotations

from collections.abc import Sequence

from provider.cloudwatch import alb
from provider.cloudwatch.model import Aggregates, SeriesQuery, Unit
from provider.store import metrics
from provider.store.duck import Store


def fetch(store: Store, queries: Sequence[SeriesQuery]) -> list[Aggregates]:
    """The aggregates of each query, in the order asked; a metric or dimension set ALB does not publish has
    none (as on AWS, asking for it is not an error)."""
    out = [Aggregates(q.unit or Unit.NONE, percentiles=[[] for _ in q.percentiles]) for q in queries]
    batches: dict[tuple[object, ...], list[int]] = {}
    for i, q in enumerate(queries):
        spec = alb.computed(q.metric.namespace, q.metric.name)
        if spec is None:
            out[i] = metrics.stored_statistics(store, q)
        elif q.metric.dimension_names in spec.dimension_sets and q.unit in (None, spec.unit):
            batches.setdefault((q.period, q.start_ms, q.end_ms), []).append(i)
    for indexes in batches.values():
        batch = [queries[i] for i in indexes]
        units = [alb.ALB_METRICS[q.metric.name].unit for q in batch]
        for i, aggregates in zip(indexes, metrics.alb_statistics(store, batch, units), strict=True):
            out[i] = aggregates
    return out
