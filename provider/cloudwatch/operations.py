"""Every CloudWatch operation name -> its handler, merged from the operation modules."""

from __future__ import annotations

from provider.cloudwatch import alarms, anomaly_detectors, dashboards, listing, metric_data, put, statistics, tags
from provider.cloudwatch.context import Handler

OPERATIONS: dict[str, Handler] = {
    **statistics.OPERATIONS,
    **metric_data.OPERATIONS,
    **listing.OPERATIONS,
    **put.OPERATIONS,
    **alarms.OPERATIONS,
    **anomaly_detectors.OPERATIONS,
    **dashboards.OPERATIONS,
    **tags.OPERATIONS,
}
