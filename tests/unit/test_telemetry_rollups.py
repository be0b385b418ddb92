"""provider/telemetry/tables.py and queries.py on a real DuckDB file: rollups along CloudWatch's ladder keep every
answer the same, and retention drops a resolution only past its age and once it is rolled up."""

from __future__ import annotations

from pathlib import Path

import pytest

from provider.cloudwatch.alb_series import alb_statistics
from provider.cloudwatch.model import Aggregates, Metric, SeriesQuery, Statistic, Unit
from provider.store import Store
from provider.store.telemetry_schema import stats
from provider.telemetry.tables import Tables
from tests.support.telemetry import LB, TG_V1, Request, insert

pytestmark = pytest.mark.slow

T0 = 1_700_000_000 // 86400 * 86400  # a midnight: periods of every size start there
DAY = 86400


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(str(tmp_path / "state.duckdb"))
    yield s  # type: ignore[misc]
    s.close()


def sums(store: Store, metric: str, period: int, start: int, end: int) -> dict[int, float]:
    q = SeriesQuery(Metric.of("AWS/ApplicationELB", metric, {"LoadBalancer": LB}), period, start * 1000, end * 1000)
    [a] = alb_statistics(store, [q], [Unit.COUNT])
    return dict(zip((t // 1000 for t in a.start_ms), a.sum, strict=True))


def latency(store: Store, period: int, start: int, end: int, read: frozenset[Statistic]) -> Aggregates:
    metric = Metric.of("AWS/ApplicationELB", "TargetResponseTime", {"LoadBalancer": LB, "TargetGroup": TG_V1})
    q = SeriesQuery(metric, period, start * 1000, end * 1000, percentiles=(50.0, 99.0), statistics=read)
    [a] = alb_statistics(store, [q], [Unit.SECONDS])
    return a


def rows(store: Store, resolution: int) -> int:
    """RequestCount rows of one resolution."""
    cur = store.cursor()
    [(n,)] = cur.execute(f"SELECT count(*) FROM {stats(resolution)} WHERE metric = 'RequestCount'").fetchall()
    cur.close()
    return int(n)


def test_rollups_answer_as_the_seconds_did(store: Store) -> None:
    # a request every 7 s for two hours and a bit, 5% of them 500s
    insert(store, [Request((T0 + s) * 1000, target_status=500 if s % 140 == 0 else 200)
                   for s in range(0, 2 * 3600 + 600, 7)])
    end = T0 + 3 * 3600
    before = {p: sums(store, "RequestCount", p, T0, end) for p in (60, 300, 3600)}
    errors = sums(store, "HTTPCode_Target_5XX_Count", 300, T0, end)
    tables = Tables(store)
    tables.roll_up(end)
    assert tables.rolled() == {60: end - 60, 300: end - 300, 3600: end - 3600}  # each waits for the finer one
    tables.close()
    assert {p: sums(store, "RequestCount", p, T0, end) for p in (60, 300, 3600)} == before
    assert sums(store, "HTTPCode_Target_5XX_Count", 300, T0, end) == errors
    assert sum(before[3600].values()) == len(range(0, 2 * 3600 + 600, 7))


def test_rolled_up_latency_answers_as_the_seconds_did(store: Store) -> None:
    insert(store, [Request((T0 + s) * 1000, target_s=((s + i * 37) % 500 + 1) / 1000)
                   for s in range(0, 2 * 3600, 30) for i in range(5)])
    end, extremes = T0 + 2 * 3600, frozenset({Statistic.MINIMUM, Statistic.MAXIMUM})
    before = {p: latency(store, p, T0, end, extremes) for p in (60, 300)}
    tables = Tables(store)
    tables.roll_up(T0 + 3600 + 2)  # the first hour rolled up; the second one still in seconds
    tables.close()
    for p, seconds in before.items():
        rolled = latency(store, p, T0, end, extremes)
        assert (rolled.start_ms, rolled.minimum, rolled.maximum, rolled.percentiles) == (
            seconds.start_ms, seconds.minimum, seconds.maximum, seconds.percentiles)
        alone = latency(store, p, T0, end, frozenset())  # percentiles only: the rolled rows below p50 are skipped
        assert (alone.maximum, alone.percentiles) == (seconds.maximum, seconds.percentiles)


def test_retention_follows_the_ladder(store: Store) -> None:
    insert(store, [Request((T0 + s) * 1000) for s in range(0, DAY, 60)])  # a day, a request a minute
    tables = Tables(store)
    tables.roll_up(T0 + DAY + 60)  # the day is over: seconds older than 3 hours go, minutes stay
    assert rows(store, 1) == 3 * 60 - 1 and rows(store, 60) == DAY // 60
    assert sum(sums(store, "RequestCount", 60, T0, T0 + DAY).values()) == DAY // 60
    assert sums(store, "RequestCount", 1, T0, T0 + 3600) == {}  # 1-second periods: the last 3 hours only
    tables.roll_up(T0 + 16 * DAY)  # minutes older than 15 days go; 5-minute and hourly rows answer
    assert rows(store, 60) == 0 and rows(store, 300) == DAY // 300
    assert sum(sums(store, "RequestCount", 300, T0, T0 + DAY).values()) == DAY // 60
    tables.roll_up(T0 + 64 * DAY)
    assert rows(store, 300) == 0 and rows(store, 3600) == 24
    assert sums(store, "RequestCount", 3600, T0, T0 + DAY) == {T0 + h * 3600: 60.0 for h in range(24)}
    tables.roll_up(T0 + 456 * DAY)
    assert rows(store, 3600) == 0
    tables.close()
