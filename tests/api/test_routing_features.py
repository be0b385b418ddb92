"""Issue 10's API surface through real boto3: RegexValues conditions, rule transforms, listener response-header
attributes and target-group routing attributes; each bad input gets AWS's code, a 4xx, and nothing is stored."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.calls import error_of, target_group, unique
from tests.support.clients import AwsCli


@pytest.fixture
def listener(elbv2: Any) -> dict[str, str]:
    lb = elbv2.create_load_balancer(Name=unique("lb"), Subnets=["subnet-1", "subnet-2"])["LoadBalancers"][0]
    tg = target_group(elbv2)
    created = elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
    )  # fmt: skip
    return {"arn": created["Listeners"][0]["ListenerArn"], "tg": tg}


def rule_count(elbv2: Any, listener_arn: str) -> int:
    return len(elbv2.describe_rules(ListenerArn=listener_arn)["Rules"])


def test_regex_conditions_are_stored_and_echoed(elbv2: Any, listener: dict[str, str]) -> None:
    conditions = [
        {"Field": "host-header", "HostHeaderConfig": {"RegexValues": ["^api-[0-9]+\\.example\\.com$"]}},
        {"Field": "path-pattern", "PathPatternConfig": {"RegexValues": ["^/v[12]/", "\\.json$"]}},
        {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Tier", "RegexValues": ["^(gold|silver)$"]}},
    ]
    arn = elbv2.create_rule(
        ListenerArn=listener["arn"], Priority=5, Conditions=conditions,
        Actions=[{"Type": "forward", "TargetGroupArn": listener["tg"]}],
    )["Rules"][0]["RuleArn"]  # fmt: skip
    got = elbv2.describe_rules(RuleArns=[arn])["Rules"][0]["Conditions"]
    by_field = {c["Field"]: c for c in got}
    assert by_field["host-header"]["HostHeaderConfig"]["RegexValues"] == ["^api-[0-9]+\\.example\\.com$"]
    assert by_field["path-pattern"]["PathPatternConfig"]["RegexValues"] == ["^/v[12]/", "\\.json$"]
    header = by_field["http-header"]["HttpHeaderConfig"]
    assert (header["HttpHeaderName"], header["RegexValues"]) == ("X-Tier", ["^(gold|silver)$"])


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param({"Field": "path-pattern", "PathPatternConfig": {"RegexValues": ["^/a("]}}, id="invalid-regex"),
        pytest.param({"Field": "path-pattern", "PathPatternConfig": {"RegexValues": ["(?=x)/a"]}}, id="lookahead"),
        pytest.param({"Field": "host-header", "HostHeaderConfig": {"RegexValues": ["(a)\\1"]}}, id="backreference"),
        pytest.param(
            {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/a"], "RegexValues": ["^/b"]}},
            id="both-values-and-regex",
        ),
        pytest.param({"Field": "path-pattern", "PathPatternConfig": {"RegexValues": ["x" * 129]}}, id="too-long"),
        pytest.param(
            {"Field": "path-pattern", "PathPatternConfig": {"RegexValues": ["^/a", "^/b", "^/c", "^/d"]}},
            id="too-many",
        ),
        pytest.param(
            {"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": ["GET"]}, "RegexValues": ["G.*"]},
            id="field-without-regex",
        ),
    ],
)
def test_bad_regex_conditions_are_refused(elbv2: Any, listener: dict[str, str], condition: dict[str, Any]) -> None:
    before = rule_count(elbv2, listener["arn"])
    code = error_of(
        elbv2.create_rule, ListenerArn=listener["arn"], Priority=7, Conditions=[condition],
        Actions=[{"Type": "forward", "TargetGroupArn": listener["tg"]}],
    )  # fmt: skip
    assert code == ("ValidationError", 400)
    assert rule_count(elbv2, listener["arn"]) == before


def test_listener_header_attributes_stored_and_echoed(elbv2: Any, listener: dict[str, str]) -> None:
    changes = {
        "routing.http.response.x_frame_options.header_value": "SAMEORIGIN",
        "routing.http.response.access_control_allow_methods.header_value": "GET,POST",
        "routing.http.response.server.enabled": "false",
        "routing.http.request.x_amzn_tls_version.header_name": "X-Tls-Version",
    }
    elbv2.modify_listener_attributes(
        ListenerArn=listener["arn"], Attributes=[{"Key": k, "Value": v} for k, v in changes.items()]
    )
    got = {a["Key"]: a["Value"] for a in elbv2.describe_listener_attributes(ListenerArn=listener["arn"])["Attributes"]}
    assert {k: got[k] for k in changes} == changes


@pytest.mark.parametrize(
    ("key", "value"),
    [
        pytest.param("routing.http.response.x_frame_options.header_value", "NEVER", id="frame-options"),
        pytest.param("routing.http.response.x_content_type_options.header_value", "sniff", id="content-type-options"),
        pytest.param("routing.http.response.access_control_allow_methods.header_value", "GET,FETCH", id="methods"),
        pytest.param("routing.http.response.server.enabled", "no", id="server-enabled"),
        pytest.param("routing.http.request.x_amzn_tls_version.header_name", "X Tls", id="header-name"),
    ],
)
def test_bad_listener_header_attributes_are_refused(elbv2: Any, listener: dict[str, str], key: str, value: str) -> None:
    before = elbv2.describe_listener_attributes(ListenerArn=listener["arn"])["Attributes"]
    change = [{"Key": key, "Value": value}]
    code = error_of(elbv2.modify_listener_attributes, ListenerArn=listener["arn"], Attributes=change)
    assert code == ("ValidationError", 400)
    assert elbv2.describe_listener_attributes(ListenerArn=listener["arn"])["Attributes"] == before


@pytest.mark.parametrize(
    ("key", "value"),
    [
        pytest.param("load_balancing.algorithm.type", "least_connections", id="unknown-algorithm"),
        pytest.param("slow_start.duration_seconds", "10", id="slow-start-too-short"),
        pytest.param("target_group_health.unhealthy_state_routing.minimum_healthy_targets.count", "0", id="count-0"),
        pytest.param(
            "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage", "101", id="percent-101"
        ),
    ],
)
def test_bad_target_group_routing_attributes_are_refused(
    elbv2: Any, listener: dict[str, str], key: str, value: str
) -> None:
    before = elbv2.describe_target_group_attributes(TargetGroupArn=listener["tg"])["Attributes"]
    change = [{"Key": key, "Value": value}]
    code = error_of(elbv2.modify_target_group_attributes, TargetGroupArn=listener["tg"], Attributes=change)
    assert code == ("ValidationError", 400)
    assert elbv2.describe_target_group_attributes(TargetGroupArn=listener["tg"])["Attributes"] == before


URL_REWRITE = {
    "Type": "url-rewrite",
    "UrlRewriteConfig": {"Rewrites": [{"Regex": "^/dp/(\\w+)$", "Replace": "/p?id=$1"}]},
}
HOST_REWRITE = {
    "Type": "host-header-rewrite",
    "HostHeaderRewriteConfig": {"Rewrites": [{"Regex": "^a-(.+)$", "Replace": "b-$1"}]},
}


def transform_rule(elbv2: Any, listener: dict[str, str], transforms: list[dict[str, Any]]) -> Any:
    return elbv2.create_rule(
        ListenerArn=listener["arn"], Priority=3, Transforms=transforms,
        Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/dp/*"]}}],
        Actions=[{"Type": "forward", "TargetGroupArn": listener["tg"]}],
    )  # fmt: skip


def test_transforms_stored_echoed_replaced_and_reset(elbv2: Any, listener: dict[str, str]) -> None:
    rule = transform_rule(elbv2, listener, [URL_REWRITE, HOST_REWRITE])["Rules"][0]
    assert sorted(t["Type"] for t in rule["Transforms"]) == ["host-header-rewrite", "url-rewrite"]
    described = elbv2.describe_rules(RuleArns=[rule["RuleArn"]])["Rules"][0]
    assert described["Transforms"] == rule["Transforms"]
    assert [t for t in described["Transforms"] if t["Type"] == "url-rewrite"] == [URL_REWRITE]
    elbv2.modify_rule(RuleArn=rule["RuleArn"], Transforms=[HOST_REWRITE])
    assert elbv2.describe_rules(RuleArns=[rule["RuleArn"]])["Rules"][0]["Transforms"] == [HOST_REWRITE]
    elbv2.modify_rule(RuleArn=rule["RuleArn"], ResetTransforms=True)
    assert "Transforms" not in elbv2.describe_rules(RuleArns=[rule["RuleArn"]])["Rules"][0]


@pytest.mark.parametrize(
    "transforms",
    [
        pytest.param([URL_REWRITE, URL_REWRITE], id="two-url-rewrites"),
        pytest.param(
            [{"Type": "url-rewrite", "UrlRewriteConfig": {"Rewrites": [{"Regex": "^/(?!x)", "Replace": "/"}]}}],
            id="invalid-regex",
        ),
        pytest.param([{"Type": "url-rewrite", "HostHeaderRewriteConfig": HOST_REWRITE["HostHeaderRewriteConfig"]}],
                     id="config-of-the-other-type"),  # fmt: skip
        pytest.param([{"Type": "url-rewrite", "UrlRewriteConfig": {"Rewrites": []}}], id="no-rewrite"),
    ],
)
def test_bad_transforms_are_refused(elbv2: Any, listener: dict[str, str], transforms: list[dict[str, Any]]) -> None:
    before = rule_count(elbv2, listener["arn"])
    assert error_of(transform_rule, elbv2=elbv2, listener=listener, transforms=transforms) == ("ValidationError", 400)
    assert rule_count(elbv2, listener["arn"]) == before


def test_transform_on_the_default_rule_and_reset_with_transforms_are_refused(
    elbv2: Any, listener: dict[str, str]
) -> None:
    default = elbv2.describe_rules(ListenerArn=listener["arn"])["Rules"][-1]
    assert error_of(elbv2.modify_rule, RuleArn=default["RuleArn"], Transforms=[URL_REWRITE]) == ("ValidationError", 400)
    rule = transform_rule(elbv2, listener, [URL_REWRITE])["Rules"][0]
    code = error_of(elbv2.modify_rule, RuleArn=rule["RuleArn"], Transforms=[HOST_REWRITE], ResetTransforms=True)
    assert code == ("ValidationError", 400)
    described = elbv2.describe_rules(ListenerArn=listener["arn"])["Rules"]
    assert [r.get("Transforms") for r in described] == [[URL_REWRITE], None]


def test_capacity_reservation_none_then_reserved_then_reset(elbv2: Any) -> None:
    lb = elbv2.create_load_balancer(Name=unique("lb"), Subnets=["subnet-1", "subnet-2"])["LoadBalancers"][0]
    arn = lb["LoadBalancerArn"]
    none = elbv2.describe_capacity_reservation(LoadBalancerArn=arn)
    assert (none["CapacityReservationState"], none.get("MinimumLoadBalancerCapacity")) == ([], None)
    units = {"CapacityUnits": 200}
    reserved = elbv2.modify_capacity_reservation(LoadBalancerArn=arn, MinimumLoadBalancerCapacity=units)
    assert reserved["MinimumLoadBalancerCapacity"] == {"CapacityUnits": 200}
    described = elbv2.describe_capacity_reservation(LoadBalancerArn=arn)
    assert {s["State"]["Code"] for s in described["CapacityReservationState"]} == {"provisioned"}
    assert sum(s["EffectiveCapacityUnits"] for s in described["CapacityReservationState"]) == 200
    code = error_of(elbv2.modify_capacity_reservation, LoadBalancerArn=arn)  # neither: nothing changes
    assert code == ("ValidationError", 400)
    assert elbv2.describe_capacity_reservation(LoadBalancerArn=arn)["MinimumLoadBalancerCapacity"] == units
    elbv2.modify_capacity_reservation(LoadBalancerArn=arn, ResetCapacityReservation=True)
    assert elbv2.describe_capacity_reservation(LoadBalancerArn=arn)["CapacityReservationState"] == []


def test_regex_rule_with_transform_through_the_aws_cli(aws: AwsCli, elbv2: Any, listener: dict[str, str]) -> None:
    conditions = '[{"Field":"path-pattern","PathPatternConfig":{"RegexValues":["^/dp/[A-Za-z0-9]+/?$"]}}]'
    transforms = (
        '[{"Type":"url-rewrite","UrlRewriteConfig":{"Rewrites":[{"Regex":"^/dp/([A-Za-z0-9]+)/?$",'
        '"Replace":"/product.php?id=$1"}]}}]'
    )
    created = aws(
        "elbv2", "create-rule", "--listener-arn", listener["arn"], "--priority", "9",
        "--conditions", conditions, "--transforms", transforms,
        "--actions", f"Type=forward,TargetGroupArn={listener['tg']}",
    )  # fmt: skip
    rule = json.loads(created.stdout)["Rules"][0]
    assert rule["Conditions"][0]["PathPatternConfig"]["RegexValues"] == ["^/dp/[A-Za-z0-9]+/?$"]
    assert rule["Transforms"][0]["UrlRewriteConfig"]["Rewrites"][0]["Replace"] == "/product.php?id=$1"
    reset = aws("elbv2", "modify-rule", "--rule-arn", rule["RuleArn"], "--reset-transforms")
    assert "Transforms" not in json.loads(reset.stdout)["Rules"][0]
    bad = aws(
        "elbv2", "create-rule", "--listener-arn", listener["arn"], "--priority", "10",
        "--conditions", '[{"Field":"host-header","HostHeaderConfig":{"RegexValues":["(?<=a)b"]}}]',
        "--actions", f"Type=forward,TargetGroupArn={listener['tg']}", check=False,
    )  # fmt: skip
    assert bad.returncode != 0 and "(ValidationError)" in bad.stderr
    assert rule_count(elbv2, listener["arn"]) == 2
