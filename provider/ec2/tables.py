"""EC2 networking tables (VPCs, subnets, security groups, their tags) in the Store's DuckDB file.

Every write is one DuckDB transaction on a cursor of the Store's connection, so it is as durable as the rest
(same write-ahead log). A region's rows are read once; after that reads get the state the last commit
published (this class is the tables' only writer). A region is seeded (its default VPC, subnets, security
group) on first use, by the `seed` function the domain passes in, when it has no default VPC yet.

Usage: ``with ec2.write("us-east-1") as tx: tx.put(Vpc("vpc-1", "10.0.0.0/16"))``.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from provider.ec2.model import Network, Resource, SecurityGroup, Subnet, Tags, Vpc
from provider.store import Store
from provider.store.codec import decoder, encode
from provider.store.schema import transaction

_SCHEMA = """
CREATE TABLE IF NOT EXISTS ec2_vpcs (region TEXT, id TEXT, doc TEXT NOT NULL, PRIMARY KEY (region, id));
CREATE TABLE IF NOT EXISTS ec2_subnets (
    region TEXT, id TEXT, vpc_id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (region, id));
CREATE TABLE IF NOT EXISTS ec2_security_groups (
    region TEXT, id TEXT, vpc_id TEXT NOT NULL, name TEXT NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (region, id), UNIQUE (region, vpc_id, name));
CREATE TABLE IF NOT EXISTS ec2_tags (
    region TEXT, id TEXT, position INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (region, id, key));
"""


@dataclass(frozen=True)
class _Table:
    name: str
    field: str  # the Network field holding these records
    columns: tuple[str, ...]  # lifted out of the doc into real columns, after (region, id)


_TABLES: dict[type, _Table] = {
    Vpc: _Table("ec2_vpcs", "vpcs", ()),
    Subnet: _Table("ec2_subnets", "subnets", ("vpc_id",)),
    SecurityGroup: _Table("ec2_security_groups", "security_groups", ("vpc_id", "name")),
}


_FIELDS = ("vpcs", "subnets", "security_groups", "tags")


class NetworkWrite:
    """Inside ``ec2.write(region)``: read-your-writes `state` plus put / delete / set_tags."""

    def __init__(self, base: Network) -> None:
        self._base = base
        self._work: dict[str, dict[str, Any]] = {name: dict(getattr(base, name)) for name in _FIELDS}

    @property
    def state(self) -> Network:
        vpcs, subnets, groups, tags = (dict(sorted(self._work[name].items())) for name in _FIELDS)  # as _read orders
        return Network(self._base.region, vpcs, subnets, groups, tags)

    def put(self, obj: Resource) -> None:
        self._work[_TABLES[type(obj)].field][obj.id] = obj

    def delete(self, obj: Resource) -> None:
        self._work[_TABLES[type(obj)].field].pop(obj.id, None)
        self._work["tags"].pop(obj.id, None)

    def set_tags(self, resource_id: str, tags: Tags) -> None:
        if tags:
            self._work["tags"][resource_id] = tuple(tags)
        else:
            self._work["tags"].pop(resource_id, None)

    def statements(self) -> list[tuple[str, list[Any]]]:
        """DELETE then INSERT for every row that changed (few rows per EC2 call: no batching needed)."""
        region, deletes, inserts = self._base.region, [], []
        for table in _TABLES.values():
            old, new = getattr(self._base, table.field), self._work[table.field]
            for key in old.keys() | new.keys():
                if old.get(key) == new.get(key):
                    continue
                if key in old:
                    deletes.append((f"DELETE FROM {table.name} WHERE region = ? AND id = ?", [region, key]))
                if key in new:
                    inserts.append(_insert(table, region, new[key]))
        old_tags, new_tags = self._base.tags, self._work["tags"]
        for key in old_tags.keys() | new_tags.keys():
            if old_tags.get(key) != new_tags.get(key):
                deletes.append(("DELETE FROM ec2_tags WHERE region = ? AND id = ?", [region, key]))
                for i, (k, v) in enumerate(new_tags.get(key, ())):
                    inserts.append(("INSERT INTO ec2_tags VALUES (?, ?, ?, ?, ?)", [region, key, i, k, v]))
        return deletes + inserts


def _insert(table: _Table, region: str, obj: Resource) -> tuple[str, list[Any]]:
    doc = encode(obj)
    assert isinstance(doc, dict)
    lifted = [doc[c] for c in table.columns]
    marks = ", ".join("?" for _ in range(len(lifted) + 3))
    return f"INSERT INTO {table.name} VALUES ({marks})", [region, obj.id, *lifted, json.dumps(doc, sort_keys=True)]


Seed = Callable[[NetworkWrite], None]


class Ec2Store:
    """The EC2 tables of one Store; `seed(tx)` fills a region that has never been used."""

    def __init__(self, store: Store, seed: Seed) -> None:
        self._db = store.cursor()
        self._seed = seed
        self._lock = threading.Lock()
        self._published: dict[str, Network] = {}  # region -> its state as last committed (only writer: this)
        self._db.execute(_SCHEMA)

    def load(self, region: str) -> Network:
        published = self._published.get(region)
        if published is not None:
            return published
        with self.write(region) as tx:
            return tx.state

    @contextlib.contextmanager
    def write(self, region: str) -> Iterator[NetworkWrite]:
        """One writer at a time; on a clean exit the changes commit in one transaction, else nothing is written."""
        with self._lock:
            base = self._published.get(region)
            if base is None:
                base = self._read(region)
                if not any(vpc.is_default for vpc in base.vpcs.values()):
                    seeding = NetworkWrite(base)
                    self._seed(seeding)
                    self._commit(seeding.statements())
                    base = seeding.state
                self._published[region] = base
            tx = NetworkWrite(base)
            yield tx
            statements = tx.statements()
            if statements:
                self._commit(statements)
                self._published[region] = tx.state

    def _commit(self, statements: list[tuple[str, list[Any]]]) -> None:
        if not statements:
            return
        with transaction(self._db) as db:
            for sql, params in statements:
                db.execute(sql, params)

    def _read(self, region: str) -> Network:
        records: dict[str, dict[str, Any]] = {}
        for kind, table in _TABLES.items():
            rows = self._db.execute(f"SELECT id, doc FROM {table.name} WHERE region = ? ORDER BY id", [region])
            decode = decoder(kind)
            records[table.field] = {key: decode(json.loads(doc)) for key, doc in rows.fetchall()}
        tags: dict[str, list[tuple[str, str]]] = {}
        query = "SELECT id, key, value FROM ec2_tags WHERE region = ? ORDER BY id, position"
        for key, k, v in self._db.execute(query, [region]).fetchall():
            tags.setdefault(key, []).append((k, v))
        return Network(region=region, tags={key: tuple(t) for key, t in tags.items()}, **records)
