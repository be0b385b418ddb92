"""The state store: DuckDB for durability, an immutable in-memory State for every read.

Reads never touch DuckDB: ``snapshot()`` hands out the State published by the last commit. Writes go through
``with store.write() as tx:``, one writer at a time; on a clean exit the net changes are written in one DuckDB
transaction and a new State (version + 1) is published. Only provider/store/ imports duckdb; the tables and
their migrations are in provider/store/schema.py.

Durability: DuckDB appends each commit to its write-ahead log (``<db>.wal``) and fdatasync()s it before COMMIT
returns (checked with strace on duckdb 2.0.1: write + fdatasync per commit), and replays the log on open. So an
acknowledged write survives kill -9 (and power loss, once the .wal file's directory entry is on disk) with
DuckDB's defaults; nothing here may turn that off.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

import duckdb

from provider.elbv2.model import Listener, LoadBalancer, Resource, Rule, State, Tags, Target, TargetGroup, TrustStore
from provider.store.batch import Batch, Child
from provider.store.codec import decoder, dumps, encode
from provider.store.documents import create_documents
from provider.store.schema import StoreConflict, in_transaction, prepare
from provider.store.telemetry_schema import TELEMETRY_SCHEMA

OPEN_WAIT_S = 15.0


@dataclass(frozen=True)
class _Table:
    """One record type: its table, the State field holding it, and the fields lifted into real columns.

    The first ``key_len`` columns are the primary key (and the State dict key). Every other field lives in
    the ``doc`` JSON column, so a field added to model.py needs no change here.
    """

    name: str
    field: str
    columns: tuple[str, ...]
    key_len: int = 1


_TABLES: Mapping[type, _Table] = {
    LoadBalancer: _Table("load_balancers", "load_balancers", ("arn", "name")),
    TargetGroup: _Table("target_groups", "target_groups", ("arn", "name")),
    Listener: _Table("listeners", "listeners", ("arn", "load_balancer_arn", "port")),
    Rule: _Table("rules", "rules", ("arn", "listener_arn", "priority")),
    Target: _Table("targets", "targets", ("target_group_arn", "id", "port"), key_len=3),
    TrustStore: _Table("trust_stores", "trust_stores", ("arn", "name")),
}


_TAGS = Child("tags", ("arn", "position", "key", "value"), 2, unique=(2,))


class Transaction:
    """The caller's view inside ``store.write()``: read-your-writes state plus put/delete/set_tags."""

    def __init__(self, base: State) -> None:
        self._base = base
        self._work: dict[str, dict[Any, Any]] = {}  # State field -> this transaction's private copy
        self._touched: dict[str, set[Any]] = {}
        self._state: State | None = base
        self._closed = False

    @property
    def state(self) -> State:
        if self._state is None:
            # Copies, not views: a State handed out must not change under its (cached_property) indexes.
            changed = {name: MappingProxyType(dict(d)) for name, d in self._work.items()}
            self._state = _replace(self._base, self._base.version, changed)
        return self._state

    def put(self, obj: Resource) -> None:
        self._set(_table(obj).field, _key(obj), obj)

    def delete(self, obj: Resource) -> None:
        self._set(_table(obj).field, _key(obj), None)
        if not isinstance(obj, Target):  # a resource's tags go with it
            self._set("tags", obj.arn, None)

    def set_tags(self, arn: str, tags: Tags) -> None:
        self._set("tags", arn, tuple(tags) or None)

    def _set(self, name: str, key: Any, value: Any) -> None:
        """value None deletes. The first change to a State field copies that one mapping, once."""
        if self._closed:
            raise RuntimeError("transaction is closed")
        if name not in self._work:
            self._work[name] = dict(getattr(self._base, name))
            self._touched[name] = set()
        if value is None:
            self._work[name].pop(key, None)
        else:
            self._work[name][key] = value
        self._touched[name].add(key)
        self._state = None

    def _changes(self) -> dict[str, dict[Any, Any]]:
        """State field -> {key: new value or None (deleted)}, only for keys whose value really changed."""
        out: dict[str, dict[Any, Any]] = {}
        for name, keys in self._touched.items():
            base: Mapping[Any, Any] = getattr(self._base, name)
            work = self._work[name]
            diff = {k: work.get(k) for k in keys if work.get(k) != base.get(k)}
            if diff:
                out[name] = diff
        return out


