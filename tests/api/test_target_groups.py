"""Target groups through real boto3: create/describe/modify/delete, health-check rules, attributes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.calls import unique

DEFAULT_ATTRIBUTES = {
    "deregistration_delay.timeout_seconds": "300",
    "stickiness.enabled": "false",
    "stickiness.type": "lb_cookie",
    "stickiness.lb_cookie.duration_seconds": "86400",
    "stickiness.app_cookie.cookie_name": "",
    "stickiness.app_cookie.duration_seconds": "86400",
    "load_balancing.algorithm.type": "round_robin",
    "load_balancing.algorithm.anomaly_mitigation": "off",
    "slow_start.duration_seconds": "0",
    "load_balancing.cross_zone.enabled": "use_load_balancer_configuration",
    "target_group_health.dns_failover.minimum_healthy_targets.count": "off",
    "target_group_health.dns_failover.minimum_healthy_targets.percentage": "off",
    "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count": "1",
    "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage": "off",
    "waf.fail_open.enabled": "false",
}


def error_of(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return str(caught.value.response["Error"]["Code"])


def create(elbv2: Any, name: str | None = None, **kwargs: Any) -> dict[str, Any]:
    params = {"Name": name or unique("tg"), "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-1", "TargetType": "ip"}
    return dict(elbv2.create_target_group(**(params | kwargs))["TargetGroups"][0])


def attributes(elbv2: Any, arn: str) -> dict[str, str]:
    return {a["Key"]: a["Value"] for a in elbv2.describe_target_group_attributes(TargetGroupArn=arn)["Attributes"]}


def test_create_fills_aws_defaults(elbv2: Any) -> None:
    name = unique("tg")
    tg = create(elbv2, name, TargetType="instance", VpcId="vpc-42")
    assert tg["TargetGroupArn"].startswith(f"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/{name}/")
    expected = {
        "TargetGroupName": name,
        "Protocol": "HTTP",
        "Port": 80,
        "VpcId": "vpc-42",
        "TargetType": "instance",
        "HealthCheckProtocol": "HTTP",
        "HealthCheckPort": "traffic-port",
        "HealthCheckEnabled": True,
        "HealthCheckIntervalSeconds": 30,
        "HealthCheckTimeoutSeconds": 5,
        "HealthyThresholdCount": 5,
        "UnhealthyThresholdCount": 2,
        "HealthCheckPath": "/",
        "Matcher": {"HttpCode": "200"},
        "LoadBalancerArns": [],
        "ProtocolVersion": "HTTP1",
        "IpAddressType": "ipv4",
    }
    assert {k: tg[k] for k in expected} == expected
    assert attributes(elbv2, tg["TargetGroupArn"]) == DEFAULT_ATTRIBUTES


def test_create_with_health_check_settings_and_tags(elbv2: Any) -> None:
    tg = create(
        elbv2,
        HealthCheckPath="/healthz",
        HealthCheckPort="8081",
        HealthCheckIntervalSeconds=10,
        HealthCheckTimeoutSeconds=3,
        HealthyThresholdCount=2,
        UnhealthyThresholdCount=3,
        Matcher={"HttpCode": "200-299"},
        Tags=[{"Key": "app", "Value": "blue"}],
    )
    assert (tg["HealthCheckPath"], tg["HealthCheckPort"], tg["Matcher"]) == (
        "/healthz",
        "8081",
        {"HttpCode": "200-299"},
    )
    assert (tg["HealthCheckIntervalSeconds"], tg["HealthCheckTimeoutSeconds"]) == (10, 3)
    assert (tg["HealthyThresholdCount"], tg["UnhealthyThresholdCount"]) == (2, 3)
    tags = elbv2.describe_tags(ResourceArns=[tg["TargetGroupArn"]])["TagDescriptions"][0]["Tags"]
    assert tags == [{"Key": "app", "Value": "blue"}]


def test_grpc_target_group_uses_grpc_matcher(elbv2: Any) -> None:
    tg = create(elbv2, ProtocolVersion="GRPC")
    assert (tg["ProtocolVersion"], tg["Matcher"]) == ("GRPC", {"GrpcCode": "12"})


def test_identical_create_is_idempotent_and_different_settings_conflict(elbv2: Any) -> None:
    name = unique("tg")
    first = create(elbv2, name)
    assert create(elbv2, name)["TargetGroupArn"] == first["TargetGroupArn"]
    assert (
        error_of(elbv2.create_target_group, Name=name, Protocol="HTTP", Port=81, VpcId="vpc-1", TargetType="ip")
        == "DuplicateTargetGroupName"
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"Name": "a" * 33}, id="name-too-long"),
        pytest.param({"Name": "-blue"}, id="leading-hyphen"),
        pytest.param({"Protocol": "TCP"}, id="tcp"),
        pytest.param({"Protocol": "UDP"}, id="udp"),
        pytest.param({"TargetType": "lambda"}, id="lambda"),
        pytest.param({"TargetType": "alb"}, id="alb"),
        pytest.param({"ProtocolVersion": "HTTP3"}, id="protocol-version"),
        pytest.param({"HealthCheckIntervalSeconds": 301}, id="interval-high"),
        pytest.param({"HealthCheckTimeoutSeconds": 121}, id="timeout-high"),
        pytest.param({"HealthCheckIntervalSeconds": 10, "HealthCheckTimeoutSeconds": 10}, id="timeout-not-below"),
        pytest.param({"HealthyThresholdCount": 11}, id="threshold-high"),
        pytest.param({"HealthCheckPath": "healthz"}, id="path-without-slash"),
        pytest.param({"HealthCheckPort": "70000"}, id="port-high"),
        pytest.param({"HealthCheckPort": "web"}, id="port-word"),
        pytest.param({"Matcher": {"HttpCode": "500"}}, id="matcher-500"),
        pytest.param({"Matcher": {"HttpCode": "199,200"}}, id="matcher-199"),
        pytest.param({"Matcher": {"HttpCode": "300-200"}}, id="matcher-reversed"),
        pytest.param({"Matcher": {"HttpCode": "2xx"}}, id="matcher-word"),
    ],
)
def test_create_rejects_bad_input(elbv2: Any, kwargs: dict[str, Any]) -> None:
    params = {"Name": unique("tg"), "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-1", "TargetType": "ip"} | kwargs
    assert error_of(elbv2.create_target_group, **params) == "ValidationError"


def test_create_needs_protocol_and_port(elbv2: Any) -> None:
    assert error_of(elbv2.create_target_group, Name=unique("tg"), Port=80, TargetType="ip") == "ValidationError"
    assert error_of(elbv2.create_target_group, Name=unique("tg"), Protocol="HTTP", TargetType="ip") == "ValidationError"


def test_describe_by_each_selector(elbv2: Any) -> None:
    names = [unique("sel") for _ in range(3)]
    arns = [create(elbv2, n)["TargetGroupArn"] for n in names]
    lb = elbv2.create_load_balancer(Name=unique("tglb"), Subnets=["s-1"])["LoadBalancers"][0]["LoadBalancerArn"]
    elbv2.create_listener(
        LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": arns[2]}]
    )
    by_names = elbv2.describe_target_groups(Names=names[::-1])["TargetGroups"]
    assert [tg["TargetGroupName"] for tg in by_names] == sorted(names)
    by_arns = elbv2.describe_target_groups(TargetGroupArns=[arns[1], arns[0]])["TargetGroups"]
    assert [tg["TargetGroupArn"] for tg in by_arns] == [arns[1], arns[0]]
    by_lb = elbv2.describe_target_groups(LoadBalancerArn=lb)["TargetGroups"]
    assert [tg["TargetGroupArn"] for tg in by_lb] == [arns[2]]
    assert by_lb[0]["LoadBalancerArns"] == [lb]
    pages = elbv2.get_paginator("describe_target_groups").paginate(PaginationConfig={"PageSize": 2})
    seen = [tg["TargetGroupName"] for page in pages for tg in page["TargetGroups"]]
    assert seen == sorted(seen) and set(names) <= set(seen)


def test_describe_errors(elbv2: Any) -> None:
    arn = create(elbv2)["TargetGroupArn"]
    gone = arn.rsplit("/", 1)[0] + "/0123456789abcdef"
    lb_gone = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/none/0123456789abcdef"
    assert error_of(elbv2.describe_target_groups, TargetGroupArns=[gone]) == "TargetGroupNotFound"
    assert error_of(elbv2.describe_target_groups, Names=["no-such-tg"]) == "TargetGroupNotFound"
    assert error_of(elbv2.describe_target_groups, LoadBalancerArn=lb_gone) == "LoadBalancerNotFound"
    assert error_of(elbv2.describe_target_groups, TargetGroupArns=[arn], Names=["x"]) == "ValidationError"


def test_modify_health_check(elbv2: Any) -> None:
    arn = create(elbv2)["TargetGroupArn"]
    tg = elbv2.modify_target_group(
        TargetGroupArn=arn,
        HealthCheckPath="/ping",
        HealthCheckIntervalSeconds=5,
        HealthCheckTimeoutSeconds=2,
        Matcher={"HttpCode": "200,204"},
    )["TargetGroups"][0]
    assert (tg["HealthCheckPath"], tg["HealthCheckIntervalSeconds"], tg["Matcher"]) == (
        "/ping",
        5,
        {"HttpCode": "200,204"},
    )
    described = elbv2.describe_target_groups(TargetGroupArns=[arn])["TargetGroups"][0]
    assert described["HealthCheckTimeoutSeconds"] == 2
    # the stored interval (5) now bounds a timeout given alone
    assert error_of(elbv2.modify_target_group, TargetGroupArn=arn, HealthCheckTimeoutSeconds=6) == "ValidationError"
    gone = arn.rsplit("/", 1)[0] + "/0123456789abcdef"
    assert error_of(elbv2.modify_target_group, TargetGroupArn=gone, HealthCheckPath="/") == "TargetGroupNotFound"


def test_delete(elbv2: Any) -> None:
    arn = create(elbv2)["TargetGroupArn"]
    lb = elbv2.create_load_balancer(Name=unique("dellb"), Subnets=["s-1"])["LoadBalancers"][0]["LoadBalancerArn"]
    listener = elbv2.create_listener(
        LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": arn}]
    )
    assert error_of(elbv2.delete_target_group, TargetGroupArn=arn) == "ResourceInUse"
    elbv2.delete_listener(ListenerArn=listener["Listeners"][0]["ListenerArn"])
    elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": "127.0.0.1"}])
    elbv2.delete_target_group(TargetGroupArn=arn)
    elbv2.delete_target_group(TargetGroupArn=arn)  # AWS: deleting a deleted target group succeeds
    assert error_of(elbv2.describe_target_groups, TargetGroupArns=[arn]) == "TargetGroupNotFound"
    assert error_of(elbv2.describe_target_health, TargetGroupArn=arn) == "TargetGroupNotFound"


def test_modify_attributes(elbv2: Any) -> None:
    arn = create(elbv2)["TargetGroupArn"]
    changes = [
        {"Key": "stickiness.enabled", "Value": "true"},
        {"Key": "stickiness.type", "Value": "app_cookie"},
        {"Key": "stickiness.app_cookie.cookie_name", "Value": "SESSION"},
        {"Key": "deregistration_delay.timeout_seconds", "Value": "0"},
    ]
    echoed = elbv2.modify_target_group_attributes(TargetGroupArn=arn, Attributes=changes)["Attributes"]
    expected = DEFAULT_ATTRIBUTES | {c["Key"]: c["Value"] for c in changes}
    assert {a["Key"]: a["Value"] for a in echoed} == expected
    assert attributes(elbv2, arn) == expected


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        pytest.param(
            {"stickiness.enabled": "true", "stickiness.type": "app_cookie"},
            "InvalidConfigurationRequest",
            id="app-cookie-without-name",
        ),
        pytest.param({"stickiness.app_cookie.cookie_name": "AWSALBAPP-1"}, "ValidationError", id="reserved-cookie"),
        pytest.param({"stickiness.lb_cookie.duration_seconds": "0"}, "ValidationError", id="duration-0"),
        pytest.param({"stickiness.lb_cookie.duration_seconds": "604801"}, "ValidationError", id="duration-high"),
        pytest.param({"stickiness.type": "source_ip"}, "InvalidConfigurationRequest", id="nlb-stickiness"),
        pytest.param({"deregistration_delay.timeout_seconds": "3601"}, "ValidationError", id="delay-high"),
        pytest.param({"slow_start.duration_seconds": "10"}, "ValidationError", id="slow-start-10"),
        pytest.param({"load_balancing.algorithm.type": "random"}, "ValidationError", id="algorithm"),
        pytest.param({"no.such.key": "1"}, "ValidationError", id="unknown-key"),
    ],
)
def test_attribute_errors_change_nothing(elbv2: Any, changes: dict[str, str], code: str) -> None:
    arn = create(elbv2)["TargetGroupArn"]
    attrs = [{"Key": k, "Value": v} for k, v in changes.items()]
    assert error_of(elbv2.modify_target_group_attributes, TargetGroupArn=arn, Attributes=attrs) == code
    assert attributes(elbv2, arn) == DEFAULT_ATTRIBUTES
