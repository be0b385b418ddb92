"""Small JSON documents keyed by (kind, key): CloudWatch alarms, dashboards and tags, and rollout records. Each
write is one transaction; `swap` writes only when the stored body is still the one read (a background evaluator
never overwrites a definition a client changed meanwhile).

Usage: ``put(store, "alarm", [("high-5xx", {"threshold": 1.0})])``, then ``get(store, "alarm", "high-5xx")`` ->
``{'threshold': 1.0}``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from provider.store.codec import Json

if TYPE_CHECKING:
    import duckdb

    from provider.store.duck import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    kind TEXT NOT NULL,                  -- 'alarm' | 'dashboard' | 'tags' | 'rollout' | 'anomaly-detector'
    key TEXT NOT NULL,                   -- alarm ARN, dashboard name, tagged ARN, rollout id, detector key
    body TEXT NOT NULL,                  -- the record as JSON (provider/store/codec.py)
    PRIMARY KEY (kind, key)
);
-- Alarms were keyed by name, once per account; names are unique per region, so the key is the ARN.
UPDATE documents SET key = json_extract_string(body, '$.arn') WHERE kind = 'alarm' AND key NOT LIKE 'arn:%';
"""


def create_documents(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(SCHEMA)


@contextlib.contextmanager
def _transaction(store: Store) -> Iterator[duckdb.DuckDBPyConnection]:
    cur = store.cursor()
    try:
        cur.execute("BEGIN")
        try:
            yield cur
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
    finally:
        cur.close()


def _text(body: Json) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def put(store: Store, kind: str, items: Sequence[tuple[str, Json]]) -> None:
    """Insert or replace every (key, body), all or nothing."""
    with _transaction(store) as cur:
        for key, body in items:
            cur.execute("INSERT OR REPLACE INTO documents VALUES (?, ?, ?)", [kind, key, _text(body)])


def swap(store: Store, kind: str, key: str, old: Json, new: Json) -> bool:
    """Replace the body only when it is still ``old``; False when it changed or went meanwhile."""
    with _transaction(store) as cur:
        row = cur.execute(
            "UPDATE documents SET body = ? WHERE kind = ? AND key = ? AND body = ? RETURNING key",
            [_text(new), kind, key, _text(old)],
        ).fetchone()
    return row is not None


def get(store: Store, kind: str, key: str) -> Json:
    cur = store.cursor()
    try:
        row = cur.execute("SELECT body FROM documents WHERE kind = ? AND key = ?", [kind, key]).fetchone()
    finally:
        cur.close()
    return None if row is None else json.loads(row[0])


def all_of(store: Store, kind: str) -> list[Json]:
    """Every body of a kind, ordered by key."""
    cur = store.cursor()
    try:
        rows = cur.execute("SELECT body FROM documents WHERE kind = ? ORDER BY key", [kind]).fetchall()
    finally:
        cur.close()
    return [json.loads(body) for (body,) in rows]


def delete(store: Store, kind: str, keys: Sequence[str]) -> None:
    with _transaction(store) as cur:
        for key in keys:
            cur.execute("DELETE FROM documents WHERE kind = ? AND key = ?", [kind, key])
