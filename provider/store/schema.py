"""The DuckDB schema, and the migrations that bring a file written by an older build up to SCHEMA_VERSION.

Each record type is one table: its key and unique columns lifted out, every other field in the ``doc`` JSON
column (provider/store/codec.py). Tags are rows of their own, so a tag's uniqueness is a SQL constraint.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable, Iterator
from typing import Any

import duckdb

from provider.store.codec import dumps
from provider.store.telemetry_schema import PACKED, RESOLUTIONS, TELEMETRY_SCHEMA, encode_counted, latency

SCHEMA_VERSION = 5

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE load_balancers (arn TEXT PRIMARY KEY, name TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE target_groups (arn TEXT PRIMARY KEY, name TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE listeners (
    arn TEXT PRIMARY KEY, load_balancer_arn TEXT NOT NULL, port INTEGER NOT NULL, doc TEXT NOT NULL,
    UNIQUE (load_balancer_arn, port));
CREATE TABLE rules (
    arn TEXT PRIMARY KEY, listener_arn TEXT NOT NULL, priority INTEGER, doc TEXT NOT NULL,
    UNIQUE (listener_arn, priority));
CREATE TABLE targets (
    target_group_arn TEXT NOT NULL, id TEXT NOT NULL, port INTEGER NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (target_group_arn, id, port));
CREATE TABLE tags (
    arn TEXT NOT NULL, position INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (arn, position), UNIQUE (arn, key));
CREATE TABLE trust_stores (arn TEXT PRIMARY KEY, name TEXT NOT NULL, doc TEXT NOT NULL);
"""


def prepare(db: duckdb.DuckDBPyConnection, path: str) -> None:
    """Create the tables in a new file, or migrate an older one; refuse a file from a newer build."""
    if not db.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = 'meta'").fetchall():
        in_transaction(db, lambda: _create(db))
    found = _version(db)
    while found in _MIGRATIONS and found < SCHEMA_VERSION:
        in_transaction(db, functools.partial(_MIGRATIONS[found], db))
        found = _version(db)
    if found != SCHEMA_VERSION:
        raise RuntimeError(f"{path}: schema version {found}, this build knows {SCHEMA_VERSION}")


def _create(db: duckdb.DuckDBPyConnection) -> None:
    db.execute(_SCHEMA)
    db.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])


def _fold_rule_target_groups(db: duckdb.DuckDBPyConnection) -> None:
    """1 -> 2: version 1 kept each forward's target groups in a table of their own (rule_target_groups); no
    query read it, so version 2 keeps them in the rule's doc, where the codec puts them."""
    groups: dict[str, dict[int, list[dict[str, object]]]] = {}
    # Ordered by position: a forward's groups come back in the order they were given, not sorted by ARN.
    for rule_arn, index, arn, weight in db.execute(
        "SELECT rule_arn, action_index, target_group_arn, weight FROM rule_target_groups"
        " ORDER BY rule_arn, action_index, position"
    ).fetchall():
        groups.setdefault(rule_arn, {}).setdefault(index, []).append({"arn": arn, "weight": weight})
    for rule_arn, doc in db.execute("SELECT arn, doc FROM rules").fetchall():
        data = json.loads(doc)
        forwards = [(i, a["forward"]) for i, a in enumerate(data.get("actions", [])) if a.get("forward") is not None]
        for index, forward in forwards:
            forward["target_groups"] = groups.get(rule_arn, {}).get(index, [])
        if forwards:
            db.execute("UPDATE rules SET doc = ? WHERE arn = ?", [dumps(data), rule_arn])
    db.execute("DROP TABLE rule_target_groups")
    db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")


def _names_per_region(db: duckdb.DuckDBPyConnection) -> None:
    """2 -> 3: names are unique per region, not per file (the domain checks them, region by region), so the
    UNIQUE (name) of load balancers and target groups goes; DuckDB drops a constraint only with its table."""
    for table in ("load_balancers", "target_groups"):
        db.execute(f"CREATE TABLE {table}_v3 (arn TEXT PRIMARY KEY, name TEXT NOT NULL, doc TEXT NOT NULL)")
        db.execute(f"INSERT INTO {table}_v3 SELECT arn, name, doc FROM {table}")
        db.execute(f"DROP TABLE {table}")
        db.execute(f"ALTER TABLE {table}_v3 RENAME TO {table}")
    db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")


