"""Rules and listeners through real boto3: ALB semantics that moto gets wrong and AWS does not."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.calls import error_of, target_group, unique


@pytest.fixture
def lb(elbv2: Any) -> str:
    created = elbv2.create_load_balancer(Name=unique("lb"), Subnets=["subnet-1", "subnet-2"])
    return str(created["LoadBalancers"][0]["LoadBalancerArn"])


@pytest.fixture
def listener(elbv2: Any, lb: str) -> dict[str, str]:
    tg = target_group(elbv2)
    created = elbv2.create_listener(
        LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}]
    )
    return {"arn": created["Listeners"][0]["ListenerArn"], "tg": tg, "lb": lb}


def path_rule(elbv2: Any, listener_arn: str, priority: int, path: str, tg: str) -> str:
    created = elbv2.create_rule(
        ListenerArn=listener_arn,
        Priority=priority,
        Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": [path]}}],
        Actions=[{"Type": "forward", "TargetGroupArn": tg}],
    )
    return str(created["Rules"][0]["RuleArn"])


def test_describe_rules_sorted_by_numeric_priority_default_last(elbv2: Any, listener: dict[str, str]) -> None:
    for priority in (100, 5, 20, 1000, 9):
        path_rule(elbv2, listener["arn"], priority, f"/p{priority}/*", listener["tg"])
    rules = elbv2.describe_rules(ListenerArn=listener["arn"])["Rules"]
    assert [r["Priority"] for r in rules] == ["5", "9", "20", "100", "1000", "default"]
    assert [r["IsDefault"] for r in rules] == [False] * 5 + [True]
    assert rules[-1]["Conditions"] == []


def test_weighted_forward_round_trips(elbv2: Any, listener: dict[str, str]) -> None:
    blue, green = target_group(elbv2), target_group(elbv2)
    forward = {
        "TargetGroups": [{"TargetGroupArn": blue, "Weight": 95}, {"TargetGroupArn": green, "Weight": 5}],
        "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 3600},
    }
    arn = elbv2.create_rule(
        ListenerArn=listener["arn"],
        Priority=10,
        Conditions=[{"Field": "path-pattern", "Values": ["/app/*"]}],
        Actions=[{"Type": "forward", "ForwardConfig": forward}],
    )["Rules"][0]["RuleArn"]
    rule = elbv2.describe_rules(RuleArns=[arn])["Rules"][0]
    assert rule["Priority"] == "10"
    assert rule["Actions"][0]["ForwardConfig"] == forward
    assert rule["Conditions"][0]["Values"] == ["/app/*"]
    assert rule["Conditions"][0]["PathPatternConfig"] == {"Values": ["/app/*"]}


def test_set_rule_priorities_swaps_in_one_call(elbv2: Any, listener: dict[str, str]) -> None:
    a = path_rule(elbv2, listener["arn"], 5, "/a/*", listener["tg"])
    b = path_rule(elbv2, listener["arn"], 10, "/b/*", listener["tg"])
    changed = elbv2.set_rule_priorities(RulePriorities=[{"RuleArn": a, "Priority": 10}, {"RuleArn": b, "Priority": 5}])[
        "Rules"
    ]
    assert {r["RuleArn"]: r["Priority"] for r in changed} == {a: "10", b: "5"}
    rules = elbv2.describe_rules(ListenerArn=listener["arn"])["Rules"]
    assert [r["RuleArn"] for r in rules[:2]] == [b, a]


def test_modify_rule_replaces_only_what_is_given(elbv2: Any, listener: dict[str, str]) -> None:
    arn = path_rule(elbv2, listener["arn"], 7, "/m/*", listener["tg"])
    other = target_group(elbv2)
    elbv2.modify_rule(
        RuleArn=arn,
        Actions=[
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": listener["tg"], "Weight": 90},
                        {"TargetGroupArn": other, "Weight": 10},
                    ]
                },
            }
        ],
    )
    rule = elbv2.describe_rules(RuleArns=[arn])["Rules"][0]
    assert rule["Conditions"][0]["PathPatternConfig"]["Values"] == ["/m/*"]
    weights = [g["Weight"] for g in rule["Actions"][0]["ForwardConfig"]["TargetGroups"]]
    assert weights == [90, 10]


def test_default_rule_is_protected(elbv2: Any, listener: dict[str, str]) -> None:
    default = elbv2.describe_rules(ListenerArn=listener["arn"])["Rules"][-1]["RuleArn"]
    assert error_of(elbv2.delete_rule, RuleArn=default) == ("OperationNotPermitted", 400)
    assert error_of(elbv2.set_rule_priorities, RulePriorities=[{"RuleArn": default, "Priority": 77}]) == (
        "OperationNotPermitted",
        400,
    )


def test_deleted_rule_is_gone(elbv2: Any, listener: dict[str, str]) -> None:
    arn = path_rule(elbv2, listener["arn"], 3, "/d/*", listener["tg"])
    elbv2.delete_rule(RuleArn=arn)
    assert error_of(elbv2.delete_rule, RuleArn=arn) == ("RuleNotFound", 400)
    assert error_of(elbv2.describe_rules, RuleArns=[arn]) == ("RuleNotFound", 400)


def test_delete_load_balancer_deletes_listeners_and_rules(elbv2: Any, listener: dict[str, str]) -> None:
    rule = path_rule(elbv2, listener["arn"], 4, "/x/*", listener["tg"])
    elbv2.delete_load_balancer(LoadBalancerArn=listener["lb"])
    assert error_of(elbv2.describe_listeners, ListenerArns=[listener["arn"]]) == ("ListenerNotFound", 400)
    assert error_of(elbv2.describe_rules, RuleArns=[rule]) == ("RuleNotFound", 400)
    elbv2.delete_target_group(TargetGroupArn=listener["tg"])  # no longer in use


def test_target_group_in_use_cannot_be_deleted(elbv2: Any, listener: dict[str, str]) -> None:
    assert error_of(elbv2.delete_target_group, TargetGroupArn=listener["tg"]) == ("ResourceInUse", 400)


def test_listener_create_is_idempotent_and_port_unique(elbv2: Any, listener: dict[str, str]) -> None:
    again = elbv2.create_listener(
        LoadBalancerArn=listener["lb"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": listener["tg"]}],
    )["Listeners"][0]
    assert again["ListenerArn"] == listener["arn"]
    code = error_of(
        elbv2.create_listener,
        LoadBalancerArn=listener["lb"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
    )
    assert code == ("DuplicateListener", 400)


def test_describe_rules_pages(elbv2: Any, listener: dict[str, str]) -> None:
    for priority in range(1, 8):
        path_rule(elbv2, listener["arn"], priority, f"/page{priority}/*", listener["tg"])
    first = elbv2.describe_rules(ListenerArn=listener["arn"], PageSize=3)
    second = elbv2.describe_rules(ListenerArn=listener["arn"], PageSize=3, Marker=first["NextMarker"])
    third = elbv2.describe_rules(ListenerArn=listener["arn"], PageSize=3, Marker=second["NextMarker"])
    priorities = [r["Priority"] for page in (first, second, third) for r in page["Rules"]]
    assert priorities == ["1", "2", "3", "4", "5", "6", "7", "default"]
    assert "NextMarker" not in third


def test_listener_attributes(elbv2: Any, listener: dict[str, str]) -> None:
    def attrs() -> dict[str, str]:
        found = elbv2.describe_listener_attributes(ListenerArn=listener["arn"])["Attributes"]
        return {a["Key"]: a["Value"] for a in found}

    assert attrs()["routing.http.response.server.enabled"] == "true"
    elbv2.modify_listener_attributes(
        ListenerArn=listener["arn"], Attributes=[{"Key": "routing.http.response.server.enabled", "Value": "false"}]
    )
    assert attrs()["routing.http.response.server.enabled"] == "false"
    for bad in ({"Key": "routing.http.response.server.enabled", "Value": "maybe"}, {"Key": "nope", "Value": "1"}):
        code = error_of(elbv2.modify_listener_attributes, ListenerArn=listener["arn"], Attributes=[bad])
        assert code == ("ValidationError", 400)
