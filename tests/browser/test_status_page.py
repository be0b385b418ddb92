"""The status page in a real headless Chromium against a real server process: the 95/5 split, a modify-rule
reaching the open page without a reload, observed shares from the traffic counts, a target going unhealthy."""

from __future__ import annotations

import dataclasses
import json
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from provider.rollout.model import Record, Status, StepMetrics, Thresholds
from provider.rollout.wire import record_json
from tests.support.backends import Backend
from tests.support.chrome import console_errors, screenshot, wait_until
from tests.support.clients import elbv2_client
from tests.support.processes import Server, start_server
from tests.support.status_page import insert_requests, many_rules, request_row

pytestmark = pytest.mark.slow

LIVE_S = 2.0  # the bound for a change to show on an open page
HEALTH_S = 20.0
# ip targets, checked every 5 s (0.25 s at the tests' time scale), 2 results in a row flip the state
TARGET_GROUP: dict[str, Any] = {
    "Protocol": "HTTP",
    "TargetType": "ip",
    "HealthCheckIntervalSeconds": 5,
    "HealthCheckTimeoutSeconds": 2,
    "HealthyThresholdCount": 2,
    "UnhealthyThresholdCount": 2,
}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Server]:
    # Health checks 20x faster than AWS's: a 5 s interval probes every 0.25 s. A process: a test reads what
    # `serve` prints.
    s = start_server(tmp_path, process=True, health_time_scale=0.05)
    yield s
    s.stop()


def canary(elbv2: Any, stable_port: int = 9001, canary_port: int = 9002) -> dict[str, str]:
    """A load balancer with a listener on 8000 and rule 10 sending /app/* 95/5 to `stable` and `canary`."""
    lb = elbv2.create_load_balancer(Name="demo", Subnets=["subnet-a", "subnet-b"])["LoadBalancers"][0]
    groups = {}
    for name, port in (("stable", stable_port), ("canary", canary_port)):
        made = elbv2.create_target_group(Name=name, Port=port, VpcId="vpc-local", **TARGET_GROUP)["TargetGroups"]
        groups[name] = made[0]["TargetGroupArn"]
    default = [{"Type": "forward", "TargetGroupArn": groups["stable"]}]
    listener = elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Port=8000, DefaultActions=default)
    path = [{"Field": "path-pattern", "Values": ["/app/*"]}]
    listener_arn = listener["Listeners"][0]["ListenerArn"]
    rule = elbv2.create_rule(ListenerArn=listener_arn, Priority=10, Conditions=path, Actions=[split(groups, 95, 5)])
    rule = rule["Rules"][0]
    return {"lb": lb["LoadBalancerArn"], "rule": rule["RuleArn"], **groups}


def split(groups: dict[str, str], stable: int, canary: int) -> dict[str, Any]:
    weights = [
        {"TargetGroupArn": groups["stable"], "Weight": stable},
        {"TargetGroupArn": groups["canary"], "Weight": canary},
    ]
    return {"Type": "forward", "ForwardConfig": {"TargetGroups": weights}}


# Read in one script: the page swaps blocks every second, so elements found one call earlier may be gone.
_SPLITS = """
const first = document.getElementById(arguments[0]);
if (!first) return [];
const rows = [first];
for (let r = first.nextElementSibling; r && r.className === "rule-more"; r = r.nextElementSibling) rows.push(r);
return rows.map((r) => Array.from(r.querySelectorAll("td.tg, td.num"), (c) => c.innerText.trim()).slice(0, 4));
"""
_TARGET = """
for (const row of document.querySelectorAll("tr.target")) {
  const cells = Array.from(row.cells, (c) => c.innerText.trim());
  if (cells[1] === arguments[0]) return cells;
}
return [];
"""


def split_rows(driver: webdriver.Chrome, rule_arn: str) -> list[tuple[str, ...]]:
    """(group, weight, configured, observed) per target group of the rule, as the page shows them."""
    rows: list[list[str]] = driver.execute_script(_SPLITS, "rule-" + rule_arn.rsplit("/", 1)[1])
    return [tuple(r) for r in rows]


def target_cells(driver: webdriver.Chrome, port: int) -> tuple[str, ...]:
    """(id, port, state, reason, description) of the target on ``port``."""
    return tuple(driver.execute_script(_TARGET, str(port)))


