"""The DuckDB tables of the metrics pipeline: per-second sums, rolled up on CloudWatch's retention ladder, and
each Traefik's last counter values (so a scrape after a provider restart, even kill -9, counts from where the last
committed one stopped: increments and what was counted commit in one transaction).

Rows are appended, never updated: one second may have a row per scrape and per source; readers sum them. A rollup
writes each finished span of a coarser resolution once and records how far it got (``telemetry_rollups``). Each
resolution has its own pair of tables (store/telemetry_schema.py), so retention drops whole row groups.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from provider.store import Store
from provider.store.schema import transaction
from provider.store.telemetry_schema import (
    PACKED,
    RESOLUTIONS,
    UNPACKED,
    decode_counted,
    encode_counted,
    latency,
    stats,
)
from provider.telemetry.counting import Increments

# resolution (s) -> how long its rows are kept (s): CloudWatch's ladder
LADDER: dict[int, int] = dict(zip(RESOLUTIONS, (3 * 3600, 15 * 86400, 63 * 86400, 455 * 86400), strict=True))
ROLLUP_LAG_S = 2  # a second is complete once the scrapes after it have committed



class Tables:
    """Its own cursor on the store's database, one thread at a time (the scraper, rollups and retention)."""

    def __init__(self, store: Store) -> None:
        self._lock = threading.Lock()
        self._db = store.cursor()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Any]:
        with self._lock, transaction(self._db) as db:
            yield db

    def sources(self) -> list[str]:
        """Every Traefik read before (a restarted provider reads them at once, not at their next poll)."""
        with self._lock:
            return [s for (s,) in self._db.execute("SELECT source FROM telemetry_counted").fetchall()]

    def counted(self, source: str) -> dict[str, float]:
        """What was counted of a Traefik: its series -> their last values counted."""
        with self._lock:
            row = self._db.execute("SELECT counted FROM telemetry_counted WHERE source = ?", [source]).fetchone()
        return {} if row is None else decode_counted(row[0])

    def commit(self, source: str, second: int, found: Increments, counted: Mapping[str, float]) -> None:
        """The increments of one scrape (at ``second``) and what is now counted of the source, atomically."""
        counts = [(second, m, lb, tg, rule, v) for (m, lb, tg, rule), v in found.counts.items()]
        hists = [(second, lb, tg, *map(list, zip(*sorted(hist.items()), strict=True)), None, None)
                 for (lb, tg), hist in found.latency.items() if hist]
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO telemetry_counted VALUES (?, ?)", [source, encode_counted(counted)])
            _append(db, stats(1), counts)
            _append(db, latency(1), hists)

    def rolled(self) -> dict[int, int]:
        """resolution -> the second before which its rows are complete (coarser ones only)."""
        with self._lock:
            rows = self._db.execute("SELECT resolution, done_until FROM telemetry_rollups").fetchall()
        return {int(r): int(t) for r, t in rows}

    def roll_up(self, now_s: int) -> None:
        """Write every finished span of each coarser resolution from the next finer one, then apply the ladder."""
        done = self.rolled()
        for finer, coarser in zip(RESOLUTIONS, RESOLUTIONS[1:], strict=False):
            ready = now_s - ROLLUP_LAG_S if finer == 1 else done.get(finer, 0)
            until = ready - ready % coarser
            since = done.get(coarser)
            if since is None:  # first run: start where the finer rows start
                since = self._first(finer, coarser)
            if since is None or until <= since:
                continue
            span = f"ts_s - ts_s % {coarser} AS ts_s"
            with self._transaction() as db:
                db.execute(
                    f"INSERT INTO {stats(coarser)} SELECT {span}, metric, load_balancer, target_group, rule,"
                    f" sum(value) FROM {stats(finer)} WHERE ts_s >= ? AND ts_s < ? GROUP BY ALL", [since, until],
                )
                series = "PARTITION BY ts_s, load_balancer, target_group"
                db.execute(  # with each bucket's running count, so a percentile of one span needs no window
                    f"INSERT INTO {latency(coarser)} SELECT ts_s, load_balancer, target_group,"
                    f" {PACKED}, list(cum ORDER BY bucket), max(total)"
                    f" FROM (SELECT *, sum(n) OVER ({series} ORDER BY bucket) AS cum, sum(n) OVER ({series}) AS total"
                    f" FROM (SELECT {span}, load_balancer, target_group, bucket, sum(n) AS n FROM (SELECT {UNPACKED}"
                    f" FROM {latency(finer)}) WHERE ts_s >= ? AND ts_s < ? GROUP BY ALL HAVING sum(n) > 0))"
                    " GROUP BY ALL", [since, until],
                )
                db.execute("INSERT OR REPLACE INTO telemetry_rollups VALUES (?, ?)", [coarser, until])
            done[coarser] = until
        with self._transaction() as db:
            for resolution, keep in LADDER.items():
                # a finer row goes only once it is rolled up into the next resolution
                limit = min(now_s - keep, done.get(_next(resolution), now_s))
                for name in (stats(resolution), latency(resolution)):
                    db.execute(f"DELETE FROM {name} WHERE ts_s < ?", [limit])

    def _first(self, finer: int, coarser: int) -> int | None:
        with self._lock:
            row = self._db.execute(f"SELECT min(ts_s) FROM {stats(finer)}").fetchone()
        return None if row is None or row[0] is None else int(row[0]) - int(row[0]) % coarser

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _next(resolution: int) -> int:
    at = RESOLUTIONS.index(resolution)
    return RESOLUTIONS[at + 1] if at + 1 < len(RESOLUTIONS) else resolution


def _append(db: Any, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
    if rows:
        columns = [list(c) for c in zip(*rows, strict=True)]
        db.execute(f"INSERT INTO {table} SELECT {', '.join(['unnest(?)'] * len(columns))}", columns)
