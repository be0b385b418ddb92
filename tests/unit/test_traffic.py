"""provider/store/traffic.py against a real DuckDB file: shares per rule and per-second series, window edges."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from provider.store import Store
from provider.store.telemetry_schema import TELEMETRY_SCHEMA
from provider.store.traffic import Series, read_traffic

LB = "app/demo/50dc6c495c0c9188"
OTHER = "app/other/0123456789abcdef"
STABLE = "targetgroup/stable/73e2d6bc24d8a067"
CANARY = "targetgroup/canary/9a3c6b8e2f1d4c70"
NOW = 1_700_000_060_500  # half a second into a second: the window is [NOW - 60.5 s, NOW - 0.5 s)
UNTIL = NOW - 500


def row(ts_ms: int, group: str | None = STABLE, status: int = 200, lb: str = LB, priority: int = 10) -> tuple[Any, ...]:
    return (ts_ms, lb, 8000, priority, "forward" if group else "fixed-response", group, None, status, None, 0.0,
            None, 0.0, 1, 1, "127.0.0.1:1", "GET", "http://demo:8000/", "HTTP/1.1", "curl", False)  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = Store(str(tmp_path / "state.duckdb"))
    yield s
    s.close()


def insert(store: Store, rows: list[tuple[Any, ...]]) -> None:
    cursor = store.cursor()
    cursor.execute(TELEMETRY_SCHEMA)
    if rows:
        cursor.executemany(f"INSERT INTO requests VALUES ({', '.join('?' * 20)})", rows)
    cursor.close()


def test_no_requests_table_is_no_traffic(store: Store) -> None:
    traffic = read_traffic(store, NOW)
    assert (traffic.until_ms, dict(traffic.shares), dict(traffic.series)) == (UNTIL, {}, {})
    assert traffic.series_of(LB, 60) == Series((0,) * 60, (0,) * 60)


def test_shares_per_rule_and_group(store: Store) -> None:
    rows = [row(UNTIL - 1000 - i, STABLE if i < 95 else CANARY) for i in range(100)]
    rows += [row(UNTIL - 2000, STABLE, priority=0), row(UNTIL - 2000, None, priority=20)]  # default rule; no group
    rows += [row(UNTIL - 60_001), row(UNTIL)]  # just before the window, and in the second still filling
    insert(store, rows)
    shares = read_traffic(store, NOW).shares
    assert {k: dict(v) for k, v in shares.items()} == {
        (LB, 8000, 10): {STABLE: 95, CANARY: 5},
        (LB, 8000, 0): {STABLE: 1},
    }


def test_series_per_second_with_5xx(store: Store) -> None:
    oldest, newest = UNTIL - 60_000, UNTIL - 1
    rows = [row(oldest), row(oldest + 999, status=503), row(newest, status=502), row(newest, lb=OTHER)]
    rows += [row(UNTIL - 30_000 + i, status=200 if i % 4 else 500) for i in range(8)]
    insert(store, rows)
    series = read_traffic(store, NOW).series
    requests, errors = [0] * 60, [0] * 60
    requests[0], errors[0] = 2, 1
    requests[30], errors[30] = 8, 2
    requests[59], errors[59] = 1, 1
    assert series[LB] == Series(tuple(requests), tuple(errors))
    assert sum(series[OTHER].requests) == 1
