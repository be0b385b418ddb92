"""Moving the metrics out of a state file of before the metrics process (provider/metricsserver/): the rows of
its tables and its CloudWatch documents go to the metrics file once; the state file keeps the empty tables.

A DuckDB transaction writes to one file, so a move is three: the state file notes a move (a token, in its
``meta``); the rows are copied into the metrics file with that token; the state's rows and its note are deleted.
A move cut short is finished at the next start: it copies again only if the metrics file lacks the token.
"""

from __future__ import annotations

import uuid

from provider.store.duck import Store
from provider.store.telemetry_schema import RESOLUTIONS, latency, stats

METRICS_TABLES = ("metric_data", "telemetry_rollups", "telemetry_counted",
                  *(t(r) for r in RESOLUTIONS for t in (stats, latency)))
METRICS_DOCUMENTS = ("alarm", "dashboard", "tags", "anomaly-detector")  # 'rollout' stays: the server's
_DOCUMENTS = f"documents WHERE kind IN ({', '.join(repr(k) for k in METRICS_DOCUMENTS)})"
_MOVING = "moving_metrics"  # the state's note
_MOVED = "moved_from_state"  # the metrics file's


def move_metrics(store: Store, target: str) -> int:
    """Move the metrics from ``store``'s file to ``target`` (not open elsewhere); the rows moved."""
    if target == ":memory:":
        return 0
    cur = store.cursor()
    try:
        sources = [*METRICS_TABLES, _DOCUMENTS]
        total = sum(cur.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in sources)
        if not total:
            return 0
        Store(target).close()  # the metrics file, with every table
        noted = cur.execute("SELECT value FROM meta WHERE key = ?", [_MOVING]).fetchall()
        token = noted[0][0] if noted else str(uuid.uuid4())
        cur.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [_MOVING, token])
        cur.execute("ATTACH ? AS metrics", [target])
        try:
            cur.execute("BEGIN")
            if not cur.execute("SELECT 1 FROM metrics.meta WHERE key = ? AND value = ?", [_MOVED, token]).fetchall():
                for table in METRICS_TABLES:
                    names = ", ".join(c for (c,) in cur.execute(
                        "SELECT column_name FROM information_schema.columns WHERE table_catalog = 'metrics'"
                        " AND table_name = ? ORDER BY ordinal_position", [table]).fetchall())
                    cur.execute(f"INSERT INTO metrics.{table} ({names}) SELECT {names} FROM {table}")
                cur.execute(f"INSERT OR REPLACE INTO metrics.documents SELECT * FROM {_DOCUMENTS}")
                cur.execute("INSERT OR REPLACE INTO metrics.meta VALUES (?, ?)", [_MOVED, token])
            cur.execute("COMMIT")
        finally:
            cur.execute("DETACH metrics")
        cur.execute("BEGIN")
        for table in sources:
            cur.execute(f"DELETE FROM {table}")
        cur.execute("DELETE FROM meta WHERE key = ?", [_MOVING])
        cur.execute("COMMIT")
        return int(total)
    finally:
        cur.close()
