"""What the status page reads from the `requests` table: each rule's split between its target groups over the
last minute, and each load balancer's request and 5xx counts in one-second buckets.

Reads only: until ingestion has created the table, every answer is empty traffic.

Usage: ``read_traffic(store, now_ms=61_500).shares[("app/web/50dc6c495c0c9188", 80, 10)]`` gives the
rule's requests per target group, e.g. ``{"targetgroup/blue/73e2d6bc24d8a067": 950, "targetgroup/green/...": 50}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import duckdb

from provider.store.duck import Store

RuleKey = tuple[str, int, int]  # (load balancer 'app/<name>/<id>', listener port, rule priority; 0 = default rule)

WINDOW_S = 60  # the page's "last minute"
BUCKET_S = 1  # one chart point per second

_SHARES = """
SELECT load_balancer, listener_port, rule_priority, target_group, count(*)
FROM requests WHERE ts_ms >= ? AND ts_ms < ? AND target_group IS NOT NULL
GROUP BY ALL
"""
_RATES = """
SELECT load_balancer, (ts_ms - ?) // ? AS bucket, count(*), count(*) FILTER (WHERE elb_status >= 500)
FROM requests WHERE ts_ms >= ? AND ts_ms < ?
GROUP BY ALL
"""


@dataclass(frozen=True, slots=True)
class Series:
    """Counts per bucket, oldest first, over the whole window (zeros where nothing was served)."""

    requests: tuple[int, ...]
    errors: tuple[int, ...]  # responses the client got with a 5xx status


@dataclass(frozen=True, slots=True)
class Traffic:
    until_ms: int  # end of the window, exclusive: the start of the current, still filling, second
    bucket_s: int = BUCKET_S
    shares: Mapping[RuleKey, Mapping[str, int]] = field(default_factory=dict)  # rule -> target group -> requests
    series: Mapping[str, Series] = field(default_factory=dict)  # load balancer -> its chart data

    def series_of(self, load_balancer: str, buckets: int) -> Series:
        return self.series.get(load_balancer) or Series((0,) * buckets, (0,) * buckets)


def read_traffic(store: Store, now_ms: int, window_s: int = WINDOW_S, bucket_s: int = BUCKET_S) -> Traffic:
    """The last ``window_s`` whole seconds before ``now_ms`` (the current second is still filling)."""
    bucket_ms = bucket_s * 1000
    until = now_ms - now_ms % bucket_ms
    since = until - window_s * 1000
    buckets = window_s // bucket_s
    cursor = store.cursor()
    try:
        share_rows = cursor.execute(_SHARES, [since, until]).fetchall()
        rate_rows = cursor.execute(_RATES, [since, bucket_ms, since, until]).fetchall()
    except duckdb.CatalogException:  # no `requests` table yet: nothing has been served
        return Traffic(until, bucket_s)
    finally:
        cursor.close()
    shares: dict[RuleKey, dict[str, int]] = {}
    for lb, port, priority, group, count in share_rows:
        shares.setdefault((lb, port, priority), {})[group] = count
    counts: dict[str, tuple[list[int], list[int]]] = {}
    for lb, bucket, count, errors in rate_rows:
        requests, failed = counts.setdefault(lb, ([0] * buckets, [0] * buckets))
        requests[bucket] = count
        failed[bucket] = errors
    series = {lb: Series(tuple(r), tuple(e)) for lb, (r, e) in counts.items()}
    return Traffic(until, bucket_s, shares, series)