class Store:
    def __init__(self, path: str) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = duckdb.connect(path)
        prepare(self._db, path)
        self._db.execute(TELEMETRY_SCHEMA)
        create_documents(self._db)
        # The version orders states within one process (compiled-config cache keys); it need not survive a
        # restart, and persisting it would cost one more statement on every commit.
        self._state = self._load(0)
        # Every statement from here on is a point read or write; DuckDB's per-statement scheduling across worker
        # threads cost ~0.06 ms of each ~0.3 ms statement (measured, duckdb 2.0.1). Durability is unaffected.
        self._db.execute("SET threads = 1")

    @classmethod
    def open(cls, path: str, wait_s: float = OPEN_WAIT_S) -> Store:
        """``Store(path)``, waiting up to ``wait_s`` while another process still holds the file (one that was
        just told to stop, or killed with its parent, lets go of it in a moment)."""
        deadline = time.monotonic() + wait_s
        while True:
            try:
                return cls(path)
            except duckdb.IOException as e:
                if "lock" not in str(e) or time.monotonic() > deadline:
                    raise
            time.sleep(0.05)

    @property
    def version(self) -> int:
        return self._state.version

    def snapshot(self) -> State:
        return self._state

    def write(self) -> contextlib.AbstractContextManager[Transaction]:
        return self._write()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """``with store.reader() as cur:`` a cursor of its own for one query's thread, closed after."""
        cur = self._db.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor on the store's database, for one thread's use (the telemetry tables' readers/writers)."""
        return self._db.cursor()

    @contextlib.contextmanager
    def _write(self) -> Iterator[Transaction]:
        with self._lock:
            tx = Transaction(self._state)
            try:
                yield tx
            finally:
                tx._closed = True
            changes = tx._changes()
            if not changes:
                return
            version = self._state.version + 1
            self._commit(changes)
            published = {name: MappingProxyType(tx._work[name]) for name in changes}  # tx is closed: hand over
            self._state = _replace(self._state, version, published)

    def _commit(self, changes: Mapping[str, Mapping[Any, Any]]) -> None:
        batch = Batch()
        state = self._state
        for table in _TABLES.values():
            diff = changes.get(table.field)
            if not diff:
                continue
            base: Mapping[Any, Any] = getattr(state, table.field)
            key_columns = table.columns[: table.key_len]
            for key, new in diff.items():
                old = base.get(key)
                # The published State mirrors the tables, so the old row is the stored one, encoded again.
                old_row = _row(table, old) if old is not None else ()
                new_row = _row(table, new) if new is not None else ()
                if old_row and new_row and old_row[:-1] == new_row[:-1]:
                    # Key and unique columns unchanged: no unique check can trip, so update the doc in place.
                    if old_row[-1] != new_row[-1]:
                        batch.update(table.name, key_columns, ("doc",), (*new_row[: table.key_len], new_row[-1]))
                else:
                    if old_row:
                        batch.delete(table.name, key_columns, old_row[: table.key_len])
                    if new_row:
                        batch.insert(table.name, new_row)
        for arn, tags in changes.get("tags", {}).items():
            old_tags = [(arn, i, k, v) for i, (k, v) in enumerate(state.tags.get(arn, ()))]
            batch.children(_TAGS, arn, old_tags, [(arn, i, k, v) for i, (k, v) in enumerate(tags or ())])
        statements = batch.statements()
        if not statements:  # equal rows from unequal objects: nothing to write
            return
        if len(statements) == 1:  # a lone statement is its own transaction (and COMMIT) and saves two round trips
            self._execute(statements)
            return
        in_transaction(self._db, lambda: self._execute(statements))

    def _execute(self, statements: list[tuple[str, list[Any]]]) -> None:
        try:
            for sql, params in statements:
                self._db.execute(sql, params)
        except duckdb.ConstraintException as e:
            raise StoreConflict(str(e)) from e

    def _load(self, version: int) -> State:
        loaded: dict[str, Mapping[Any, Any]] = {}
        for kind, table in _TABLES.items():
            d: dict[Any, Any] = {}
            for row in self._db.execute(f"SELECT {', '.join(table.columns)}, doc FROM {table.name}").fetchall():
                obj = decoder(kind)(json.loads(row[-1]) | dict(zip(table.columns, row[:-1], strict=True)))
                d[_key(obj)] = obj
            loaded[table.field] = MappingProxyType(d)
        tags: dict[str, list[tuple[str, str]]] = {}
        for arn, key, value in self._db.execute("SELECT arn, key, value FROM tags ORDER BY arn, position").fetchall():
            tags.setdefault(arn, []).append((key, value))
        loaded["tags"] = MappingProxyType({arn: tuple(ts) for arn, ts in tags.items()})
        return _replace(State(), version, loaded)


def _replace(state: State, version: int, changed: Mapping[str, Mapping[Any, Any]]) -> State:
    """A new State sharing every mapping of ``state`` except the changed ones (no cached indexes carried)."""
    current = {f.name: getattr(state, f.name) for f in fields(State) if f.name != "version"}
    return State(version=version, **(current | dict(changed)))


def _table(obj: Resource) -> _Table:
    table = _TABLES.get(type(obj))
    if table is None:
        raise TypeError(f"not a storable record: {type(obj).__name__}")
    return table


def _key(obj: Resource) -> Any:
    return obj.key if isinstance(obj, Target) else obj.arn


def _row(table: _Table, obj: Resource) -> tuple[Any, ...]:
    """The table row for obj: the lifted columns, then the doc with every other field."""
    data = encode(obj)
    assert isinstance(data, dict)
    lifted = tuple(data.pop(c) for c in table.columns)
    return (*lifted, dumps(data))
