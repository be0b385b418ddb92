"""provider/telemetry/counting.py and exposition.py: Traefik's counter increments -> ALB's, case by case."""

from __future__ import annotations

from dataclasses import replace

import pytest

from provider.elbv2.arns import dimension
from provider.elbv2.model import ConditionField
from provider.telemetry.buckets import BOUNDS
from provider.telemetry.counting import Carry, increments
from provider.telemetry.exposition import Scrape
from provider.telemetry.names import Names
from tests.support.builders import StateBuilder, fixed
from tests.support.conditions import cond

ROUTER = "web-80-p10-r0001000000000050@http"  # StateBuilder's names for the rules below
FIXED = "web-80-default-d0000000000000050@http"
SERVICE = 'service="tg-v1@http"'


def web(*groups: str) -> StateBuilder:
    """Load balancer web, its listener on port 80, and these target groups."""
    s = StateBuilder()
    s.lb("web")
    s.listener("web", 80)
    for group in groups:
        s.tg(group)
    return s


def names() -> tuple[Names, str, str]:
    s = web("v1")
    s.rule("web", 80, 10, s.forward(("v1", 1)), cond(ConditionField.PATH_PATTERN, "/a"))
    s.rule("web", 80, None, fixed("no", "404"))
    n = Names()
    n.update(s.state())
    return n, dimension(s.lbs["web"].arn), dimension(s.tgs["v1"].arn)


def served(code: int, n: float, size: float, router: str = ROUTER) -> dict[str, float]:
    labels = f'code="{code}",method="GET",protocol="http"'
    return {
        f"traefik_service_requests_total{{{labels},{SERVICE}}}": n,
        f"traefik_service_responses_bytes_total{{{labels},{SERVICE}}}": size,
        f"traefik_router_requests_total{{{labels},router=\"{router}\",service=\"tg-v1@http\"}}": n,
    }


def test_target_answers_count_per_group_with_their_latency() -> None:
    n, lb, tg = names()
    le = f'le="{BOUNDS[400]}"'
    deltas = served(200, 5, 100) | {
        f'traefik_service_request_duration_seconds_bucket{{code="200",method="GET",protocol="http",{SERVICE},{le}}}': 5,
        f'traefik_service_request_duration_seconds_sum{{code="200",method="GET",protocol="http",{SERVICE}}}': 0.05,
        f'traefik_router_responses_bytes_total{{code="200",router="{ROUTER}",service="x"}}': 100,
    }
    found = increments(deltas, n, {})
    assert found.counts == {
        ("RequestCount", lb, tg, ""): 5, ("HTTPCode_Target_2XX_Count", lb, tg, ""): 5,
        ("TargetResponseTime", lb, tg, ""): 0.05, ("TargetResponseTimeSamples", lb, tg, ""): 5,
        ("RuleRequestCount", lb, tg, "80/10"): 5,
        ("ProcessedBytes", lb, "", ""): 100,
    }  # fmt: skip
    assert found.latency == {(lb, tg): {400: 5}}


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        pytest.param(3 * 11, {"TargetConnectionErrorCount": 3, "HTTPCode_ELB_502_Count": 3,
                              "HTTPCode_ELB_5XX_Count": 3}, id="traefik-made-502-is-a-connection-error"),
        pytest.param(3 * 40, {"HTTPCode_Target_5XX_Count": 3, "TargetResponseTimeSamples": 3}, id="a-targets-own-502"),
    ],
)
def test_a_502_is_the_targets_unless_traefik_wrote_it(size: float, expected: dict[str, float]) -> None:
    n, lb, tg = names()
    counts = {m: v for (m, *_), v in increments(served(502, 3, size), n, {}).counts.items()}
    assert counts == {"RequestCount": 3, "RuleRequestCount": 3, **expected}


def test_fixed_responses_are_the_load_balancers() -> None:
    n, lb, _ = names()
    deltas = {f'traefik_router_requests_total{{code="404",method="GET",protocol="http",router="{FIXED}",'
              'service="elbv2-answered@http"}': 7}
    assert increments(deltas, n, {}).counts == {
        ("RequestCount", lb, "", ""): 7, ("HTTP_Fixed_Response_Count", lb, "", ""): 7,
        ("HTTPCode_ELB_4XX_Count", lb, "", ""): 7, ("RuleRequestCount", lb, "", "80/0"): 7,
    }  # fmt: skip


