"""Targets (register, deregister, health with the waiters), tags on every resource kind, and account reads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.backends import Backend
from tests.support.calls import unique
from tests.support.clients import AwsCli, aws_cli, elbv2_client
from tests.support.processes import Server, start_server

FAST = {"Delay": 1, "MaxAttempts": 20}


def error_of(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return str(caught.value.response["Error"]["Code"]), str(caught.value.response["Error"]["Message"])


@pytest.fixture(scope="module")
def fast_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Health checks at 1/50 of AWS's timing, so a 5 s interval probes every 0.1 s."""
    s = start_server(tmp_path_factory.mktemp("targets"), health_time_scale=0.02)
    yield s
    s.stop()


@pytest.fixture
def elbv2(fast_server: Server) -> Any:
    return elbv2_client(fast_server.url)


@pytest.fixture
def aws_fast(fast_server: Server) -> AwsCli:
    return aws_cli(fast_server.url)


@pytest.fixture(scope="module")
def backend() -> Iterator[int]:
    """A loopback HTTP backend that answers 200 to everything."""
    ok = Backend("ok", lambda _: (200, b"ok"))
    yield ok.port
    ok.stop()


def target_group(elbv2: Any, port: int = 80, **kwargs: Any) -> str:
    params = {
        "Name": unique("tg"),
        "Protocol": "HTTP",
        "Port": port,
        "TargetType": "ip",
        "HealthCheckIntervalSeconds": 5,
        "HealthCheckTimeoutSeconds": 2,
    } | kwargs
    return str(elbv2.create_target_group(**params)["TargetGroups"][0]["TargetGroupArn"])


def in_use(elbv2: Any, tg: str) -> str:
    """Put ``tg`` behind a listener (health checks run only for groups that receive traffic)."""
    lb = elbv2.create_load_balancer(Name=unique("lb"), Subnets=["s-1"])["LoadBalancers"][0]["LoadBalancerArn"]
    elbv2.create_listener(
        LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}]
    )
    return str(lb)


def health(elbv2: Any, tg: str, **kwargs: Any) -> list[dict[str, Any]]:
    return list(elbv2.describe_target_health(TargetGroupArn=tg, **kwargs)["TargetHealthDescriptions"])


def set_delay(elbv2: Any, tg: str, seconds: int) -> None:
    elbv2.modify_target_group_attributes(
        TargetGroupArn=tg, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": str(seconds)}]
    )


def test_target_in_service_waiter_and_health_shape(elbv2: Any, backend: int) -> None:
    tg = target_group(elbv2, port=backend)
    in_use(elbv2, tg)
    elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": "127.0.0.1"}])
    described = health(elbv2, tg)
    assert described[0]["Target"] == {"Id": "127.0.0.1", "Port": backend}
    assert described[0]["HealthCheckPort"] == str(backend)
    assert described[0]["TargetHealth"]["State"] in ("initial", "healthy")
    elbv2.get_waiter("target_in_service").wait(TargetGroupArn=tg, WaiterConfig=FAST)
    assert health(elbv2, tg)[0]["TargetHealth"] == {"State": "healthy"}  # no Reason or Description


def test_unused_group_and_unregistered_targets(elbv2: Any) -> None:
    tg = target_group(elbv2, port=8080, HealthCheckPort="9090")
    elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": "10.0.0.1"}, {"Id": "10.0.0.2", "Port": 8081}])
    described = health(elbv2, tg)
    assert [(d["Target"]["Id"], d["Target"]["Port"], d["HealthCheckPort"]) for d in described] == [
        ("10.0.0.1", 8080, "9090"),
        ("10.0.0.2", 8081, "9090"),
    ]
    assert {d["TargetHealth"]["State"] for d in described} == {"unused"}
    assert {d["TargetHealth"]["Reason"] for d in described} == {"Target.NotInUse"}
    [missing] = health(elbv2, tg, Targets=[{"Id": "10.9.9.9"}])
    assert missing["Target"] == {"Id": "10.9.9.9", "Port": 8080}
    assert missing["TargetHealth"] == {
        "State": "unused",
        "Reason": "Target.NotRegistered",
        "Description": "Target is not registered to the target group",
    }
    [one] = health(elbv2, tg, Targets=[{"Id": "10.0.0.2"}])
    assert one["Target"]["Port"] == 8081  # an Id without a Port finds the registration


