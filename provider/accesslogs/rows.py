"""The ``requests`` table's writer: rows and the read position of their access log commit in one transaction, so
a request is counted exactly once whatever stops when (provider/accesslogs/tail.py); and retention. On a cursor
of the Store's connection.

    log = RequestLog(store, INGEST_SELECT)       # the query that turns lines into rows (accesslogs/ingest.py)
    log.set_routes(*resolver.tables())
    log.commit(Position("listener80", "2049:1234", 0), Position("listener80", "2049:1234", 8192), lines)
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from provider.accesslogs.record import COLUMNS, Request
from provider.store import Store
from provider.store.schema import transaction
from provider.store.telemetry_schema import TELEMETRY_SCHEMA

_COLUMNS = ", ".join(COLUMNS)
_ROUTES = """
CREATE TEMP TABLE IF NOT EXISTS _routes (
    rule_key TEXT PRIMARY KEY, load_balancer TEXT, listener_port INTEGER, rule_priority INTEGER, action TEXT);
CREATE TEMP TABLE IF NOT EXISTS _route_groups (rule_key TEXT, service TEXT, target_group TEXT);
"""


@dataclass(frozen=True, slots=True)
class Position:
    source: str  # one Traefik's access log, e.g. 'listener80'
    file_id: str  # 'device:inode' of the file read
    offset: int  # bytes consumed


class PositionMoved(Exception):
    """The stored position is not where this reader started: another reader got there first; nothing was written."""


class RequestLog:
    """Its own DuckDB connection (a cursor of the store's), used from one thread at a time."""

    def __init__(self, store: Store, ingest_select: str = "") -> None:
        self._lock = threading.Lock()
        self._db = store.cursor()
        self._db.execute(TELEMETRY_SCHEMA)  # idempotent: whichever of ingestion and queries starts first
        self._db.execute(_ROUTES)  # temporary: this connection's own
        self._insert = f"INSERT INTO requests ({_COLUMNS}) {ingest_select}"

    def set_routes(self, routes: Sequence[tuple[object, ...]], groups: Sequence[tuple[object, ...]]) -> None:
        """Replace the tables the ingest query resolves router and service names with."""
        with self._transaction() as db:
            db.execute("DELETE FROM _routes")
            db.execute("DELETE FROM _route_groups")
            for table, rows in (("_routes", routes), ("_route_groups", groups)):
                if rows:
                    columns = [list(c) for c in zip(*rows, strict=True)]
                    db.execute(f"INSERT INTO {table} SELECT {', '.join(['unnest(?)'] * len(columns))}", columns)

    def positions(self) -> dict[str, Position]:
        with self._lock:
            rows = self._db.execute("SELECT source, file_id, offset_bytes FROM log_positions").fetchall()
        return {s: Position(s, f, int(o)) for s, f, o in rows}

    def commit(
        self, start: Position | None, end: Position, lines: Sequence[str], returning: bool = False
    ) -> tuple[int, list[Request]]:
        """Insert the rows of ``lines`` and move ``end.source`` from ``start`` (None: no position yet) to ``end``,
        atomically. Returns how many rows, and the rows themselves when ``returning``."""
        inserted: list[Request] = []
        count = 0
        with self._transaction() as db:
            found = db.execute(
                "SELECT file_id, offset_bytes FROM log_positions WHERE source = ?", [end.source]
            ).fetchone()
            if (found and (found[0], int(found[1]))) != (start and (start.file_id, start.offset)):
                raise PositionMoved(f"{end.source}: stored {found}, expected {start}")
            if lines and returning:
                inserted = [Request(*r) for r in db.execute(f"{self._insert} RETURNING {_COLUMNS}", [lines]).fetchall()]
                count = len(inserted)
            elif lines:
                row = db.execute(self._insert, [lines]).fetchone()
                count = int(row[0]) if row else 0
            db.execute("INSERT OR REPLACE INTO log_positions VALUES (?, ?, ?)", [end.source, end.file_id, end.offset])
        return count, inserted

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Any]:
        with self._lock, transaction(self._db) as db:
            yield db

    def delete_before(self, ts_ms: int) -> int:
        """Retention: drop requests that completed before ``ts_ms``; returns how many."""
        with self._lock:
            row = self._db.execute("DELETE FROM requests WHERE ts_ms < ?", [ts_ms]).fetchone()
        return int(row[0]) if row else 0

    def count(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT count(*) FROM requests").fetchone()
        return int(row[0]) if row else 0

    def since(self, ts_ms: int) -> list[Request]:
        """Requests completed at or after ``ts_ms``, oldest first (tests and tools)."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM requests WHERE ts_ms >= ? ORDER BY ts_ms", [ts_ms]
            ).fetchall()
        return [Request(*r) for r in rows]

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Any read of the telemetry tables (tools, tests, the README's example)."""
        with self._lock:
            return self._db.execute(sql).fetchall()

    def close(self) -> None:
        with self._lock:
            self._db.close()