def test_a_router_counted_after_its_service_is_carried_not_made_negative() -> None:
    n, lb, _ = names()
    service_only = {k: v for k, v in served(500, 2, 20).items() if "router" not in k}
    router_only = {k: v for k, v in served(500, 2, 20).items() if "router" in k}
    carry: Carry = {}
    first = increments(service_only, n, carry)
    assert not any(m.startswith("HTTPCode_ELB") for m, *_ in first.counts) and carry == {(lb, 500): -2}
    second = increments(router_only, n, carry)
    assert not any(m.startswith("HTTPCode_ELB") for m, *_ in second.counts) and carry == {}


def test_unknown_names_count_nothing() -> None:
    n, _, _ = names()
    deltas = {'traefik_service_requests_total{code="200",service="elbv2-placeholder@http"}': 4,
              'traefik_router_requests_total{code="404",router="other@internal",service="x"}': 1}
    assert increments(deltas, n, {}).counts == {}


def test_only_changed_lines_are_read_and_gone_series_are_named() -> None:
    a, b = 'traefik_router_requests_total{code="200",router="r"}', 'traefik_service_requests_total{code="200"}'
    before = Scrape.parse(f"{a} 1\n{b} 2\ngo_goroutines 7\n# HELP x\n")
    after = Scrape.parse(f"{a} 3\ngo_goroutines 9\n")
    assert after.changes(before) == ({a: 3.0}, {b})


def test_buckets_that_are_not_ours_place_no_latency_but_keep_the_counts() -> None:
    n, lb, tg = names()
    other = 'traefik_service_request_duration_seconds_bucket{code="200",method="GET",protocol="http",' + SERVICE
    found = increments(served(200, 5, 100) | {other + ',le="0.0123456"}': 5}, n, {})
    assert found.latency == {} and found.counts[("RequestCount", lb, tg, "")] == 5


def test_a_group_shared_by_a_one_group_rule_and_a_split_is_divided_per_rule() -> None:
    s = web("stable", "canary")
    s.rule("web", 80, 10, s.forward(("stable", 95), ("canary", 5)), cond(ConditionField.PATH_PATTERN, "/app/*"))
    s.rule("web", 80, None, s.forward(("stable", 1)))
    n = Names()
    n.update(s.state())
    lb, stable, canary = dimension(s.lbs["web"].arn), dimension(s.tgs["stable"].arn), dimension(s.tgs["canary"].arn)
    code = 'code="200",method="GET",protocol="http"'
    deltas = {
        f'traefik_service_requests_total{{{code},service="tg-stable@http"}}': 100,  # 95 split + 5 default
        f'traefik_service_requests_total{{{code},service="tg-canary@http"}}': 5,
        f'traefik_router_requests_total{{{code},router="{ROUTER}",service="rule-x@http"}}': 100,
        f'traefik_router_requests_total{{{code},router="web-80-default-d0000000000000050@http",service="x"}}': 5,
    }
    found = increments(deltas, n, {}).counts
    assert {k: v for k, v in found.items() if k[0] == "RuleRequestCount"} == {
        ("RuleRequestCount", lb, stable, "80/10"): 95, ("RuleRequestCount", lb, canary, "80/10"): 5,
        ("RuleRequestCount", lb, stable, "80/0"): 5,
    }  # fmt: skip


def test_names_follow_a_changed_rule_and_keep_the_others() -> None:
    s = web("v1", "v2")
    s.rule("web", 80, 10, s.forward(("v1", 1)), cond(ConditionField.PATH_PATTERN, "/a"))
    s.rule("web", 80, None, fixed("no", "404"))
    n, state = Names(), s.state()
    n.update(state)
    before = n.changes
    n.update(replace(state, version=state.version + 1))  # the same objects: nothing resolves differently
    assert n.changes == before
    rule = next(r for r in state.rules.values() if r.priority == 10)
    split = replace(rule, actions=(s.forward(("v1", 90), ("v2", 10)),))
    n.update(replace(state, version=state.version + 2, rules={**state.rules, rule.arn: split}))
    v1, v2 = (dimension(s.tgs[name].arn) for name in ("v1", "v2"))
    routed = n.router(ROUTER)
    assert n.changes == before + 1 and routed is not None and routed.weights == {v1: 90, v2: 10}
    assert n.service("tg-v2@http") == (dimension(s.lbs["web"].arn), v2)
    assert n.router(FIXED) is not None
