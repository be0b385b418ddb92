"""The status page's pure parts: rules in words, the view built from a State, the HTML and its block stubs."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from typing import Any

import pytest

from provider.elbv2.arns import dimension
from provider.elbv2.model import (
    Action,
    ActionType,
    ClaimFormat,
    Condition,
    ConditionField,
    FixedResponse,
    Forward,
    JwtClaim,
    JwtValidation,
    QueryPair,
    Redirect,
    State,
    Target,
    TargetGroupTuple,
)
from provider.rollout.model import Record, Status, StepMetrics, Thresholds
from provider.telemetry.queries import Series, Traffic
from provider.ui.render import body_html, page_html
from provider.ui.rollouts import RECENT_FINISHED, gates, rollout_views
from provider.ui.view import Split, TargetStatus, build_page
from provider.ui.words import action_in_words, conditions_in_words
from tests.support.builders import StateBuilder
from tests.support.conditions import cond
from tests.support.models import T0


def state(weights: tuple[int, int] = (95, 5), path: str = "/app/*") -> State:
    """Load balancer demo, listener 8000: rule 10 ``path`` -> stable/canary by ``weights``, default -> stable;
    one target in each of stable and canary, and a group `idle` no rule uses."""
    b = StateBuilder()
    b.lb("demo")
    b.listener("demo", 8000)
    for name in ("stable", "canary", "idle"):
        b.tg(name)
        b.targets.append(Target(b.tgs[name].arn, "127.0.0.1", 9000 + len(b.tgs), T0))
    split = b.forward(("stable", weights[0]), ("canary", weights[1]))
    b.rule("demo", 8000, 10, split, cond(ConditionField.PATH_PATTERN, path))
    b.rule("demo", 8000, None, b.forward(("stable", 1)))
    return b.state()


ARNS = {x.name: x.arn for x in (*state().load_balancers.values(), *state().target_groups.values())}
LB, STABLE, CANARY = ARNS["demo"], ARNS["stable"], ARNS["canary"]


@pytest.mark.parametrize(
    ("conditions", "words"),
    [
        pytest.param((), "every request", id="none"),
        pytest.param((cond(ConditionField.PATH_PATTERN, "/app/*"),), "path matches /app/*", id="path-wildcard"),
        pytest.param((cond(ConditionField.PATH_PATTERN, "/health"),), "path is /health", id="path-exact"),
        pytest.param(
            (cond(ConditionField.HOST_HEADER, "a.example.com", "b.example.com"),),
            "host is a.example.com or b.example.com",
            id="hosts-or",
        ),
        pytest.param(
            (cond(ConditionField.HTTP_HEADER, "on", header="X-Canary"),), "header X-Canary is on", id="header"
        ),
        pytest.param((cond(ConditionField.HTTP_REQUEST_METHOD, "GET", "HEAD"),), "method is GET or HEAD", id="method"),
        pytest.param((cond(ConditionField.SOURCE_IP, "10.0.0.0/8"),), "source IP in 10.0.0.0/8", id="source-ip"),
        pytest.param(
            (Condition(ConditionField.QUERY_STRING, query=(QueryPair("v", "2"), QueryPair(None, "beta"))),),
            "query has v=2 or beta",
            id="query",
        ),
        pytest.param(
            (cond(ConditionField.HOST_HEADER, "*.example.com"), cond(ConditionField.PATH_PATTERN, "/api/*")),
            "host matches *.example.com and path matches /api/*",
            id="and-across",
        ),
    ],
)
def test_conditions_in_words(conditions: tuple[Condition, ...], words: str) -> None:
    assert conditions_in_words(conditions) == words


@pytest.mark.parametrize(
    ("action", "words"),
    [
        pytest.param(Action(ActionType.FORWARD, forward=Forward((TargetGroupTuple(STABLE),))), "forward", id="fwd"),
        pytest.param(
            Action(ActionType.FORWARD, forward=Forward((TargetGroupTuple(STABLE),), True, 3600)),
            "forward, sticky for 3600 s",
            id="sticky",
        ),
        pytest.param(
            Action(ActionType.REDIRECT, redirect=Redirect("HTTP_301", protocol="HTTPS", port="443")),
            "redirect 301 to https://#{host}:443/#{path}?#{query}",
            id="redirect",
        ),
        pytest.param(
            Action(ActionType.FIXED_RESPONSE, fixed_response=FixedResponse("503", "text/plain")),
            "fixed response 503 (text/plain)",
            id="fixed",
        ),
        pytest.param(
            Action(ActionType.JWT_VALIDATION, 1, jwt_validation=JwtValidation(
                "https://idp/jwks", "https://idp", (JwtClaim(ClaimFormat.SINGLE_STRING, "client_id", ("a",)),))),
            "check the bearer token (RS256, issuer https://idp, client_id)",
            id="jwt",
        ),
    ],
)
def test_action_in_words(action: Action, words: str) -> None:
    assert action_in_words(action) == words


def health(target: Target) -> TargetStatus:
    if target.target_group_arn == CANARY:
        return TargetStatus("unhealthy", "Target.Timeout", "Request timed out")
    return TargetStatus("healthy")


def traffic(counts: dict[str, int]) -> Traffic:
    rule = (dimension(LB), 8000, 10)
    return Traffic(60_000, 1, {rule: {dimension(arn): n for arn, n in counts.items()}}, {})


@pytest.mark.parametrize(
    ("weights", "served", "splits"),
    [
        pytest.param(
            (95, 5),
            {STABLE: 948, CANARY: 52},
            (Split("stable", 95, 95.0, 948, 94.8), Split("canary", 5, 5.0, 52, 5.2)),
            id="95-5-observed",
        ),
        pytest.param(
            (95, 5), {}, (Split("stable", 95, 95.0, 0, None), Split("canary", 5, 5.0, 0, None)), id="no-traffic"
        ),
        pytest.param(
            (0, 0),
            {STABLE: 3},
            (Split("stable", 0, 0.0, 3, 100.0), Split("canary", 0, 0.0, 0, 0.0)),
            id="zero-weights",
        ),
    ],
)
def test_rule_splits(weights: tuple[int, int], served: dict[str, int], splits: tuple[Split, ...]) -> None:
    page = build_page(state(weights), health, traffic(served), 60)
    rules = page.load_balancers[0].listeners[0].rules
    assert [(r.priority, r.conditions) for r in rules] == [
        ("10", "path matches /app/*"),
        ("default", "every other request (default rule)"),
    ]
    assert rules[0].splits == pytest.approx(splits)
    assert rules[0].requests == sum(served.values())


def test_groups_targets_and_series() -> None:
    series = Series((0,) * 59 + (7,), (0,) * 59 + (1,))
    page = build_page(state(), health, Traffic(60_000, 1, {}, {dimension(LB): series}), 60)
    lb = page.load_balancers[0]
    assert [(g.name, [(t.port, t.status.state, t.status.reason) for t in g.targets]) for g in lb.groups] == [
        ("canary", [(9002, "unhealthy", "Target.Timeout")]),
        ("stable", [(9001, "healthy", None)]),
    ]
    assert [g.name for g in page.idle_groups] == ["idle"]
    assert lb.series == series
    assert page_html(page).count("<polyline") == 2


def test_values_are_escaped() -> None:
    html = page_html(build_page(state(path="/<script>alert(1)</script>*"), health, traffic({}), 60))
    assert "<script>alert" not in html
    assert "path matches /&lt;script&gt;alert(1)&lt;/script&gt;*" in html


def test_blocks_the_browser_has_come_back_as_stubs() -> None:
    page = build_page(state(), health, traffic({}), 60)
    full = body_html(page)
    digests = re.findall(r'data-digest="([0-9a-f]+)"', full)
    assert len(digests) == 4  # the load balancer, its listener, its groups, the idle groups
    listener = re.search(r'id="ls-[0-9a-f]+" data-digest="([0-9a-f]+)"', full)
    assert listener is not None
    stubbed = body_html(page, frozenset({listener[1]}))
    assert f'data-digest="{listener[1]}" data-keep></details>' in stubbed
    assert stubbed.count("data-keep") == 1
    changed = body_html(build_page(state((50, 50)), health, traffic({}), 60), frozenset(digests))
    assert changed.count("data-keep") == 3  # only the listener with the modified rule comes back whole


STATE = state()
RULE10 = next(r.arn for r in STATE.rules.values() if r.priority == 10)
LISTENER = next(iter(STATE.listeners))
NOW = T0 + timedelta(hours=1)
GATES = Thresholds(max_error_rate=0.01, max_p99_s=0.5, min_requests=50, alarms=("canary-5xx",))


def record(rid: str = "r1", started: timedelta = timedelta(minutes=-1), **changes: Any) -> Record:
    """Rollout ``rid`` of rule 10 to canary in 10,25,50,100, at step 2 (25%), reported a second ago."""
    base = Record(rid, RULE10, CANARY, STABLE, (10, 25, 50, 100), 30.0, Status.RUNNING, 1, 25, 75, NOW + started,
                  NOW - timedelta(seconds=1), thresholds=GATES, step_ends_at=NOW + timedelta(seconds=12))
    return dataclasses.replace(base, **changes)


R10 = "rule 10 of demo :8000"


@pytest.mark.parametrize(
    ("changes", "status", "target", "left", "measured", "states"),
    [
        pytest.param({"last": StepMetrics(200, 1, 0.012)}, Status.RUNNING, R10, 12.0,
                     "0.50% (1/200) | 12 ms | 200 | none in ALARM", "ok ok ok ok", id="running-all-gates-ok"),
        pytest.param({"last": StepMetrics(200, 10, 0.9), "alarms_firing": ("canary-5xx",)}, Status.RUNNING, R10, 12.0,
                     "5.00% (10/200) | 900 ms | 200 | canary-5xx in ALARM", "crossed crossed ok crossed",
                     id="running-gates-crossed"),
        pytest.param({"last": StepMetrics(20, 10, 0.9), "step_ends_at": NOW - timedelta(seconds=3)}, Status.RUNNING,
                     R10, 0.0, "50.00% (10/20) | 900 ms | 20 | none in ALARM", "pending pending pending ok",
                     id="too-few-requests-waits-past-the-interval"),
        pytest.param({"thresholds": Thresholds(min_requests=0), "target": LISTENER}, Status.RUNNING,
                     "default action of demo :8000", 12.0, "- | - | -", "pending pending pending",
                     id="listener-no-gates-nothing-measured"),
        pytest.param({"updated_at": NOW - timedelta(seconds=60), "target": RULE10 + "0",
                      "last": StepMetrics(60, 0, None)},
                     Status.ABANDONED, RULE10.split(":", 5)[5] + "0 (not found)", None,
                     "0.00% (0/60) | - | 60 | none in ALARM", "ok pending ok ok",
                     id="stale-heartbeat-abandoned-rule-deleted"),
        pytest.param({"status": Status.ROLLED_BACK, "to_weight": 0, "from_weight": 100}, Status.ROLLED_BACK, R10, None,
                     "- | - | - | -", "pending pending pending pending", id="rolled-back-no-time-left"),
    ],
)
def test_rollout_view(
    changes: dict[str, Any], status: Status, target: str, left: float | None, measured: str, states: str
) -> None:
    (view,) = rollout_views([record(**changes)], STATE, NOW)
    assert (view.status, view.target, view.left_s) == (status, target, left)
    assert " | ".join(g.measured for g in view.gates) == measured
    assert " ".join(g.state for g in view.gates) == states
    assert (view.canary, view.stable, view.step, view.steps) == ("canary", "stable", 1, (10, 25, 50, 100))


@pytest.mark.parametrize(
    ("thresholds", "words"),
    [
        pytest.param(GATES, "error rate ≤ 1.00% | p99 response time ≤ 500 ms | requests ≥ 50 | alarms canary-5xx",
                     id="all-gates"),
        pytest.param(Thresholds(min_requests=0), "error rate not gated | p99 response time not gated | requests ≥ 0",
                     id="no-gates"),
    ],
)
def test_gate_thresholds_in_words(thresholds: Thresholds, words: str) -> None:
    assert " | ".join(f"{g.name} {g.threshold}" for g in gates(thresholds, None, ())) == words


def test_running_rollouts_first_then_the_last_few_finished() -> None:
    finished = [
        record(f"done-{i}", status=Status.SUCCEEDED, updated_at=NOW - timedelta(minutes=10 - i)) for i in range(7)
    ]
    running = [record("run-old", timedelta(minutes=-5)), record("run-new", timedelta(minutes=-2))]
    views = rollout_views([*finished, *running], STATE, NOW)
    assert [v.id for v in views] == ["run-new", "run-old", *[f"done-{i}" for i in range(6, 6 - RECENT_FINISHED, -1)]]


def test_rollout_block_escapes_and_shows_step_weights_and_time_left() -> None:
    hostile = record("<img src=x onerror=alert(1)>", reason="<script>alert(2)</script>", last=StepMetrics(80, 0, 0.01))
    page = build_page(STATE, health, traffic({}), 60, rollout_views([hostile], STATE, NOW))
    html = page_html(page)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "step 2 of 4: canary <b>25</b> / stable <b>75</b> &middot; 12 s left in step" in html
    assert '<li class="done">10%</li><li class="now">25%</li><li class="next">50%</li>' in html
    assert body_html(page).startswith('<section id="rollouts"')
    assert 'id="rollouts"' not in body_html(build_page(STATE, health, traffic({}), 60))