def _trust_stores(db: duckdb.DuckDBPyConnection) -> None:
    """3 -> 4: trust stores (ELBv2 mutual TLS) get their table."""
    db.execute("CREATE TABLE IF NOT EXISTS trust_stores (arn TEXT PRIMARY KEY, name TEXT NOT NULL, doc TEXT NOT NULL)")
    db.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")


def _packed_telemetry(db: duckdb.DuckDBPyConnection) -> None:
    """4 -> 5: a span's latency histogram of a group is one row of lists, not a row per bucket; what was counted of
    a Traefik is one row (telemetry_counted, in place of telemetry_baselines' row per series)."""
    tables = {n for (n,) in db.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
    rows = {n for (n,) in db.execute("SELECT table_name FROM duckdb_columns() WHERE column_name = 'bucket'").fetchall()}
    old = [r for r in RESOLUTIONS if latency(r) in rows]
    for r in old:
        db.execute(f"ALTER TABLE {latency(r)} RENAME TO {latency(r)}_v4")
    db.execute(TELEMETRY_SCHEMA)
    for r in old:
        rolled = "list(cum ORDER BY bucket), max(total)" if r > 1 else "NULL, NULL"
        db.execute(
            f"INSERT INTO {latency(r)} SELECT ts_s, load_balancer, target_group, {PACKED}, {rolled} FROM"
            " (SELECT ts_s, load_balancer, target_group, bucket, sum(n) AS n,"
            f" max(cum) AS cum, max(total) AS total FROM {latency(r)}_v4 GROUP BY ALL) GROUP BY ALL ORDER BY ts_s"
        )
        db.execute(f"DROP TABLE {latency(r)}_v4")
    if "telemetry_baselines" in tables:
        counted: dict[str, dict[str, float]] = {}
        for source, series, value in db.execute("SELECT source, series, value FROM telemetry_baselines").fetchall():
            counted.setdefault(source, {})[series] = value
        for source, values in counted.items():
            db.execute("INSERT INTO telemetry_counted VALUES (?, ?)", [source, encode_counted(values)])
        db.execute("DROP TABLE telemetry_baselines")
    db.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")


_MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {
    1: _fold_rule_target_groups,
    2: _names_per_region,
    3: _trust_stores,
    4: _packed_telemetry,
}


def _version(db: duckdb.DuckDBPyConnection) -> int:
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None:
        raise RuntimeError("meta table has no 'schema_version'")
    return int(row[0])


class StoreConflict(Exception):
    """A DuckDB constraint rejected the commit (duplicate name, port, priority...); nothing was written."""


@contextlib.contextmanager
def transaction(db: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """``with transaction(cursor) as db:`` BEGIN ... COMMIT; roll back and re-raise on any error, a constraint's
    as StoreConflict."""
    db.execute("BEGIN")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException as error:
        with contextlib.suppress(duckdb.Error):
            db.execute("ROLLBACK")
        if isinstance(error, duckdb.ConstraintException):
            raise StoreConflict(str(error)) from error
        raise


def fetched(cur: duckdb.DuckDBPyConnection, chunk: int = 256) -> list[Any]:
    """The rows of the statement ``cur`` just ran, a chunk at a time: turning rows into Python objects holds the
    GIL, and a day at 60 s in one piece (~2 ms) would keep the event loop from it (bench/metrics_stalls.py)."""
    rows: list[Any] = []
    while found := cur.fetchmany(chunk):
        rows += found
    return rows


def in_transaction(db: duckdb.DuckDBPyConnection, work: Callable[[], None]) -> None:
    """Run ``work`` between BEGIN and COMMIT; roll back and re-raise on any error."""
    with transaction(db):
        work()