def test_register_is_idempotent(elbv2: Any) -> None:
    tg = target_group(elbv2)
    for _ in range(2):
        elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": "10.0.0.1"}, {"Id": "10.0.0.1", "Port": 80}])
    assert len(health(elbv2, tg)) == 1


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        pytest.param({"Id": "not-an-ip"}, "not a valid IPv4 or IPv6 address", id="hostname"),
        pytest.param({"Id": "300.1.1.1"}, "not a valid IPv4 or IPv6 address", id="octet"),
        pytest.param({"Id": "::1"}, "ipv6", id="family"),
    ],
)
def test_register_rejects_bad_ip_targets(elbv2: Any, target: dict[str, Any], fragment: str) -> None:
    tg = target_group(elbv2)
    code, message = error_of(elbv2.register_targets, TargetGroupArn=tg, Targets=[target])
    assert code == "InvalidTarget" and fragment in message
    assert health(elbv2, tg) == []


def test_ipv6_group_takes_ipv6_loopback(elbv2: Any) -> None:
    tg = target_group(elbv2, IpAddressType="ipv6")
    elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": "::1"}])
    assert [d["Target"]["Id"] for d in health(elbv2, tg)] == ["::1"]


def test_instance_targets_need_a_resolvable_container(elbv2: Any) -> None:
    tg = target_group(elbv2, TargetType="instance")
    code, _ = error_of(elbv2.register_targets, TargetGroupArn=tg, Targets=[{"Id": "no-such-container-xyz"}])
    assert code == "InvalidTarget"


def test_too_many_targets(elbv2: Any) -> None:
    tg = target_group(elbv2)
    targets = [{"Id": f"10.1.{i // 250}.{i % 250 + 1}"} for i in range(1001)]
    code, _ = error_of(elbv2.register_targets, TargetGroupArn=tg, Targets=targets)
    assert code == "TooManyTargets"
    elbv2.register_targets(TargetGroupArn=tg, Targets=targets[:1000])
    assert len(health(elbv2, tg)) == 1000


def test_deregister_drains_then_reregister_clears_draining(elbv2: Any) -> None:
    tg = target_group(elbv2)
    in_use(elbv2, tg)
    elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": "10.0.0.1"}])
    elbv2.deregister_targets(TargetGroupArn=tg, Targets=[{"Id": "10.0.0.1"}])
    [draining] = health(elbv2, tg)
    assert draining["TargetHealth"] == {
        "State": "draining",
        "Reason": "Target.DeregistrationInProgress",
        "Description": "Target deregistration is in progress",
    }
    elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": "10.0.0.1"}])
    assert health(elbv2, tg)[0]["TargetHealth"]["State"] != "draining"


def test_deregister_without_delay_and_the_deregistered_waiter(elbv2: Any, aws_fast: AwsCli) -> None:
    tg = target_group(elbv2)
    set_delay(elbv2, tg, 0)
    elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": "10.0.0.1"}, {"Id": "10.0.0.2"}])
    elbv2.deregister_targets(TargetGroupArn=tg, Targets=[{"Id": "10.0.0.1"}])
    assert [d["Target"]["Id"] for d in health(elbv2, tg)] == ["10.0.0.2"]
    elbv2.get_waiter("target_deregistered").wait(TargetGroupArn=tg, Targets=[{"Id": "10.0.0.1"}], WaiterConfig=FAST)
    aws_fast("elbv2", "wait", "target-deregistered", "--target-group-arn", tg, "--targets", "Id=10.0.0.1")


def test_deregistered_waiter_follows_draining(elbv2: Any) -> None:
    tg = target_group(elbv2)
    set_delay(elbv2, tg, 1)
    elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": "10.0.0.1"}])
    elbv2.deregister_targets(TargetGroupArn=tg, Targets=[{"Id": "10.0.0.1"}])
    elbv2.get_waiter("target_deregistered").wait(TargetGroupArn=tg, Targets=[{"Id": "10.0.0.1"}], WaiterConfig=FAST)
    assert health(elbv2, tg, Targets=[{"Id": "10.0.0.1"}])[0]["TargetHealth"]["Reason"] == "Target.NotRegistered"


def test_deregister_unknown_target(elbv2: Any) -> None:
    tg = target_group(elbv2)
    elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": "10.0.0.1"}])
    code, message = error_of(
        elbv2.deregister_targets, TargetGroupArn=tg, Targets=[{"Id": "10.0.0.1"}, {"Id": "10.0.0.3"}]
    )
    assert code == "InvalidTarget" and "10.0.0.3:80" in message
    assert [d["TargetHealth"]["State"] for d in health(elbv2, tg)] == ["unused"]  # nothing half-applied


def test_target_operations_on_unknown_group(elbv2: Any) -> None:
    gone = target_group(elbv2).rsplit("/", 1)[0] + "/0123456789abcdef"
    for call in (elbv2.register_targets, elbv2.deregister_targets):
        assert error_of(call, TargetGroupArn=gone, Targets=[{"Id": "10.0.0.1"}])[0] == "TargetGroupNotFound"
    assert error_of(elbv2.describe_target_health, TargetGroupArn=gone)[0] == "TargetGroupNotFound"


