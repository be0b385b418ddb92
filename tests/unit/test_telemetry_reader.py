"""provider/telemetry/sources.py's Reader over real HTTP and a real DuckDB file: each request Traefik's counters
show is counted once, whether the counters go on, start again (a restarted Traefik) or only the start time moves
(the clock was stepped: the boot time Traefik derives it from moves with it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provider.store import Store
from provider.store.telemetry_schema import stats
from provider.telemetry.names import Names
from provider.telemetry.sources import Reader
from provider.telemetry.tables import Tables
from tests.support.backends import Backend
from tests.support.builders import StateBuilder

SERIES = 'traefik_service_requests_total{code="200",method="GET",protocol="http",service="tg-api@http"}'


class Counters:
    """A /metrics endpoint whose counter value and start time a test sets."""

    def __init__(self) -> None:
        self.requests, self.started = 0, 1_796_000_000.5
        self.backend = Backend("metrics", lambda _: (200, self.text().encode()))

    def text(self) -> str:
        return f"process_start_time_seconds {self.started!r}\n{SERIES} {self.requests}\n"


@pytest.fixture
def counters() -> Iterator[Counters]:
    c = Counters()
    yield c
    c.backend.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(str(tmp_path / "state.duckdb"))
    yield s
    s.close()


def counted(store: Store) -> int:
    cur = store.cursor()
    [(n,)] = cur.execute(f"SELECT coalesce(sum(value), 0) FROM {stats(1)} WHERE metric = 'RequestCount'").fetchall()
    cur.close()
    return int(n)


def web_names() -> Names:
    """Load balancer `web` forwarding to group `api` (Traefik's service `tg-api`)."""
    b = StateBuilder()
    b.lb("web")
    b.listener("web", 80)
    b.tg("api")
    b.rule("web", 80, None, b.forward(("api", 1)))
    names = Names()
    names.update(b.state())
    return names


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        pytest.param([(100, 0.0), (250, 0.0), (400, 0.0)], 400, id="counting-on"),
        pytest.param([(100, 0.0), (250, 14.0), (400, -3.0), (420, 0.0)], 420, id="clock-stepped"),
        pytest.param([(100, 0.0), (250, 0.0), (30, 60.0), (90, 0.0)], 250 + 90, id="restarted"),
    ],
)
def test_each_request_is_counted_once(
    counters: Counters, store: Store, steps: list[tuple[int, float]], expected: int
) -> None:
    names = web_names()
    tables = Tables(store)
    reader = Reader(f"{counters.backend.url}/metrics", tables)
    for second, (requests, moved) in enumerate(steps):
        counters.requests, counters.started = requests, counters.started + moved
        reader.read(names, 1_796_000_100 + second)
    tables.close()
    assert counted(store) == expected


class AnswerLost(Tables):
    """A ledger across a process boundary (the metrics process) whose answer to a commit may be lost, after the
    commit was made."""

    lose = False

    def commit(self, *args: Any, **kwargs: Any) -> None:
        super().commit(*args, **kwargs)
        if self.lose:
            self.lose = False
            raise ConnectionResetError("the answer was lost")


def test_a_commit_whose_answer_is_lost_is_not_counted_twice(counters: Counters, store: Store) -> None:
    names = web_names()
    tables = AnswerLost(store)
    reader = Reader(f"{counters.backend.url}/metrics", tables)
    counters.requests = 100
    reader.read(names, 1_796_000_100)
    counters.requests, tables.lose = 250, True
    with pytest.raises(ConnectionResetError):
        reader.read(names, 1_796_000_101)  # committed: 250
    counters.requests = 300
    reader.read(names, 1_796_000_102)
    tables.close()
    assert counted(store) == 300
