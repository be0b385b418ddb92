from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from provider.elbv2.model import (
    Action,
    ActionType,
    Certificate,
    Condition,
    ConditionField,
    FixedResponse,
    Forward,
    HealthCheck,
    Listener,
    LoadBalancer,
    ProtocolName,
    QueryPair,
    Redirect,
    Rule,
    State,
    Target,
    TargetGroup,
    TargetGroupTuple,
)
from provider.store import Store, StoreConflict, Transaction
from provider.store.duck import Resource
from tests.support.models import target_group

pytestmark = pytest.mark.slow

T0 = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
LB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
LISTENER_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"


def lb(name: str = "web", arn: str = LB_ARN) -> LoadBalancer:
    return LoadBalancer(
        arn=arn,
        name=name,
        dns_name=f"{name}.elb.localhost",
        scheme="internet-facing",
        ip_address_type="ipv4",
        vpc_id="vpc-1",
        subnets=("subnet-a", "subnet-b"),
        security_groups=("sg-1",),
        created_time=T0,
        attributes=(("idle_timeout.timeout_seconds", "60"),),
    )


def tg(name: str = "blue") -> TargetGroup:
    return target_group(
        name,
        port=8080,
        health_check=HealthCheck(path="/healthz", interval_seconds=10, matcher="200-299"),
        created=T0,
        attributes={"stickiness.enabled": "true", "stickiness.type": "lb_cookie"},
    )


def listener(port: int = 80, arn: str = LISTENER_ARN) -> Listener:
    return Listener(
        arn=arn,
        load_balancer_arn=LB_ARN,
        port=port,
        protocol=ProtocolName.HTTPS,
        ssl_policy="ELBSecurityPolicy-2016-08",
        certificates=(Certificate("arn:aws:acm:us-east-1:123456789012:certificate/x", is_default=True),),
        alpn_policy=("HTTP2Preferred",),
    )


def forward(*names: str) -> Action:
    groups = tuple(TargetGroupTuple(tg(n).arn, weight=i + 1) for i, n in enumerate(names))
    return Action(ActionType.FORWARD, order=1, forward=Forward(groups, stickiness_enabled=True, stickiness_duration=60))


def rule(priority: int | None = 5, arn: str = "", actions: tuple[Action, ...] = ()) -> Rule:
    return Rule(
        arn=arn or f"{LISTENER_ARN.replace(':listener/', ':listener-rule/')}/{priority}",
        listener_arn=LISTENER_ARN,
        priority=priority,
        conditions=(
            Condition(ConditionField.PATH_PATTERN, ("/api/*",)),
            Condition(ConditionField.HTTP_HEADER, ("a*",), header_name="X-Env"),
            Condition(ConditionField.QUERY_STRING, query=(QueryPair(None, "v"), QueryPair("k", "w*"))),
            Condition(ConditionField.HOST_HEADER, ("example.com",), legacy=True),
        ),
        actions=actions or (forward("blue", "green"),),
    )


def target(ip: str = "127.0.0.1", port: int = 9000, draining: datetime | None = None) -> Target:
    return Target(tg().arn, ip, port, registered_at=T0, availability_zone="us-east-1a", draining_since=draining)


RECORDS: list[Resource] = [
    lb(),
    tg(),
    listener(),
    rule(),
    rule(None, actions=(forward("blue"),)),
    rule(7, actions=(Action(ActionType.REDIRECT, order=1, redirect=Redirect("HTTP_301", protocol="HTTPS")),)),
    rule(8, actions=(Action(ActionType.FIXED_RESPONSE, fixed_response=FixedResponse("404", "text/plain", "no")),)),
    target(),
    target("10.0.0.2", draining=T0.astimezone(timezone(timedelta(hours=2)))),
]


def committed(store: Store, *records: Resource) -> None:
    with store.write() as tx:
        for record in records:
            tx.put(record)


def contents(state: State) -> State:
    """The state without its version: versions order states within one process and restart at 0."""
    return replace(state, version=0)


