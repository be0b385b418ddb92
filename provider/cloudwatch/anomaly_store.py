"""Anomaly detectors in DuckDB (provider/store/documents.py): a region's single-metric detectors, one per metric and
statistic as on AWS, and its metric math detectors, one per set of queries. The band itself is computed at query
time (band.py); a detector keeps what shapes it (excluded time ranges) and what DescribeAnomalyDetectors echoes.

>>> AnomalyDetector("us-east-1", "n", "m", (("A", "1"),), "Sum").key
'["us-east-1","n","m",[["A","1"]],"Sum"]'
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from provider.cloudwatch.alarm_model import AlarmQuery
from provider.store import documents
from provider.store.codec import decoder, encode

if TYPE_CHECKING:
    from provider.store.duck import Store

Dimensions = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Configuration:
    excluded: tuple[tuple[datetime, datetime], ...] = ()  # ExcludedTimeRanges, [start, end)
    timezone: str | None = None  # MetricTimezone: kept, the band has no daily pattern to shift
    adaptation_speed: str | None = None  # kept and echoed, the band does not use them
    outlier_filtering: str | None = None
    periodic_spikes: bool | None = None  # MetricCharacteristics.PeriodicSpikes


@dataclass(frozen=True, slots=True)
class AnomalyDetector:
    """A single-metric detector."""

    region: str
    namespace: str
    metric_name: str
    dimensions: Dimensions
    stat: str
    configuration: Configuration = Configuration()

    @property
    def key(self) -> str:
        return _key([self.region, self.namespace, self.metric_name, [list(d) for d in self.dimensions], self.stat])

    @property
    def id(self) -> str:
        return _id(self.key)


@dataclass(frozen=True, slots=True)
class MathAnomalyDetector:
    """A metric math detector: the queries, one of which returns the series the band is of."""

    region: str
    queries: tuple[AlarmQuery, ...]
    configuration: Configuration = Configuration()

    @property
    def key(self) -> str:
        return _key([self.region, encode(self.queries)])

    @property
    def id(self) -> str:
        return _id(self.key)


Detector = AnomalyDetector | MathAnomalyDetector
_KINDS: dict[type, str] = {AnomalyDetector: "anomaly-detector", MathAnomalyDetector: "math-anomaly-detector"}


def _key(parts: list[object]) -> str:
    return json.dumps(parts, separators=(",", ":"), sort_keys=True)


def _id(key: str) -> str:
    """AnomalyDetectorId: stable for what the detector is of (AWS's format is not known)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, key))


def put_detector(store: Store, detector: Detector) -> None:
    documents.put(store, _KINDS[type(detector)], [(detector.key, encode(detector))])


def stored(store: Store, detector: Detector) -> Detector | None:
    """The stored detector of the same metric and statistic (or queries), with its configuration."""
    body = documents.get(store, _KINDS[type(detector)], detector.key)
    return None if body is None else _decoders[type(detector)](body)


def find(store: Store, region: str, namespace: str, metric_name: str, dimensions: Dimensions,
         stat: str) -> AnomalyDetector | None:
    """The region's detector of a metric and statistic."""
    found = stored(store, AnomalyDetector(region, namespace, metric_name, dimensions, stat))
    return found if isinstance(found, AnomalyDetector) else None


def ensure(store: Store, detector: AnomalyDetector) -> None:
    """The model an anomaly detection alarm needs, made with no configuration when missing (as AWS does)."""
    if stored(store, detector) is None:
        put_detector(store, detector)


def regional_detectors(store: Store, region: str) -> list[Detector]:
    """A region's detectors, single-metric ones then metric math ones, each by key."""
    return [d for kind, decode in _decoders.items() for d in map(decode, documents.all_of(store, _KINDS[kind]))
            if d.region == region]


def delete_detector(store: Store, detector: Detector) -> None:
    documents.delete(store, _KINDS[type(detector)], [detector.key])


_decoders = {AnomalyDetector: decoder(AnomalyDetector), MathAnomalyDetector: decoder(MathAnomalyDetector)}
