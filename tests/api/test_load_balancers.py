"""Load balancers through real boto3 and the aws CLI: create/describe/delete, attributes, network settings."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.calls import unique
from tests.support.clients import AwsCli


def error_of(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return str(caught.value.response["Error"]["Code"])


def create(elbv2: Any, name: str, **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("Subnets", ["subnet-1", "subnet-2"])
    return dict(elbv2.create_load_balancer(Name=name, **kwargs)["LoadBalancers"][0])


def test_create_echoes_an_active_aws_shaped_load_balancer(elbv2: Any) -> None:
    name = unique("lb")
    lb = create(elbv2, name, SecurityGroups=["sg-1"], Scheme="internal", Tags=[{"Key": "team", "Value": "web"}])
    assert re.fullmatch(
        rf"arn:aws:elasticloadbalancing:us-east-1:\d{{12}}:loadbalancer/app/{name}/[0-9a-f]{{16}}",
        lb["LoadBalancerArn"],
    )
    assert re.fullmatch(rf"internal-{name}-\d+\.us-east-1\.elb\.amazonaws\.com", lb["DNSName"])
    assert lb["State"] == {"Code": "active"}
    assert (lb["Type"], lb["Scheme"], lb["IpAddressType"]) == ("application", "internal", "ipv4")
    assert lb["CanonicalHostedZoneId"] and lb["VpcId"].startswith("vpc-")
    assert lb["SecurityGroups"] == ["sg-1"]
    assert lb["AvailabilityZones"] == [
        {"ZoneName": "us-east-1a", "SubnetId": "subnet-1"},
        {"ZoneName": "us-east-1b", "SubnetId": "subnet-2"},
    ]
    tags = elbv2.describe_tags(ResourceArns=[lb["LoadBalancerArn"]])["TagDescriptions"][0]["Tags"]
    assert tags == [{"Key": "team", "Value": "web"}]


def test_subnet_mappings_are_accepted(elbv2: Any) -> None:
    lb = create(elbv2, unique("lb"), Subnets=[], SubnetMappings=[{"SubnetId": "subnet-9"}])
    assert [z["SubnetId"] for z in lb["AvailabilityZones"]] == ["subnet-9"]


def test_identical_create_is_idempotent_and_different_settings_conflict(elbv2: Any) -> None:
    name = unique("lb")
    first = create(elbv2, name, SecurityGroups=["sg-1"])
    again = create(elbv2, name, SecurityGroups=["sg-1"], Subnets=["subnet-2", "subnet-1"])
    assert again["LoadBalancerArn"] == first["LoadBalancerArn"]
    assert error_of(elbv2.create_load_balancer, Name=name, Subnets=["subnet-1"]) == "DuplicateLoadBalancerName"
    assert error_of(elbv2.create_load_balancer, Name=name, Scheme="internal") == "DuplicateLoadBalancerName"


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"Name": "a" * 33}, id="name-too-long"),
        pytest.param({"Name": "-web"}, id="leading-hyphen"),
        pytest.param({"Name": "web-"}, id="trailing-hyphen"),
        pytest.param({"Name": "we_b"}, id="underscore"),
        pytest.param({"Name": "internal-web"}, id="internal-prefix"),
        pytest.param({"Name": "net", "Type": "network"}, id="network-type"),
        pytest.param({"Name": "gw", "Type": "gateway"}, id="gateway-type"),
        pytest.param({"Name": "both", "Subnets": ["s-1"], "SubnetMappings": [{"SubnetId": "s-1"}]}, id="both-subnets"),
        pytest.param({"Name": "tag", "Tags": [{"Key": "aws:x", "Value": "v"}]}, id="reserved-tag"),
    ],
)
def test_create_rejects_bad_input(elbv2: Any, kwargs: dict[str, Any]) -> None:
    assert error_of(elbv2.create_load_balancer, **kwargs) == "ValidationError"


def test_create_rejects_duplicate_tag_keys(elbv2: Any) -> None:
    tags = [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]
    assert error_of(elbv2.create_load_balancer, Name=unique("lb"), Tags=tags) == "DuplicateTagKeys"


def test_describe_by_names_arns_all_and_paged(elbv2: Any) -> None:
    names = [unique("page") for _ in range(3)]
    arns = [create(elbv2, n)["LoadBalancerArn"] for n in names]
    by_name = elbv2.describe_load_balancers(Names=names[::-1])["LoadBalancers"]
    assert [lb["LoadBalancerName"] for lb in by_name] == sorted(names)
    by_arn = elbv2.describe_load_balancers(LoadBalancerArns=[arns[1]])["LoadBalancers"]
    assert [lb["LoadBalancerName"] for lb in by_arn] == [names[1]]
    first = elbv2.describe_load_balancers(PageSize=1)
    assert len(first["LoadBalancers"]) == 1 and first["NextMarker"]
    pages = elbv2.get_paginator("describe_load_balancers").paginate(PaginationConfig={"PageSize": 2})
    seen = [lb["LoadBalancerName"] for page in pages for lb in page["LoadBalancers"]]
    assert seen == sorted(seen) and set(names) <= set(seen)


def test_describe_errors(elbv2: Any) -> None:
    arn = create(elbv2, unique("lb"))["LoadBalancerArn"]
    gone = arn.rsplit("/", 1)[0] + "/0123456789abcdef"
    assert error_of(elbv2.describe_load_balancers, Names=["no-such-lb"]) == "LoadBalancerNotFound"
    assert error_of(elbv2.describe_load_balancers, LoadBalancerArns=[gone]) == "LoadBalancerNotFound"
    assert error_of(elbv2.describe_load_balancers, LoadBalancerArns=[arn], Names=["x"]) == "ValidationError"


def test_delete_takes_listeners_and_rules_and_is_idempotent(elbv2: Any) -> None:
    arn = create(elbv2, unique("lb"))["LoadBalancerArn"]
    tg = elbv2.create_target_group(Name=unique("tg"), Protocol="HTTP", Port=80, TargetType="ip")["TargetGroups"][0]
    listener = elbv2.create_listener(
        LoadBalancerArn=arn,
        Protocol="HTTP",
        Port=8080,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
    )["Listeners"][0]["ListenerArn"]
    rule = elbv2.create_rule(
        ListenerArn=listener,
        Priority=1,
        Conditions=[{"Field": "path-pattern", "Values": ["/a"]}],
        Actions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
    )["Rules"][0]["RuleArn"]
    elbv2.delete_load_balancer(LoadBalancerArn=arn)
    elbv2.delete_load_balancer(LoadBalancerArn=arn)  # AWS: deleting a deleted load balancer succeeds
    assert error_of(elbv2.describe_listeners, ListenerArns=[listener]) == "ListenerNotFound"
    assert error_of(elbv2.describe_rules, RuleArns=[rule]) == "RuleNotFound"
    assert error_of(elbv2.describe_tags, ResourceArns=[arn]) == "LoadBalancerNotFound"
    elbv2.delete_target_group(TargetGroupArn=tg["TargetGroupArn"])  # no longer in use


def test_deletion_protection(elbv2: Any) -> None:
    arn = create(elbv2, unique("lb"))["LoadBalancerArn"]
    protect = [{"Key": "deletion_protection.enabled", "Value": "true"}]
    elbv2.modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=protect)
    assert error_of(elbv2.delete_load_balancer, LoadBalancerArn=arn) == "OperationNotPermitted"
    protect[0]["Value"] = "false"
    elbv2.modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=protect)
    elbv2.delete_load_balancer(LoadBalancerArn=arn)


def test_attributes_defaults_and_changes(elbv2: Any) -> None:
    arn = create(elbv2, unique("lb"))["LoadBalancerArn"]
    described = elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]
    values = {a["Key"]: a["Value"] for a in described}
    assert values["idle_timeout.timeout_seconds"] == "60"
    assert values["deletion_protection.enabled"] == "false"
    assert values["routing.http2.enabled"] == "true"
    assert values["routing.http.desync_mitigation_mode"] == "defensive"
    assert values["client_keep_alive.seconds"] == "3600"
    changed = elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=arn, Attributes=[{"Key": "idle_timeout.timeout_seconds", "Value": "120"}]
    )["Attributes"]
    assert {a["Key"]: a["Value"] for a in changed} == {**values, "idle_timeout.timeout_seconds": "120"}
    again = elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]
    assert {a["Key"]: a["Value"] for a in again}["idle_timeout.timeout_seconds"] == "120"


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        pytest.param("idle_timeout.timeout_seconds", "0", "ValidationError", id="idle-0"),
        pytest.param("idle_timeout.timeout_seconds", "4001", "ValidationError", id="idle-4001"),
        pytest.param("routing.http2.enabled", "yes", "ValidationError", id="not-bool"),
        pytest.param("no.such.key", "1", "ValidationError", id="unknown-key"),
        pytest.param("access_logs.s3.enabled", "true", "InvalidConfigurationRequest", id="logs-without-bucket"),
    ],
)
def test_attribute_errors(elbv2: Any, key: str, value: str, code: str) -> None:
    arn = create(elbv2, unique("lb"))["LoadBalancerArn"]
    call = elbv2.modify_load_balancer_attributes
    assert error_of(call, LoadBalancerArn=arn, Attributes=[{"Key": key, "Value": value}]) == code
    elbv2.delete_load_balancer(LoadBalancerArn=arn)


def test_network_settings_are_stored_and_echoed(elbv2: Any) -> None:
    arn = create(elbv2, unique("lb"))["LoadBalancerArn"]
    assert elbv2.set_security_groups(LoadBalancerArn=arn, SecurityGroups=["sg-a", "sg-b"])["SecurityGroupIds"] == [
        "sg-a",
        "sg-b",
    ]
    zones = elbv2.set_subnets(LoadBalancerArn=arn, Subnets=["subnet-x", "subnet-y", "subnet-z"])["AvailabilityZones"]
    assert [(z["ZoneName"], z["SubnetId"]) for z in zones] == [
        ("us-east-1a", "subnet-x"),
        ("us-east-1b", "subnet-y"),
        ("us-east-1c", "subnet-z"),
    ]
    assert elbv2.set_ip_address_type(LoadBalancerArn=arn, IpAddressType="dualstack")["IpAddressType"] == "dualstack"
    lb = elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]
    assert lb["SecurityGroups"] == ["sg-a", "sg-b"] and lb["IpAddressType"] == "dualstack"
    assert [z["SubnetId"] for z in lb["AvailabilityZones"]] == ["subnet-x", "subnet-y", "subnet-z"]
    gone = arn.rsplit("/", 1)[0] + "/0123456789abcdef"
    assert error_of(elbv2.set_security_groups, LoadBalancerArn=gone, SecurityGroups=["sg-a"]) == "LoadBalancerNotFound"
    elbv2.delete_load_balancer(LoadBalancerArn=arn)


def test_waiters_end_at_once(elbv2: Any, aws: AwsCli) -> None:
    arn = create(elbv2, unique("lb"))["LoadBalancerArn"]
    fast = {"Delay": 1, "MaxAttempts": 3}
    elbv2.get_waiter("load_balancer_available").wait(LoadBalancerArns=[arn], WaiterConfig=fast)
    aws("elbv2", "wait", "load-balancer-available", "--load-balancer-arns", arn)
    elbv2.delete_load_balancer(LoadBalancerArn=arn)
    elbv2.get_waiter("load_balancers_deleted").wait(LoadBalancerArns=[arn], WaiterConfig=fast)
