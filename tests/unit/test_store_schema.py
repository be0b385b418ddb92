"""provider/store/schema.py: a state file written by an older build opens, migrated, with nothing lost."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from provider.elbv2.model import Action, ActionType, FixedResponse, Forward, Rule, TargetGroupTuple
from provider.store import Store
from provider.store.codec import dumps, encode
from provider.store.schema import SCHEMA_VERSION
from provider.store.telemetry_schema import latency
from provider.telemetry.tables import Tables
from tests.support.models import target_group

LISTENER = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/{}/73e2d6bc24d8a067"

# Version 1 had one table more; the others are unchanged in version 2.
V1_TABLE = """
CREATE TABLE rule_target_groups (
    rule_arn TEXT NOT NULL, action_index INTEGER NOT NULL, position INTEGER NOT NULL,
    target_group_arn TEXT NOT NULL, weight INTEGER NOT NULL,
    PRIMARY KEY (rule_arn, action_index, position));
UPDATE meta SET value = '1' WHERE key = 'schema_version';
"""


def forward(*weights: tuple[str, int], sticky: int | None = None) -> Action:
    groups = tuple(TargetGroupTuple(TG.format(name), weight) for name, weight in weights)
    return Action(ActionType.FORWARD, order=1, forward=Forward(groups, sticky is not None, sticky))


RULES = [
    # groups out of name order: position, not ARN, orders them
    Rule(f"{LISTENER}/r1", LISTENER, 1, (), (forward(("green", 3), ("blue", 0), ("red", 7), sticky=60),)),
    Rule(f"{LISTENER}/default", LISTENER, None, (), (forward(("blue", 1)),)),
    Rule(f"{LISTENER}/r2", LISTENER, 2, (), (Action(ActionType.FIXED_RESPONSE, fixed_response=FixedResponse("404")),)),
]


def write_v1(path: Path, rules: list[Rule]) -> None:
    """What version 1 stored: each forward's groups as rule_target_groups rows, taken out of the rule's doc."""
    Store(str(path)).close()
    db = duckdb.connect(str(path))
    db.execute(V1_TABLE)
    for rule in rules:
        data = encode(rule)
        assert isinstance(data, dict)
        arn, listener, priority = data.pop("arn"), data.pop("listener_arn"), data.pop("priority")
        actions = data["actions"]
        assert isinstance(actions, list)
        for index, action in enumerate(actions):
            assert isinstance(action, dict)
            forward = action["forward"]
            if isinstance(forward, dict):
                groups = forward.pop("target_groups")
                assert isinstance(groups, list)
                for position, group in enumerate(groups):
                    assert isinstance(group, dict)
                    row = [arn, index, position, group["arn"], group["weight"]]
                    db.execute("INSERT INTO rule_target_groups VALUES (?, ?, ?, ?, ?)", row)
        db.execute("INSERT INTO rules VALUES (?, ?, ?, ?)", [arn, listener, priority, dumps(data)])
    db.close()


def tables_of(path: Path) -> tuple[set[str], str]:
    db = duckdb.connect(str(path))
    try:
        names = {r[0] for r in db.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        assert row is not None
        return names, str(row[0])
    finally:
        db.close()


def test_a_version_1_file_opens_with_its_forward_groups_folded_into_the_rules(tmp_path: Path) -> None:
    path = tmp_path / "v1.duckdb"
    write_v1(path, RULES)
    store = Store(str(path))
    assert dict(store.snapshot().rules) == {r.arn: r for r in RULES}
    with store.write() as tx:  # and it takes writes after the migration
        tx.delete(RULES[0])
    store.close()
    names, version = tables_of(path)
    assert "rule_target_groups" not in names and version == str(SCHEMA_VERSION)
    again = Store(str(path))
    assert dict(again.snapshot().rules) == {r.arn: r for r in RULES[1:]}
    again.close()


def test_a_file_from_a_newer_build_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "v99.duckdb"
    Store(str(path)).close()
    db = duckdb.connect(str(path))
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.close()
    with pytest.raises(RuntimeError, match="schema version 99"):
        Store(str(path))


def test_a_version_2_file_takes_one_name_in_two_regions(tmp_path: Path) -> None:
    path = tmp_path / "v2.duckdb"
    Store(str(path)).close()
    db = duckdb.connect(str(path))
    for table in ("load_balancers", "target_groups"):  # version 2 kept names unique across regions
        db.execute(f"DROP TABLE {table}")
        db.execute(f"CREATE TABLE {table} (arn TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, doc TEXT NOT NULL)")
    db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    db.close()
    store = Store(str(path))
    twins = [target_group("web", arn=TG.format("web").replace("us-east-1", region)) for region in ("us-east-1",
                                                                                                   "eu-west-1")]
    with store.write() as tx:
        for twin in twins:
            tx.put(twin)
    store.close()
    again = Store(str(path))
    assert sorted(again.snapshot().target_groups) == sorted(t.arn for t in twins)
    again.close()


def test_a_version_4_file_keeps_its_latency_histograms_and_what_was_counted(tmp_path: Path) -> None:
    path = tmp_path / "v4.duckdb"
    Store(str(path)).close()
    db = duckdb.connect(str(path))  # version 4: a row per histogram bucket, a row per series counted
    for r in (1, 60):
        db.execute(f"DROP TABLE {latency(r)}")
        db.execute(f"CREATE TABLE {latency(r)} (ts_s BIGINT NOT NULL, load_balancer TEXT NOT NULL, target_group TEXT"
                   " NOT NULL, bucket SMALLINT NOT NULL, n DOUBLE NOT NULL, cum DOUBLE, total DOUBLE)")
    seconds = [(100, 7, 2.0), (100, 3, 1.0), (100, 7, 1.0), (101, 9, 4.0)]  # two sources' rows in second 100
    db.executemany(f"INSERT INTO {latency(1)} VALUES (?, 'lb', 'tg', ?, ?, NULL, NULL)", seconds)
    minute = [(60, 3, 1.0, 1.0, 4.0), (60, 7, 3.0, 4.0, 4.0)]
    db.executemany(f"INSERT INTO {latency(60)} VALUES (?, 'lb', 'tg', ?, ?, ?, ?)", minute)
    db.execute("DROP TABLE telemetry_counted")
    db.execute("CREATE TABLE telemetry_baselines (source TEXT NOT NULL, series TEXT NOT NULL, value DOUBLE NOT NULL,"
               " PRIMARY KEY (source, series))")
    counted = {"http://a/metrics": {'x_total{code="200"}': 12.0, "carry:lb:502": 0.5}, "http://b/metrics": {"y": 1e9}}
    for source, values in counted.items():
        db.executemany("INSERT INTO telemetry_baselines VALUES (?, ?, ?)", [(source, *kv) for kv in values.items()])
    db.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    db.close()
    store = Store(str(path))
    tables = Tables(store)
    assert sorted(tables.sources()) == sorted(counted)
    assert {source: tables.counted(source) for source in counted} == counted
    tables.close()
    with store.reader() as cur:
        got = {r: cur.execute(f"SELECT ts_s, buckets, counts, cum, total FROM {latency(r)} ORDER BY ts_s").fetchall()
               for r in (1, 60)}
    assert got == {1: [(100, [3, 7], [1.0, 3.0], None, None), (101, [9], [4.0], None, None)],
                   60: [(60, [3, 7], [1.0, 3.0], [1.0, 4.0], 4.0)]}
    store.close()
    names, version = tables_of(path)
    assert "telemetry_baselines" not in names and version == str(SCHEMA_VERSION)
