"""Anomaly detectors in DuckDB: one document per (region, metric, stat) (provider/store/documents.py), as on AWS
where a metric and statistic have at most one model per region. The band itself is computed at query time
(band.py); a detector keeps what shapes it (excluded time ranges) and what DescribeAnomalyDetectors echoes.

>>> detector_key("us-east-1", "n", "m", (("A", "1"),), "Sum")
'["us-east-1","n","m",[["A","1"]],"Sum"]'
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from provider.store import documents
from provider.store.codec import decoder, encode

if TYPE_CHECKING:
    from provider.store.duck import Store

KIND = "anomaly-detector"
Dimensions = tuple[tuple[str, str], ...]


def detector_key(region: str, namespace: str, metric_name: str, dimensions: Dimensions, stat: str) -> str:
    return json.dumps([region, namespace, metric_name, [list(d) for d in dimensions], stat], separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class AnomalyDetector:
    region: str
    namespace: str
    metric_name: str
    dimensions: Dimensions
    stat: str
    excluded: tuple[tuple[datetime, datetime], ...] = ()  # Configuration.ExcludedTimeRanges, [start, end)
    timezone: str | None = None  # Configuration.MetricTimezone: kept, the band has no daily pattern to shift
    adaptation_speed: str | None = None  # kept and echoed, the band does not use them
    outlier_filtering: str | None = None
    periodic_spikes: bool | None = None

    @property
    def key(self) -> str:
        return detector_key(self.region, self.namespace, self.metric_name, self.dimensions, self.stat)

    @property
    def id(self) -> str:
        """AnomalyDetectorId: stable for the metric and statistic (AWS's format is not known)."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, self.key))


def put_detector(store: Store, detector: AnomalyDetector) -> None:
    documents.put(store, KIND, [(detector.key, encode(detector))])


def find(store: Store, region: str, namespace: str, metric_name: str, dimensions: Dimensions,
         stat: str) -> AnomalyDetector | None:
    """The region's detector of a metric and statistic."""
    body = documents.get(store, KIND, detector_key(region, namespace, metric_name, dimensions, stat))
    return None if body is None else _decode(body)


def regional_detectors(store: Store, region: str) -> list[AnomalyDetector]:
    """A region's detectors, by namespace, metric, dimensions and stat."""
    found = (_decode(body) for body in documents.all_of(store, KIND))
    return [d for d in found if d.region == region]


def delete_detector(store: Store, detector: AnomalyDetector) -> None:
    documents.delete(store, KIND, [detector.key])


_decode = decoder(AnomalyDetector)
