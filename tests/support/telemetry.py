"""Rows for the `requests` table, written straight into a real DuckDB store: the handler tests' and the query
bench's traffic (what ingestion of Traefik's access log would write)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields

from provider.store import Store

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


_TYPES = ("BIGINT", "TEXT", "INTEGER", "INTEGER", "TEXT", "TEXT", "TEXT", "INTEGER", "INTEGER", "DOUBLE", "DOUBLE",
          "DOUBLE", "BIGINT", "BIGINT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "BOOLEAN")  # Request's fields


def insert(store: Store, rows: Sequence[Request]) -> None:
    """Append rows in one statement (lists unnested column by column)."""
    names = [f.name for f in fields(Request)]
    columns = [list(c) for c in zip(*(astuple(r) for r in rows), strict=True)]
    cur = store.cursor()
    try:
        select = ", ".join(f"unnest(?::{t}[])" for t in _TYPES)
        cur.execute(f"INSERT INTO requests ({', '.join(names)}) SELECT {select}", columns)
    finally:
        cur.close()


def synthetic(store: Store, start_ms: int, seconds: int, rps: int) -> int:
    """``rps`` requests a second for ``seconds`` from ``start_ms``: 95% to TG_V1, 5% to TG_V2, 1% of them 5xx,
    latencies spread over 1-100 ms; generated inside DuckDB (864k rows in about a second)."""
    cur = store.cursor()
    try:
        cur.execute(
            "INSERT INTO requests SELECT ? + i * 1000 // ? AS ts_ms, ?, 80, 1, 'forward',"
            " CASE WHEN i % 20 = 0 THEN ? ELSE ? END, '127.0.0.1:' || (9001 + i % 3)::TEXT,"
            " CASE WHEN i % 100 = 7 THEN 500 ELSE 200 END, CASE WHEN i % 100 = 7 THEN 500 ELSE 200 END,"
            " 0.0, 0.001 + (i % 100) / 1000.0, 0.0, 100, 200, '127.0.0.1:50000', 'GET', 'http://localhost/',"
            " 'HTTP/1.1', 'bench', FALSE FROM range(?) t(i)",
            [start_ms, rps, LB, TG_V2, TG_V1, seconds * rps],
        )
    finally:
        cur.close()
    return seconds * rps
