"""What is read from the per-second sums: which rows answer a period (the coarsest resolution that divides it, and
finer rows only for the spans not rolled up yet), which metrics have data, and the status page's last minute.
The cost follows the number of periods and series asked for, never the number of requests behind them.

"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from provider.store import Store
from provider.store.telemetry_schema import RESOLUTIONS, stats
from provider.telemetry.counting import RESPONSES, RULE_REQUESTS


def rolled(cur: Any) -> dict[int, int]:
    return {int(r): int(t) for r, t in cur.execute("SELECT resolution, done_until FROM telemetry_rollups").fetchall()}


def parts(rolled: Mapping[int, int], table: Callable[[int], str], period: int, start_s: int, end_s: int
          ) -> list[tuple[int, str]]:
    """The rows that answer a query of ``period`` seconds over [start_s, end_s), as (resolution, subquery): the
    coarsest resolution that divides it, then each finer one past its coarser's last rollup (``rolled``:
    resolution -> up to when); a part with no rows in the range is left out (a past day needs no 1 s rows)."""
    parts, since = [], None
    for r in [r for r in reversed(RESOLUTIONS) if period % r == 0]:
        until = rolled.get(r, 0) if r != 1 else None
        bounds = [f"ts_s >= {since}"] if since is not None else []
        bounds += [f"ts_s < {until}"] if until is not None else []
        if (since is None or since < end_s) and (until is None or until > start_s):
            parts.append((r, f"SELECT * FROM {table(r)}" + (f" WHERE {' AND '.join(bounds)}" if bounds else "")))
        since = until
    return parts


def union(parts: Sequence[tuple[int, str]]) -> str:
    return "(" + " UNION ALL ".join(sql for _, sql in parts) + ")"


def seen(store: Store, since_ms: int | None) -> list[tuple[str, str | None, str]]:
    """(load balancer, target group or None, metric) of every request-computed metric with data (since)."""
    where, params = ("AND ts_s >= ?", [since_ms // 1000]) if since_ms is not None else ("", [])
    with store.reader() as cur:
        rows = cur.execute(
            " UNION ".join(f"SELECT DISTINCT load_balancer, target_group, metric FROM {stats(r)} WHERE rule = ''"
                           f" {where}" for r in RESOLUTIONS),
            params * len(RESOLUTIONS),
        ).fetchall()
    return [(lb, tg or None, metric) for lb, tg, metric in rows if metric != RESPONSES]


RuleKey = tuple[str, int, int]  # (load balancer 'app/<name>/<id>', listener port, rule priority; 0 = default rule)
WINDOW_S = 60  # the status page's "last minute"


@dataclass(frozen=True, slots=True)
class Series:
    """Counts per second, oldest first, over the whole window (zeros where nothing was served)."""

    requests: tuple[int, ...]
    errors: tuple[int, ...]  # responses the client got with a 5xx status


@dataclass(frozen=True, slots=True)
class Traffic:
    until_ms: int  # end of the window, exclusive: the start of the current, still filling, second
    bucket_s: int = 1
    shares: Mapping[RuleKey, Mapping[str, int]] = field(default_factory=dict)  # rule -> target group -> requests
    series: Mapping[str, Series] = field(default_factory=dict)  # load balancer -> its chart data

    def series_of(self, load_balancer: str, buckets: int) -> Series:
        return self.series.get(load_balancer) or Series((0,) * buckets, (0,) * buckets)


_PAGE = f"""
SELECT metric, load_balancer, target_group, rule, ts_s, sum(value) FROM {stats(1)}
WHERE ts_s >= ? AND ts_s < ?
  AND metric IN ('RequestCount', 'HTTPCode_Target_5XX_Count', 'HTTPCode_ELB_5XX_Count', '{RULE_REQUESTS}')
GROUP BY ALL
"""


def traffic_rows(store: Store, since: int, until: int) -> list[tuple[Any, ...]]:
    """The rows ``read_traffic`` shapes: (metric, load balancer, target group, rule, second, sum)."""
    with store.reader() as cur:
        return cur.execute(_PAGE, [since, until]).fetchall()


def read_traffic(rows_of: Callable[[int, int], Sequence[tuple[Any, ...]]], now_ms: int,
                 window_s: int = WINDOW_S) -> Traffic:
    """The last ``window_s`` whole seconds before ``now_ms``: each load balancer's requests and 5xx per second,
    and each rule's requests per target group (from ``rows_of(since, until)``: ``traffic_rows`` where they are)."""
    until = now_ms // 1000
    since = until - window_s
    rows = rows_of(since, until)
    counts: dict[str, tuple[list[int], list[int]]] = {}
    shares: dict[RuleKey, dict[str, int]] = {}
    for metric, lb, tg, rule, ts, value in rows:
        if metric == RULE_REQUESTS:
            if tg:
                port, priority = rule.split("/")
                split = shares.setdefault((lb, int(port), int(priority)), {})
                split[tg] = split.get(tg, 0) + value
            continue
        requests, errors = counts.setdefault(lb, ([0] * window_s, [0] * window_s))
        (requests if metric == "RequestCount" else errors)[ts - since] += int(value)
    series = {lb: Series(tuple(r), tuple(e)) for lb, (r, e) in counts.items()}
    rounded = {key: {tg: round(n) for tg, n in split.items()} for key, split in shares.items()}
    return Traffic(until * 1000, 1, rounded, series)
