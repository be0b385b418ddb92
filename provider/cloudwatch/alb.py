"""The AWS/ApplicationELB namespace: which metrics exist, their units and the dimension sets ALB publishes.

The values come from the counts Traefik keeps (provider/telemetry/), except HealthyHostCount/UnHealthyHostCount,
which a sampler writes into `metric_data` (provider/cloudwatch/sampler.py).
Availability-zone dimension sets are not published (every target is local). Deliberate differences: the
request-based per-group metrics also answer for TargetGroup alone, which AWS does not publish; each request
is one sample (RequestCount Average is 1, SampleCount the count; AWS reports per-node minutes); see
provider/telemetry/queries.py for the other statistics.
"""

from __future__ import annotations

from dataclasses import dataclass

from provider.cloudwatch.model import Unit

NAMESPACE = "AWS/ApplicationELB"
LB = frozenset({"LoadBalancer"})
TG = frozenset({"TargetGroup"})
LB_TG = frozenset({"LoadBalancer", "TargetGroup"})
SAMPLED = frozenset({"HealthyHostCount", "UnHealthyHostCount"})  # in metric_data, not computed


@dataclass(frozen=True, slots=True)
class AlbMetric:
    unit: Unit
    dimension_sets: frozenset[frozenset[str]]


def _counts(*sets: frozenset[str]) -> AlbMetric:
    return AlbMetric(Unit.COUNT, frozenset(sets))


_PER_GROUP = (LB, LB_TG, TG)  # TG alone: the deliberate difference above
_LB_ONLY = (LB,)

ALB_METRICS: dict[str, AlbMetric] = {
    "RequestCount": _counts(*_PER_GROUP),
    "RequestCountPerTarget": _counts(TG, LB_TG),
    **{f"HTTPCode_Target_{n}XX_Count": _counts(*_PER_GROUP) for n in (2, 3, 4, 5)},
    **{f"HTTPCode_ELB_{n}XX_Count": _counts(*_LB_ONLY) for n in (3, 4, 5)},
    **{f"HTTPCode_ELB_{code}_Count": _counts(*_LB_ONLY) for code in (500, 502, 503, 504)},
    "TargetResponseTime": AlbMetric(Unit.SECONDS, frozenset(_PER_GROUP)),
    "HTTP_Fixed_Response_Count": _counts(*_LB_ONLY),
    "HTTP_Redirect_Count": _counts(*_LB_ONLY),
    "TargetConnectionErrorCount": _counts(*_PER_GROUP),
    "ProcessedBytes": AlbMetric(Unit.BYTES, frozenset(_LB_ONLY)),
}

HOST_COUNTS = AlbMetric(Unit.COUNT, frozenset({LB_TG}))


def computed(namespace: str, name: str) -> AlbMetric | None:
    """The catalogue entry when this metric is computed from requests; None for anything stored."""
    return ALB_METRICS.get(name) if namespace == NAMESPACE else None