def reopened(path: Path, store: Store) -> State:
    store.close()
    again = Store(str(path))
    try:
        return again.snapshot()
    finally:
        again.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "state.duckdb"


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_put_delete_and_tags_survive_reopen(db: Path, record: Resource) -> None:
    store = Store(str(db))
    committed(store, *RECORDS)
    with store.write() as tx:
        tx.set_tags(LB_ARN, (("team", "web"), ("env", "dev")))
        tx.set_tags(tg().arn, (("a", "1"),))
    before = store.snapshot()
    after = reopened(db, store)
    assert contents(after) == contents(before)
    assert after.tags == {LB_ARN: (("team", "web"), ("env", "dev")), tg().arn: (("a", "1"),)}

    store = Store(str(db))
    with store.write() as tx:
        tx.delete(record)
        tx.set_tags(tg().arn, ())
    before = store.snapshot()
    assert before.version == after.version + 1
    assert contents(reopened(db, store)) == contents(before)
    assert all(record not in m.values() for m in (before.load_balancers, before.rules, before.targets))
    assert tg().arn not in before.tags
    assert (LB_ARN in before.tags) == (record != lb())  # deleting a resource drops its tags


def test_every_record_and_nested_value_round_trips(db: Path) -> None:
    store = Store(str(db))
    committed(store, *RECORDS)
    state = reopened(db, store)
    # repr, not ==, so that a 1 coming back as "1" or True would show; datetimes come back in UTC.
    expected = [replace(r, draining_since=T0) if isinstance(r, Target) and r.draining_since else r for r in RECORDS]
    stored = (state.load_balancers, state.target_groups, state.listeners, state.rules, state.targets)
    assert sorted(map(repr, expected)) == sorted(repr(r) for m in stored for r in m.values())


@pytest.mark.parametrize(
    ("change", "bumps"),
    [
        pytest.param(lambda tx: None, 0, id="empty"),
        pytest.param(lambda tx: tx.put(lb()), 0, id="put-identical"),
        pytest.param(lambda tx: tx.delete(tg("absent")), 0, id="delete-absent"),
        pytest.param(lambda tx: (tx.put(tg("x")), tx.delete(tg("x"))), 0, id="put-then-delete"),
        pytest.param(lambda tx: tx.set_tags("arn:absent", ()), 0, id="untag-absent"),
        pytest.param(lambda tx: tx.put(lb("renamed")), 1, id="replace"),
        pytest.param(lambda tx: (tx.put(tg("x")), tx.put(tg("y")), tx.set_tags(LB_ARN, (("k", "v"),))), 1, id="many"),
    ],
)
def test_version_bumps_once_per_changing_commit(db: Path, change: Callable[..., object], bumps: int) -> None:
    store = Store(str(db))
    committed(store, lb())
    old = store.snapshot()
    with store.write() as tx:
        change(tx)
    assert store.version == store.snapshot().version == old.version + bumps
    assert (store.snapshot() is old) == (bumps == 0)
    assert contents(reopened(db, store)) == contents(store.snapshot())


def test_snapshot_is_immutable_and_tx_reads_its_own_writes() -> None:
    store = Store(":memory:")
    committed(store, lb(), tg())
    old = store.snapshot()
    old_rules_by_listener = old.rules_by_listener
    with store.write() as tx:
        tx.put(listener())
        tx.put(rule())
        assert tx.state.rules_by_listener[LISTENER_ARN] == (rule(),)
        seen = tx.state
        tx.delete(tg())
        assert tg().arn in seen.target_groups and tg().arn not in tx.state.target_groups
        assert store.snapshot() is old
    assert old.listeners == {} and old.rules == {} and tg().arn in old.target_groups
    assert old.rules_by_listener is old_rules_by_listener and old_rules_by_listener == {}
    assert store.snapshot().rules == {rule().arn: rule()}
    with pytest.raises(TypeError):
        old.rules[rule().arn] = rule()  # type: ignore[index]
    with pytest.raises(RuntimeError):
        tx.put(lb())  # the transaction is over