def test_split_and_live_modify(served: Server, browser: webdriver.Chrome) -> None:
    elbv2 = elbv2_client(served.url)
    arns = canary(elbv2)
    assert f"status page {served.url}/ui/" in served.log.read_text()  # what `serve` prints
    browser.get(served.url + "/ui/")
    assert split_rows(browser, arns["rule"]) == [("stable", "95", "95%", "-"), ("canary", "5", "5%", "-")]
    rule_text = browser.find_element(By.ID, "rule-" + arns["rule"].rsplit("/", 1)[1]).text
    assert "path matches /app/*" in rule_text
    screenshot(browser, "split-95-5")

    browser.execute_script("window.notReloaded = true")
    elbv2.modify_rule(RuleArn=arns["rule"], Actions=[split(arns, 50, 50)])
    want = [("stable", "50", "50%", "-"), ("canary", "50", "50%", "-")]
    wait_until(browser, LIVE_S, lambda d: split_rows(d, arns["rule"]) == want)
    assert browser.execute_script("return window.notReloaded") is True
    screenshot(browser, "split-50-50")
    assert console_errors(browser) == []


def test_observed_share_from_requests(tmp_path: Path, browser: webdriver.Chrome) -> None:
    """Traffic counted per second (what the metrics reader writes) shows as the observed split and in the charts."""
    server = start_server(tmp_path)
    arns = canary(elbv2_client(server.url))
    server.stop()  # one process holds a DuckDB file: write the rows while the server is down
    lb, groups = arns["lb"].split(":loadbalancer/", 1)[1], {g: arns[g].split(":", 5)[5] for g in ("stable", "canary")}
    now_ms = int(time.time() * 1000)
    rows = [
        request_row(
            lb,
            8000,
            10,
            groups["stable" if i < 948 else "canary"],
            now_ms - 30_000 + i * 25,
            503 if i % 50 == 0 else 200,
        )
        for i in range(1000)
    ]
    insert_requests(server.db, rows)
    server = start_server(tmp_path, db=server.db)
    try:
        browser.get(server.url + "/ui/")
        assert split_rows(browser, arns["rule"]) == [("stable", "95", "95%", "94.8%"), ("canary", "5", "5%", "5.2%")]
        errors = browser.find_element(By.CSS_SELECTOR, "figure.errors figcaption").text
        assert "2.0% of 1000" in errors  # every 50th request was a 503
        screenshot(browser, "observed-94.8-5.2")
        assert console_errors(browser) == []
    finally:
        server.stop()


def test_unhealthy_target_shows_state_and_reason(served: Server, browser: webdriver.Chrome) -> None:
    backend = Backend("ok", lambda _: (200, b""))
    try:
        elbv2 = elbv2_client(served.url)
        arns = canary(elbv2, stable_port=backend.port)
        elbv2.register_targets(TargetGroupArn=arns["stable"], Targets=[{"Id": "127.0.0.1"}])
        browser.get(served.url + "/ui/")
        wait_until(browser, HEALTH_S, lambda d: target_cells(d, backend.port)[2:4] == ("healthy", ""))
        screenshot(browser, "target-healthy")
        browser.execute_script("window.notReloaded = true")
    finally:
        backend.stop()
    unhealthy = ("127.0.0.1", str(backend.port), "unhealthy", "Target.FailedHealthChecks", "Health checks failed")
    wait_until(browser, HEALTH_S, lambda d: target_cells(d, backend.port) == unhealthy)
    assert browser.execute_script("return window.notReloaded") is True
    screenshot(browser, "target-unhealthy")
    assert console_errors(browser) == []


