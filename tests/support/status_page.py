"""State for status-page tests and the first-paint bench, written while no server holds the files: rules from the
domain dataclasses into the state, and traffic as the per-second sums the metrics reader writes into the metrics
file."""

from __future__ import annotations

import time
from pathlib import Path

from provider.elbv2.arns import dimension
from provider.elbv2.model import ConditionField, State
from provider.store import Store
from tests.support.builders import StateBuilder
from tests.support.conditions import cond
from tests.support.telemetry import Request, insert, metrics_file


def request_row(load_balancer: str, port: int, priority: int, group: str, ts_ms: int, status: int = 200) -> Request:
    """One forwarded GET that target ``group`` answered with ``status``."""
    return Request(ts_ms, load_balancer, port, priority, target_group=group, elb_status=status, target_status=status)


def insert_requests(db: Path, rows: list[Request]) -> None:
    """Into the metrics file of a server on state file ``db``."""
    store = Store(metrics_file(db))
    try:
        insert(store, rows)
    finally:
        store.close()


def many_rules(db: Path, rules: int, requests_per_rule: int = 20) -> State:
    """Load balancer `web`, listener 80, ``rules`` rules /s<p>/* splitting 95/5 between `stable` and `canary`,
    and ``requests_per_rule`` requests per rule a second ago (one in 20 to canary)."""
    b = StateBuilder()
    b.lb("web")
    b.listener("web", 80)
    b.tg("stable")
    b.tg("canary")
    for p in range(1, rules + 1):
        b.rule("web", 80, p, b.forward(("stable", 95), ("canary", 5)), cond(ConditionField.PATH_PATTERN, f"/s{p}/*"))
    b.rule("web", 80, None, b.forward(("stable", 1)))
    state = b.state()
    store = Store(str(db))
    try:
        with store.write() as tx:
            for kind in ("load_balancers", "target_groups", "listeners", "rules"):
                for obj in getattr(state, kind).values():
                    tx.put(obj)
    finally:
        store.close()
    lb, groups = dimension(b.lbs["web"].arn), [dimension(b.tgs[n].arn) for n in ("stable", "canary")]
    now = int(time.time() * 1000) - 1000
    rows = [
        request_row(lb, 80, p, groups[i % 20 == 0], now - i)
        for p in range(1, rules + 1)
        for i in range(requests_per_rule)
    ]
    insert_requests(db, rows)
    return state