def test_exception_inside_with_writes_nothing(db: Path) -> None:
    store = Store(str(db))
    committed(store, lb())
    old = store.snapshot()
    with pytest.raises(KeyError), store.write() as tx:
        tx.put(tg())
        tx.delete(lb())
        raise KeyError("boom")
    assert store.snapshot() is old
    assert contents(reopened(db, store)) == contents(old)


@pytest.mark.parametrize(
    "clash",
    [
        pytest.param((listener(80, "arn:l1"), listener(80, "arn:l2")), id="two-listeners-one-port"),
        pytest.param((rule(5, "arn:r1"), rule(5, "arn:r2")), id="duplicate-priority"),
    ],
)
def test_constraint_violation_is_a_conflict_and_writes_nothing(db: Path, clash: tuple[Resource, Resource]) -> None:
    store = Store(str(db))
    committed(store, clash[0])
    old = store.snapshot()
    with pytest.raises(StoreConflict, match="(?i)constraint"), store.write() as tx:
        tx.put(tg("innocent"))
        tx.put(clash[1])
    assert store.snapshot() is old
    committed(store, tg("after"))  # the store is still usable
    assert store.version == old.version + 1
    assert tg("innocent").arn not in reopened(db, store).target_groups


def test_a_lone_conflicting_statement_is_a_conflict_and_writes_nothing(db: Path) -> None:
    """One statement runs without BEGIN/COMMIT (its own transaction): a failure must leave no transaction open."""
    store = Store(str(db))
    committed(store, listener(80, "arn:l1"))
    old = store.snapshot()
    with pytest.raises(StoreConflict, match="(?i)constraint"), store.write() as tx:
        tx.put(listener(80, "arn:l2"))
    assert store.snapshot() is old
    committed(store, tg("after"), tg("again"))
    assert contents(reopened(db, store)) == contents(store.snapshot())


def test_priority_swap_in_one_transaction(db: Path) -> None:
    a, b = rule(5, "arn:a"), rule(10, "arn:b")
    store = Store(str(db))
    committed(store, a, b, rule(None, "arn:default"))
    with store.write() as tx:
        tx.put(replace(a, priority=10))
        tx.put(replace(b, priority=5))
    state = reopened(db, store)
    assert (state.rules["arn:a"].priority, state.rules["arn:b"].priority) == (10, 5)


@pytest.mark.parametrize("count", [pytest.param(2, id="few-rows"), pytest.param(12, id="many-rows")])
def test_shifting_every_priority_by_one_then_deleting_all(db: Path, count: int) -> None:
    rules = [rule(p, f"arn:r{p}") for p in range(1, count + 1)]
    store = Store(str(db))
    committed(store, *rules)
    committed(store, *(replace(r, priority=r.priority + 1) for r in rules if r.priority))
    assert sorted(r.priority or 0 for r in reopened(db, store).rules.values()) == list(range(2, count + 2))
    store = Store(str(db))
    with store.write() as tx:
        for r in rules:
            tx.delete(r)
    assert reopened(db, store).rules == {}


CHILD = """
import sys
from datetime import UTC, datetime
from provider.elbv2.model import Target
from provider.store import Store
store = Store(sys.argv[1])
for i in range(100000):
    with store.write() as tx:
        tx.put(Target("arn:tg", f"10.0.{i // 250}.{i % 250}", 80, registered_at=datetime.now(UTC)))
    print(i, flush=True)
"""


def test_acknowledged_writes_survive_kill_9(db: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(db)], stdout=subprocess.PIPE, text=True, cwd=root)
    assert child.stdout is not None
    acknowledged = []
    try:
        for line in child.stdout:
            acknowledged.append(int(line))
            if len(acknowledged) == 300:
                break
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert len(acknowledged) == 300
    store = Store(str(db))
    targets = {t.id for t in store.snapshot().targets.values()}
    store.close()
    assert {f"10.0.{i // 250}.{i % 250}" for i in acknowledged} <= targets
    assert len(targets) >= len(acknowledged)


