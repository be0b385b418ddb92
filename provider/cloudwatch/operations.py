"""Every CloudWatch operation name -> its handler, merged from the operation modules."""

from __future__ import annotations

from provider.cloudwatch import alarms, dashboards, listing, metric_data, put, statistics, tags
from provider.cloudwatch.context import Handler

OPERATIONS: dict[str, Handler] = {
    **statistics.OPERATIONS,
    **metric_data.OPERATIONS,
    **listing.OPERATIONS,
    **put.OPERATIONS,
    **alarms.OPERATIONS,
    **dashboards.OPERATIONS,
    **tags.OPERATIONS,
}