def test_thousand_rules_start_collapsed_and_stay_open(tmp_path: Path, browser: webdriver.Chrome) -> None:
    state = many_rules(tmp_path / "state.duckdb", 1000)
    last = next(r for r in state.rules.values() if r.priority == 1000)
    stable, canary = (tg.arn for tg in last.actions[0].forward.target_groups)  # type: ignore[union-attr]
    server = start_server(tmp_path)
    try:
        browser.get(server.url + "/ui/")
        listener = browser.find_element(By.CSS_SELECTOR, "details.listener")
        assert listener.get_attribute("open") is None
        assert "(1001 rules, collapsed)" in listener.find_element(By.TAG_NAME, "summary").text
        listener.find_element(By.TAG_NAME, "summary").click()
        assert split_rows(browser, last.arn) == [("stable", "95", "95%", "95%"), ("canary", "5", "5%", "5%")]

        elbv2_client(server.url).modify_rule(
            RuleArn=last.arn, Actions=[split({"stable": stable, "canary": canary}, 0, 100)]
        )
        want = [("stable", "0", "0%", "95%"), ("canary", "100", "100%", "5%")]
        wait_until(browser, LIVE_S, lambda d: split_rows(d, last.arn) == want)
        assert browser.find_element(By.CSS_SELECTOR, "details.listener").get_attribute("open") == "true"
        browser.execute_script(
            "arguments[0].scrollIntoView()", browser.find_element(By.ID, "rule-" + last.arn.rsplit("/", 1)[1])
        )
        screenshot(browser, "rules-1000-open")
        assert console_errors(browser) == []
    finally:
        server.stop()


def put_rollout(url: str, record: Record) -> None:
    """Through the real route the `rollout` command reports to."""
    body = json.dumps(record_json(record)).encode()
    request = urllib.request.Request(f"{url}/rollouts/{record.id}", body, {"Content-Type": "application/json"},
                                     method="PUT")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200


_ROLLOUT = """
const card = document.querySelector("article.rollout");
if (!card) return null;
return {status: card.querySelector(".status").innerText, head: card.querySelector("h3").innerText,
        progress: card.querySelector(".progress").innerText,
        gates: Array.from(card.querySelectorAll("tr.gate"),
                          (r) => [r.className, ...Array.from(r.cells, (c) => c.innerText)]),
        reason: (card.querySelector(".reason") || {}).innerText || ""};
"""


def rollout_card(driver: webdriver.Chrome) -> dict[str, Any] | None:
    card: dict[str, Any] | None = driver.execute_script(_ROLLOUT)
    return card


def test_running_rollout_shows_live_then_its_rollback(served: Server, browser: webdriver.Chrome) -> None:
    arns = canary(elbv2_client(served.url))
    browser.get(served.url + "/ui/")
    assert rollout_card(browser) is None
    browser.execute_script("window.notReloaded = true")

    now = datetime.now(UTC)
    gates = Thresholds(max_error_rate=0.01, max_p99_s=0.25, min_requests=50, alarms=("canary-5xx",))
    running = Record("20261130-060000-abc123", arns["rule"], arns["canary"], arns["stable"], (10, 25, 50, 100), 30.0,
                     Status.RUNNING, 1, 25, 75, now - timedelta(seconds=40), now, thresholds=gates,
                     last=StepMetrics(120, 0, 0.018), step_ends_at=now + timedelta(seconds=25))
    put_rollout(served.url, running)
    card = wait_until(browser, LIVE_S, rollout_card)
    assert card["status"].lower() == "running"
    assert card["head"] == f"RUNNING rule 10 of demo :8000 canary over stable · {running.id}"
    assert card["progress"].startswith("step 2 of 4: canary 25 / stable 75 · ")
    assert card["progress"].endswith(" s left in step")
    assert card["gates"] == [
        ["gate ok", "error rate", "≤ 1.00%", "0.00% (0/120)"],
        ["gate ok", "p99 response time", "≤ 250 ms", "18 ms"],
        ["gate ok", "requests", "≥ 50", "120"],
        ["gate ok", "alarms", "canary-5xx", "none in ALARM"],
    ]
    screenshot(browser, "rollout")

    rolled_back = dataclasses.replace(
        running, status=Status.ROLLED_BACK, to_weight=0, from_weight=100, updated_at=datetime.now(UTC),
        last=StepMetrics(200, 9, 0.4), reason="error rate 4.50% (9/200) > max 1.00%; p99 400 ms > max 250 ms")
    put_rollout(served.url, rolled_back)
    card = wait_until(browser, LIVE_S, lambda d: (c := rollout_card(d)) and c["status"].lower() == "rolled-back" and c)
    assert card["progress"] == "step 2 of 4: canary 0 / stable 100"
    assert [g[0] for g in card["gates"]] == ["gate crossed", "gate crossed", "gate ok", "gate ok"]
    assert card["reason"] == rolled_back.reason
    assert browser.execute_script("return window.notReloaded") is True
    screenshot(browser, "rollout-rolled-back")
    assert console_errors(browser) == []