def test_concurrent_writers_serialize(db: Path) -> None:
    store = Store(str(db))
    threads, per_thread = 8, 25

    def work(n: int) -> None:
        for i in range(per_thread):
            with store.write() as tx:
                count = int(dict(tx.state.tags.get("counter", ())).get("n", "0"))
                tx.set_tags("counter", (("n", str(count + 1)),))
                tx.put(target(f"10.{n}.0.{i}"))

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    state = store.snapshot()
    assert state.version == threads * per_thread
    assert len(state.targets) == threads * per_thread
    assert state.tags["counter"] == (("n", str(threads * per_thread)),)
    assert contents(reopened(db, store)) == contents(state)


def test_naive_datetime_is_refused_before_anything_is_written() -> None:
    store = Store(":memory:")
    with pytest.raises(ValueError, match="naive"), store.write() as tx:
        tx.put(replace(lb(), created_time=datetime(2024, 1, 1)))
    assert store.version == 0 and store.snapshot().load_balancers == {}


class Resourceer:
    """Stands in for the store's DuckDB connection and records each statement it passes on."""

    def __init__(self, db: Any) -> None:
        self.db, self.sql = db, list[str]()

    def execute(self, sql: str, *params: Any) -> Any:
        self.sql.append(sql.split()[0])
        return self.db.execute(sql, *params)


def recorded(store: Store, change: Callable[[Transaction], object]) -> list[str]:
    """The statements one commit ran: BEGIN, UPDATE, ..."""
    recorder = Resourceer(store._db)
    store._db = recorder  # type: ignore[assignment]
    try:
        with store.write() as tx:
            change(tx)
    finally:
        store._db = recorder.db
    return recorder.sql


def weighted(rule: Rule, *weights: int) -> Rule:
    (action,) = rule.actions
    assert action.forward
    groups = tuple(replace(g, weight=w) for g, w in zip(action.forward.target_groups, weights, strict=True))
    return replace(rule, actions=(replace(action, forward=replace(action.forward, target_groups=groups)),))


EDITS = [
    pytest.param(lambda r: replace(r, conditions=r.conditions[:1]), ["UPDATE"], id="conditions"),
    pytest.param(lambda r: weighted(r, 7, 9), ["UPDATE"], id="weights"),
    pytest.param(lambda r: weighted(replace(r, conditions=()), 7, 2), ["UPDATE"], id="both"),
    pytest.param(lambda r: replace(r, actions=(forward("green", "red", "blue"),)), ["UPDATE"], id="groups"),
    pytest.param(
        lambda r: replace(r, actions=(Action(ActionType.FIXED_RESPONSE, fixed_response=FixedResponse("503")),)),
        ["UPDATE"],
        id="no-forward",
    ),
    pytest.param(lambda r: replace(r, priority=6), ["BEGIN", "DELETE", "INSERT", "COMMIT"], id="priority"),
]


@pytest.mark.parametrize(("edit", "statements"), EDITS)
def test_modify_rule_takes_the_fewest_statements_and_round_trips(
    db: Path, edit: Callable[[Rule], Rule], statements: list[str]
) -> None:
    store = Store(str(db))
    other = rule(9, "arn:other", (forward("blue"),))
    committed(store, rule(), other)
    changed = edit(rule())
    assert recorded(store, lambda tx: tx.put(changed)) == statements
    state = store.snapshot()
    assert state.rules[changed.arn] == changed
    again = reopened(db, store)
    for name in ("blue", "green", "red"):
        expected = {r.arn for r in (changed, other) if tg(name).arn in r.target_group_arns}
        assert {r.arn for r in again.rules_by_target_group.get(tg(name).arn, ())} == expected
    assert contents(again) == contents(state)