# ---- tags ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def resources(fast_server: Server) -> dict[str, str]:
    elbv2 = elbv2_client(fast_server.url)
    tg = target_group(elbv2)
    lb = elbv2.create_load_balancer(Name=unique("tags"), Subnets=["s-1"])["LoadBalancers"][0]["LoadBalancerArn"]
    listener = elbv2.create_listener(
        LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}]
    )["Listeners"][0]
    rule = elbv2.create_rule(
        ListenerArn=listener["ListenerArn"],
        Priority=1,
        Conditions=[{"Field": "path-pattern", "Values": ["/t"]}],
        Actions=[{"Type": "forward", "TargetGroupArn": tg}],
    )["Rules"][0]
    return {"loadbalancer": lb, "targetgroup": tg, "listener": listener["ListenerArn"], "rule": rule["RuleArn"]}


KINDS = ["loadbalancer", "targetgroup", "listener", "rule"]


def tags_of(elbv2: Any, arn: str) -> list[dict[str, str]]:
    return list(elbv2.describe_tags(ResourceArns=[arn])["TagDescriptions"][0]["Tags"])


@pytest.mark.parametrize("kind", KINDS)
def test_add_describe_remove_tags(elbv2: Any, resources: dict[str, str], kind: str) -> None:
    arn = resources[kind]
    elbv2.add_tags(ResourceArns=[arn], Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    elbv2.add_tags(ResourceArns=[arn], Tags=[{"Key": "a", "Value": "3"}, {"Key": "c", "Value": ""}])
    assert tags_of(elbv2, arn) == [{"Key": "a", "Value": "3"}, {"Key": "b", "Value": "2"}, {"Key": "c", "Value": ""}]
    elbv2.remove_tags(ResourceArns=[arn], TagKeys=["a", "missing"])
    assert tags_of(elbv2, arn) == [{"Key": "b", "Value": "2"}, {"Key": "c", "Value": ""}]
    elbv2.remove_tags(ResourceArns=[arn], TagKeys=["b", "c"])
    assert tags_of(elbv2, arn) == []


def test_describe_tags_of_several_resources(elbv2: Any, resources: dict[str, str]) -> None:
    arns = [resources[k] for k in KINDS]
    described = elbv2.describe_tags(ResourceArns=arns)["TagDescriptions"]
    assert [d["ResourceArn"] for d in described] == arns


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        pytest.param("loadbalancer", "LoadBalancerNotFound", id="loadbalancer"),
        pytest.param("targetgroup", "TargetGroupNotFound", id="targetgroup"),
        pytest.param("listener", "ListenerNotFound", id="listener"),
        pytest.param("rule", "RuleNotFound", id="rule"),
    ],
)
def test_tags_of_unknown_resources(elbv2: Any, resources: dict[str, str], kind: str, code: str) -> None:
    gone = resources[kind].rsplit("/", 1)[0] + "/0123456789abcdef"
    assert error_of(elbv2.describe_tags, ResourceArns=[gone])[0] == code
    assert error_of(elbv2.add_tags, ResourceArns=[gone], Tags=[{"Key": "k", "Value": "v"}])[0] == code
    assert error_of(elbv2.remove_tags, ResourceArns=[gone], TagKeys=["k"])[0] == code


def test_tag_rules(elbv2: Any, resources: dict[str, str]) -> None:
    arn = resources["targetgroup"]
    duplicate = [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]
    assert error_of(elbv2.add_tags, ResourceArns=[arn], Tags=duplicate)[0] == "DuplicateTagKeys"
    assert error_of(elbv2.add_tags, ResourceArns=[arn], Tags=[{"Key": "aws:k", "Value": "v"}])[0] == "ValidationError"
    elbv2.add_tags(ResourceArns=[arn], Tags=[{"Key": f"k{i}", "Value": ""} for i in range(50)])
    assert error_of(elbv2.add_tags, ResourceArns=[arn], Tags=[{"Key": "one-more", "Value": ""}])[0] == "TooManyTags"
    elbv2.add_tags(ResourceArns=[arn], Tags=[{"Key": "k0", "Value": "replaced"}])  # a replace is not one more
    assert len(tags_of(elbv2, arn)) == 50
    elbv2.remove_tags(ResourceArns=[arn], TagKeys=[f"k{i}" for i in range(50)])


def test_not_an_elbv2_arn(elbv2: Any) -> None:
    code, _ = error_of(elbv2.describe_tags, ResourceArns=["arn:aws:s3:::bucket"])
    assert code == "ValidationError"
