"""provider/store/split.py on real DuckDB files: the metrics of a state file of before the metrics process move to
the metrics file once, whole, and a move cut short is finished without copying twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from provider.store import Store, documents, move_metrics
from provider.store.telemetry_schema import stats
from tests.support.telemetry import Request, insert


def rows(db: str, sql: str) -> list[Any]:
    store = Store(db)
    try:
        with store.reader() as cur:
            return cur.execute(sql).fetchall()
    finally:
        store.close()


def old_state(path: Path) -> Store:
    """A state file as the server wrote it before the metrics process: traffic, an alarm, a rollout record."""
    store = Store(str(path))
    insert(store, [Request(1_796_000_000_000 + i * 10) for i in range(100)])
    documents.put(store, "alarm", [("arn:aws:cloudwatch:us-east-1:123456789012:alarm:a", {"name": "a"})])
    documents.put(store, "rollout", [("r-1", {"id": "r-1"})])
    return store


COUNT = f"SELECT sum(value) FROM {stats(1)} WHERE metric = 'RequestCount'"
KINDS = "SELECT kind FROM documents ORDER BY kind"


def test_the_metrics_move_once_and_the_rest_stays(tmp_path: Path) -> None:
    store, target = old_state(tmp_path / "state.duckdb"), str(tmp_path / "state.metrics.duckdb")
    assert move_metrics(store, target) > 0
    assert move_metrics(store, target) == 0  # nothing left to move
    with store.reader() as cur:
        assert cur.execute(COUNT).fetchall() == [(None,)]
        assert cur.execute(KINDS).fetchall() == [("rollout",)]
    store.close()
    assert rows(target, COUNT) == [(100.0,)]
    assert rows(target, KINDS) == [("alarm",)]


def test_a_move_cut_short_after_the_copy_only_deletes(tmp_path: Path) -> None:
    state, target = tmp_path / "state.duckdb", str(tmp_path / "state.metrics.duckdb")
    store = old_state(state)
    assert move_metrics(store, target) > 0
    store.close()
    # As if the server died between the copy and the delete: the rows are back in the state, and both files hold
    # the move's token.
    store = old_state(state)
    with store.reader() as cur:
        cur.execute("INSERT INTO meta VALUES ('moving_metrics', 'cut-short')")
    store.close()
    metrics = Store(target)
    with metrics.reader() as cur:
        cur.execute("UPDATE meta SET value = 'cut-short' WHERE key = 'moved_from_state'")
    metrics.close()
    store = Store(str(state))
    assert move_metrics(store, target) > 0
    with store.reader() as cur:
        assert cur.execute(COUNT).fetchall() == [(None,)]
        assert cur.execute("SELECT * FROM meta WHERE key = 'moving_metrics'").fetchall() == []
    store.close()
    assert rows(target, COUNT) == [(100.0,)]  # not 200


def test_nothing_moves_for_a_store_in_memory(tmp_path: Path) -> None:
    store = old_state(tmp_path / "state.duckdb")
    assert move_metrics(store, ":memory:") == 0
    store.close()