@pytest.mark.parametrize(
    ("change", "statements"),
    [
        pytest.param(lambda tx: tx.put(replace(lb(), dns_name="x")), ["UPDATE"], id="lb-doc"),
        pytest.param(lambda tx: tx.put(replace(lb(), name="x")), ["BEGIN", "DELETE", "INSERT", "COMMIT"], id="lb-name"),
        pytest.param(lambda tx: tx.put(replace(listener(), ssl_policy="x")), ["UPDATE"], id="listener-doc"),
        pytest.param(lambda tx: tx.put(target(draining=T0)), ["UPDATE"], id="target-doc"),
        pytest.param(lambda tx: tx.put(rule(6, "arn:new")), ["INSERT"], id="create-rule"),
        pytest.param(lambda tx: tx.set_tags(LB_ARN, (("a", "1"), ("b", "9"))), ["UPDATE"], id="tag-value"),
        pytest.param(
            lambda tx: tx.set_tags(LB_ARN, (("b", "2"), ("a", "1"))),
            ["BEGIN", "DELETE", "INSERT", "COMMIT"],
            id="tag-order",
        ),
        pytest.param(lambda tx: tx.set_tags(LB_ARN, ()), ["DELETE"], id="untag"),
        pytest.param(lambda tx: tx.delete(rule(8, "arn:fixed", fixed())), ["DELETE"], id="delete-rule-no-forward"),
        pytest.param(lambda tx: tx.delete(rule()), ["DELETE"], id="delete-rule"),
    ],
)
def test_each_change_takes_the_fewest_statements_and_round_trips(
    db: Path, change: Callable[[Transaction], object], statements: list[str]
) -> None:
    store = Store(str(db))
    committed(store, lb(), listener(), rule(), rule(8, "arn:fixed", fixed()), target())
    with store.write() as tx:
        tx.set_tags(LB_ARN, (("a", "1"), ("b", "2")))
    assert recorded(store, change) == statements
    assert contents(reopened(db, store)) == contents(store.snapshot())


def fixed() -> tuple[Action, ...]:
    return (Action(ActionType.FIXED_RESPONSE, fixed_response=FixedResponse("404")),)


@pytest.mark.parametrize("count", [pytest.param(2, id="few-rows"), pytest.param(12, id="many-rows")])
def test_many_updates_in_one_commit(db: Path, count: int) -> None:
    """Swapped priorities, new conditions and new weights on many rules at once (the joined UPDATE past a few)."""
    rules = [rule(p, f"arn:r{p}") for p in range(1, count + 1)]
    store = Store(str(db))
    committed(store, *rules)
    with store.write() as tx:
        for r in rules:
            assert r.priority
            tx.put(weighted(replace(r, priority=count + 1 - r.priority, conditions=()), r.priority, 50))
            tx.set_tags(r.arn, (("n", str(r.priority)),))
    state = store.snapshot()
    assert sorted(r.priority or 0 for r in state.rules.values()) == list(range(1, count + 1))
    assert contents(reopened(db, store)) == contents(state)
    store = Store(str(db))
    with store.write() as tx:
        for r in rules:
            tx.put(weighted(r, 3, 4))
            tx.set_tags(r.arn, (("n", "x"),))
    state = store.snapshot()
    assert state.rules == {r.arn: weighted(r, 3, 4) for r in rules}
    assert {r.arn for r in state.rules_by_target_group[tg("green").arn]} == {r.arn for r in rules}
    committed(store, *(replace(r, conditions=r.conditions[1:]) for r in state.rules.values()))
    state = store.snapshot()
    assert all(len(r.conditions) == 3 for r in state.rules.values())
    assert contents(reopened(db, store)) == contents(state)


def test_swap_with_other_changes_in_one_transaction(db: Path) -> None:
    a, b = rule(5, "arn:a"), rule(10, "arn:b")
    store = Store(str(db))
    committed(store, a, b)
    with store.write() as tx:
        tx.put(weighted(replace(a, priority=10), 1, 99))
        tx.put(replace(b, priority=5, conditions=()))
    state = store.snapshot()
    assert (state.rules["arn:a"].priority, state.rules["arn:b"].priority) == (10, 5)
    assert contents(reopened(db, store)) == contents(state)
