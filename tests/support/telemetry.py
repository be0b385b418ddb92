"""Requests as the handler tests and the query bench describe traffic, turned into the per-second sums the metrics
reader writes (provider/telemetry/), straight into a real DuckDB store."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from provider.settings import Settings
from provider.store import Store
from provider.store.telemetry_schema import PACKED, latency, stats
from provider.telemetry.buckets import BOUNDS
from provider.telemetry.counting import ANSWERED, RESPONSES, RULE_REQUESTS, Increments
from provider.telemetry.tables import ROLLUP_LAG_S, Tables

ANSWERED_BY = {action.value: metric for action, metric in ANSWERED.items()}


def metrics_file(db: str | Path) -> str:
    """Where a server on state file ``db`` keeps its metrics (its metrics process's file)."""
    return Settings(db=str(db)).metrics_db

LB = "app/web/50dc6c495c0c9188"
TG_V1 = "targetgroup/api-v1/73e2d6bc24d8a067"
TG_V2 = "targetgroup/api-v2/0f3a8e1c9b2d4a65"


@dataclass(frozen=True)
class Request:
    ts_ms: int
    load_balancer: str = LB
    listener_port: int = 80
    rule_priority: int = 0
    action: str = "forward"
    target_group: str | None = TG_V1
    target: str | None = "127.0.0.1:9001"
    elb_status: int = 200
    target_status: int | None = 200
    request_s: float = 0.0
    target_s: float | None = 0.01
    response_s: float = 0.0
    received_bytes: int = 100
    sent_bytes: int = 200
    client: str = "127.0.0.1:50000"
    method: str = "GET"
    url: str = "http://localhost:80/"
    protocol: str = "HTTP/1.1"
    user_agent: str = "test"
    connection_error: bool = False


def increments(rows: Sequence[Request]) -> dict[int, Increments]:
    """What Traefik's counters would have added for these requests, per second (provider/telemetry/counting.py
    maps counters, this maps requests: the two must agree, and the e2e tests hold both to real traffic)."""
    out: dict[int, Increments] = {}
    for r in rows:
        inc = out.setdefault(r.ts_ms // 1000, Increments())
        lb, tg = r.load_balancer, r.target_group or ""
        inc.add(RULE_REQUESTS, lb, 1, tg, f"{r.listener_port}/{r.rule_priority}")
        inc.add("ProcessedBytes", lb, r.received_bytes + r.sent_bytes)
        if r.action in ANSWERED_BY:
            inc.add("RequestCount", lb, 1)
            inc.add(ANSWERED_BY[r.action], lb, 1)
        elif r.target is not None:
            inc.add("RequestCount", lb, 1, tg)
        if r.connection_error:
            inc.add("TargetConnectionErrorCount", lb, 1, tg)
        if r.target_status is not None and not r.connection_error:
            inc.add(f"HTTPCode_Target_{r.target_status // 100}XX_Count", lb, 1, tg)
            inc.add("TargetResponseTime", lb, r.target_s or 0.0, tg)
            inc.add(RESPONSES, lb, 1, tg)
            hist = inc.latency.setdefault((lb, tg), defaultdict(float))
            hist[bisect.bisect_left(BOUNDS, r.target_s or 0.0)] += 1
        elif r.elb_status >= 300:
            inc.add(f"HTTPCode_ELB_{r.elb_status // 100}XX_Count", lb, 1)
            if r.elb_status in (500, 502, 503, 504):
                inc.add(f"HTTPCode_ELB_{r.elb_status}_Count", lb, 1)
    return out


def insert(store: Store, rows: Sequence[Request]) -> None:
    """Write what these requests add to the per-second sums, as the metrics reader would have."""
    tables = Tables(store)
    try:
        for second, inc in sorted(increments(rows).items()):
            tables.commit("tests", second, inc, {})
    finally:
        tables.close()


def synthetic(store: Store, start_s: int, seconds: int, rps: int) -> int:
    """``rps`` requests a second for ``seconds`` from ``start_s``, as the metrics reader would have summed them per
    second: 95% to TG_V1, 5% to TG_V2, 1% of them 500s, latencies 1..100 ms; generated inside DuckDB, then rolled up
    and aged as the server would (86M requests in about a minute)."""
    buckets = [bisect.bisect_left(BOUNDS, 0.001 + k / 1000) for k in range(100)]
    requests = (f"SELECT ? + i // {rps} AS ts_s, CASE WHEN i % 20 = 0 THEN ? ELSE ? END AS tg,"
                f" i % 100 = 7 AS failed, 0.001 + (i % 100) / 1000.0 AS s, list_extract(?, 1 + i % 100) AS bucket"
                f" FROM range(?) t(i)")
    params = [start_s, TG_V2, TG_V1, buckets, seconds * rps]
    cur = store.cursor()
    try:
        cur.execute(f"CREATE TEMP TABLE synthetic AS {requests}", params)
        for metric, value, where in (
            ("RequestCount", "count(*)", "TRUE"), ("HTTPCode_Target_2XX_Count", "count(*)", "NOT failed"),
            ("HTTPCode_Target_5XX_Count", "count(*)", "failed"), ("TargetResponseTime", "sum(s)", "TRUE"),
            (RESPONSES, "count(*)", "TRUE"),
        ):
            cur.execute(f"INSERT INTO {stats(1)} SELECT ts_s, '{metric}', ?, tg, '', {value} FROM synthetic"
                        f" WHERE {where} GROUP BY ALL ORDER BY ts_s", [LB])
        for metric, value, rule in (("ProcessedBytes", "300 * count(*)", ""), (RULE_REQUESTS, "count(*)", "80/0")):
            cur.execute(f"INSERT INTO {stats(1)} SELECT ts_s, '{metric}', ?, '', '{rule}', {value} FROM synthetic"
                        " GROUP BY ALL ORDER BY ts_s", [LB])
        cur.execute(f"INSERT INTO {latency(1)} SELECT ts_s, ?, tg, {PACKED}, NULL, NULL FROM (SELECT ts_s, tg, bucket,"
                    " count(*) AS n FROM synthetic GROUP BY ALL) GROUP BY ALL ORDER BY ts_s", [LB])
        cur.execute("DROP TABLE synthetic")
    finally:
        cur.close()
    tables = Tables(store)
    try:
        tables.roll_up(start_s + seconds + ROLLUP_LAG_S)
    finally:
        tables.close()
    return seconds * rps


def latency_history(store: Store, start_s: int, seconds: int, buckets: int = 100) -> None:
    """A second-by-second latency history of ``buckets`` distinct buckets a second for TG_V1, generated inside
    DuckDB: a metrics query over it takes a while."""
    cur = store.cursor()
    try:
        cur.execute(
            f"INSERT INTO {latency(1)} SELECT ? + s, ?, ?, list(200 + b ORDER BY b),"
            " list(1 + (s + b) % 7 ORDER BY b), NULL, NULL FROM range(?) t(s), range(?) u(b) GROUP BY s ORDER BY s",
            [start_s, LB, TG_V1, seconds, buckets],
        )
    finally:
        cur.close()
