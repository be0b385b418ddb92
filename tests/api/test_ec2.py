"""EC2 networking and STS on the same endpoint, through real boto3 and the real aws CLI."""

from __future__ import annotations

import itertools
import json
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore import xform_name
from botocore.exceptions import ClientError, ParamValidationError

from provider.ec2.operations import OPERATIONS as EC2_OPERATIONS
from tests.support.clients import AwsCli, aws_client, elbv2_client
from tests.support.processes import Server, start_server
from tests.support.shapes import Generator

pytestmark = pytest.mark.slow

_octets = itertools.count(1)


@pytest.fixture
def ec2(api_server: Server) -> Any:
    return aws_client(api_server.url, "ec2")


def new_vpc(ec2: Any, name: str = "test") -> str:
    """A fresh 10.N.0.0/16 VPC (N unique in this module), tagged Name=name."""
    spec = [{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": name}]}]
    vpc = ec2.create_vpc(CidrBlock=f"10.{next(_octets)}.0.0/16", TagSpecifications=spec)["Vpc"]
    return str(vpc["VpcId"])


def error_code(call: Callable[[], object]) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_defaults_exist_from_the_start(ec2: Any) -> None:
    [vpc] = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
    assert sorted(s["AvailabilityZone"] for s in subnets) == zones == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert {s["VpcId"] for s in subnets} == {vpc["VpcId"]}
    [group] = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"]
    assert group["VpcId"] == vpc["VpcId"]
    assert group["IpPermissionsEgress"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]
    attributes = ec2.describe_account_attributes(AttributeNames=["default-vpc"])["AccountAttributes"]
    assert attributes[0]["AttributeValues"] == [{"AttributeValue": vpc["VpcId"]}]


def test_vpc_subnet_group_life_cycle(ec2: Any) -> None:
    vpc_id = new_vpc(ec2, "life")
    cidr = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["CidrBlock"]
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr.replace("0.0/16", "1.0/24"), AvailabilityZone="us-east-1b")
    subnet_id = subnet["Subnet"]["SubnetId"]
    assert subnet["Subnet"]["AvailableIpAddressCount"] == 251
    group_id = ec2.create_security_group(GroupName="web", Description="web tier", VpcId=vpc_id)["GroupId"]
    rule = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.9/8"}]}
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[rule])
    [group] = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["w*"]}])["SecurityGroups"]  # noqa: E501
    assert group["IpPermissions"][0]["IpRanges"] == [{"CidrIp": "10.0.0.0/8"}]  # canonical, as AWS stores it
    ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[rule])
    assert ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]["IpPermissions"] == []
    ec2.create_tags(Resources=[subnet_id, group_id], Tags=[{"Key": "tier", "Value": "web"}])
    tagged = ec2.describe_subnets(Filters=[{"Name": "tag:tier", "Values": ["web"]}])["Subnets"]
    assert [s["SubnetId"] for s in tagged] == [subnet_id]
    ec2.delete_tags(Resources=[subnet_id], Tags=[{"Key": "tier"}])
    assert ec2.describe_tags(Filters=[{"Name": "key", "Values": ["tier"]}])["Tags"][0]["ResourceId"] == group_id
    assert error_code(lambda: ec2.delete_vpc(VpcId=vpc_id)) == ("DependencyViolation", 400)
    ec2.delete_security_group(GroupId=group_id)
    ec2.delete_subnet(SubnetId=subnet_id)
    ec2.delete_vpc(VpcId=vpc_id)
    assert error_code(lambda: ec2.describe_vpcs(VpcIds=[vpc_id])) == ("InvalidVpcID.NotFound", 400)


def counts(ec2: Any) -> tuple[int, ...]:
    return (
        len(ec2.describe_vpcs()["Vpcs"]),
        len(ec2.describe_subnets()["Subnets"]),
        len(ec2.describe_security_groups()["SecurityGroups"]),
        sum(len(g["IpPermissions"]) + len(g["IpPermissionsEgress"]) for g in ec2.describe_security_groups()["SecurityGroups"]),  # noqa: E501
        len(ec2.describe_tags()["Tags"]),
    )


BAD_INPUT: list[Any] = [
    pytest.param("create_vpc", {"CidrBlock": "10.0.0.0/8"}, "InvalidVpc.Range", id="vpc-too-big"),
    pytest.param("create_vpc", {"CidrBlock": "banana"}, "InvalidParameterValue", id="vpc-not-cidr"),
    pytest.param("create_subnet", {"VpcId": "vpc-00000000000000000", "CidrBlock": "10.0.0.0/24"}, "InvalidVpcID.NotFound", id="subnet-no-vpc"),  # noqa: E501
    pytest.param("create_subnet", {"VpcId": "{default}", "CidrBlock": "172.31.0.0/24"}, "InvalidSubnet.Conflict", id="subnet-overlap"),  # noqa: E501
    pytest.param("create_subnet", {"VpcId": "{default}", "CidrBlock": "10.9.0.0/24"}, "InvalidSubnet.Range", id="subnet-outside-vpc"),  # noqa: E501
    pytest.param("create_subnet", {"VpcId": "{default}", "CidrBlock": "172.31.200.0/24", "AvailabilityZone": "us-east-1z"}, "InvalidParameterValue", id="subnet-bad-zone"),  # noqa: E501
    pytest.param("create_security_group", {"GroupName": "default", "Description": "d"}, "InvalidGroup.Reserved", id="group-default"),  # noqa: E501
    pytest.param("create_security_group", {"GroupName": "dup", "Description": "d"}, "InvalidGroup.Duplicate", id="group-duplicate"),  # noqa: E501
    pytest.param("create_security_group", {"GroupName": "x", "Description": "d", "VpcId": "vpc-00000000000000000"}, "InvalidVpcID.NotFound", id="group-no-vpc"),  # noqa: E501
    pytest.param("delete_security_group", {"GroupId": "{default-group}"}, "CannotDelete", id="delete-default-group"),
    pytest.param("delete_security_group", {"GroupId": "sg-00000000000000000"}, "InvalidGroup.NotFound", id="delete-missing-group"),  # noqa: E501
    pytest.param("authorize_security_group_ingress", {"GroupId": "{dup}", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}, "InvalidPermission.Duplicate", id="rule-duplicate"),  # noqa: E501
    pytest.param("authorize_security_group_ingress", {"GroupId": "{dup}", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 90, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}, "InvalidParameterValue", id="rule-ports-reversed"),  # noqa: E501
    pytest.param("authorize_security_group_ingress", {"GroupId": "{dup}", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 1, "ToPort": 2, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}, {"IpProtocol": "bogus", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}, "InvalidParameterValue", id="rule-bad-protocol-nothing-half-applied"),  # noqa: E501
    pytest.param("revoke_security_group_ingress", {"GroupId": "{dup}", "IpPermissions": [{"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}, "InvalidPermission.NotFound", id="revoke-missing"),  # noqa: E501
    pytest.param("create_tags", {"Resources": ["{dup}", "vpc-00000000000000000"], "Tags": [{"Key": "a", "Value": "b"}]}, "InvalidVpcID.NotFound", id="tag-missing-resource-nothing-half-applied"),  # noqa: E501
    pytest.param("create_tags", {"Resources": ["{dup}"], "Tags": [{"Key": "aws:x", "Value": "b"}]}, "InvalidParameterValue", id="tag-reserved"),  # noqa: E501
    pytest.param("describe_subnets", {"Filters": [{"Name": "colour", "Values": ["red"]}]}, "InvalidParameterValue", id="unknown-filter"),  # noqa: E501
    pytest.param("describe_subnets", {"SubnetIds": ["subnet-00000000000000000"]}, "InvalidSubnetID.NotFound", id="describe-missing-subnet"),  # noqa: E501
    pytest.param("delete_vpc", {"VpcId": "{default}"}, "OperationNotPermitted", id="delete-default-vpc"),
]


@pytest.fixture
def placeholders(ec2: Any) -> dict[str, str]:
    default = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    groups = {g["GroupName"]: g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]}
    if "dup" not in groups:
        groups["dup"] = ec2.create_security_group(GroupName="dup", Description="d")["GroupId"]
        ssh = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ec2.authorize_security_group_ingress(GroupId=groups["dup"], IpPermissions=[ssh])
    return {"{default}": default, "{default-group}": groups["default"], "{dup}": groups["dup"]}


def filled(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, list):
        return [filled(v, names) for v in value]
    if isinstance(value, dict):
        return {k: filled(v, names) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("method", "params", "code"), BAD_INPUT)
def test_bad_input_gets_ec2_codes_and_stores_nothing(
    ec2: Any, placeholders: dict[str, str], method: str, params: dict[str, Any], code: str
) -> None:
    before = counts(ec2)
    assert error_code(lambda: getattr(ec2, method)(**filled(params, placeholders))) == (code, 400)
    assert counts(ec2) == before


def test_load_balancer_takes_vpc_and_zones_from_its_subnets(api_server: Server, ec2: Any) -> None:
    elbv2 = elbv2_client(api_server.url)
    vpc_id = new_vpc(ec2, "lb")
    cidr = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["CidrBlock"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr.replace("0.0/16", f"{n}.0/24"), AvailabilityZone=zone)["Subnet"]
        for n, zone in ((1, "us-east-1c"), (2, "us-east-1a"))
    ]
    ids = [s["SubnetId"] for s in subnets]
    group_id = ec2.create_security_group(GroupName="lb", Description="lb", VpcId=vpc_id)["GroupId"]
    lb = elbv2.create_load_balancer(Name="in-vpc", Subnets=ids, SecurityGroups=[group_id])["LoadBalancers"][0]
    assert lb["VpcId"] == vpc_id
    assert lb["AvailabilityZones"] == [
        {"ZoneName": "us-east-1c", "SubnetId": ids[0]},
        {"ZoneName": "us-east-1a", "SubnetId": ids[1]},
    ]
    default_subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]
    mixed = [ids[0], default_subnet["SubnetId"]]
    code = error_code(lambda: elbv2.create_load_balancer(Name="mixed", Subnets=mixed))
    assert code == ("InvalidConfigurationRequest", 400)
    assert elbv2.describe_load_balancers(Names=["in-vpc"])["LoadBalancers"][0]["VpcId"] == vpc_id
    assert error_code(lambda: elbv2.describe_load_balancers(Names=["mixed"]))[0] == "LoadBalancerNotFound"
    moved = lambda: elbv2.set_subnets(LoadBalancerArn=lb["LoadBalancerArn"], Subnets=[default_subnet["SubnetId"]])  # noqa: E731
    assert error_code(moved) == ("InvalidConfigurationRequest", 400)
    unknown = elbv2.create_load_balancer(Name="canary-like", Subnets=["subnet-a", "subnet-b"])["LoadBalancers"][0]
    assert [z["SubnetId"] for z in unknown["AvailabilityZones"]] == ["subnet-a", "subnet-b"]



def test_subnets_and_groups_in_use_by_a_load_balancer_stay(api_server: Server, ec2: Any) -> None:
    elbv2 = elbv2_client(api_server.url)
    vpc_id = new_vpc(ec2, "in-use")
    cidr = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["CidrBlock"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr.replace("0.0/16", "9.0/24"))["Subnet"]["SubnetId"]
    group_id = ec2.create_security_group(GroupName="in-use", Description="d", VpcId=vpc_id)["GroupId"]
    arn = elbv2.create_load_balancer(Name="holder", Subnets=[subnet_id], SecurityGroups=[group_id])["LoadBalancers"][0]["LoadBalancerArn"]  # noqa: E501
    assert error_code(lambda: ec2.delete_subnet(SubnetId=subnet_id)) == ("DependencyViolation", 400)
    assert error_code(lambda: ec2.delete_security_group(GroupId=group_id)) == ("DependencyViolation", 400)
    assert ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["SubnetId"] == subnet_id
    elbv2.delete_load_balancer(LoadBalancerArn=arn)
    ec2.delete_security_group(GroupId=group_id)
    ec2.delete_subnet(SubnetId=subnet_id)
    assert error_code(lambda: ec2.describe_subnets(SubnetIds=[subnet_id]))[0] == "InvalidSubnetID.NotFound"


def test_cli_sts_and_ec2_describes(aws: AwsCli) -> None:
    identity = json.loads(aws("sts", "get-caller-identity").stdout)
    assert identity["Account"] == "123456789012"
    subnets = json.loads(aws("ec2", "describe-subnets", "--filters", "Name=default-for-az,Values=true").stdout)
    assert len(subnets["Subnets"]) == 3
    groups = json.loads(aws("ec2", "describe-security-groups", "--group-names", "default").stdout)
    assert groups["SecurityGroups"][0]["GroupName"] == "default"


@pytest.mark.parametrize(
    ("body", "envelope", "code"),
    [
        pytest.param(b"Action=DescribeInstances&Version=2016-11-15", b"<Response><Errors>", b"UnsupportedOperation", id="ec2"),  # noqa: E501
        pytest.param(b"Action=AssumeRole&Version=2011-06-15&RoleArn=a&RoleSessionName=b", b"<ErrorResponse", b"UnsupportedOperation", id="sts"),  # noqa: E501
        pytest.param(b"Action=Fly&Version=2016-11-15", b"<Response><Errors>", b"InvalidAction", id="ec2-not-in-model"),
    ],
)
def test_unknown_operations_get_a_400_in_their_envelope(api_server: Server, body: bytes, envelope: bytes, code: bytes) -> None:  # noqa: E501
    request = urllib.request.Request(api_server.url + "/", data=body, method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    text = caught.value.read()
    assert caught.value.code == 400
    assert envelope in text and b"<Code>" + code + b"</Code>" in text


def test_ec2_state_survives_a_restart(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    try:
        vpc_id = new_vpc(aws_client(server.url, "ec2"), "durable")
    finally:
        server.stop()
    again = start_server(tmp_path, db=server.db)
    try:
        vpcs = aws_client(again.url, "ec2").describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["durable"]}])["Vpcs"]
        assert [v["VpcId"] for v in vpcs] == [vpc_id]
    finally:
        again.stop()


def test_sts_answers_with_the_account_from_settings(tmp_path: Path) -> None:
    server = start_server(tmp_path, account_id="210987654321")
    try:
        identity = aws_client(server.url, "sts").get_caller_identity()
    finally:
        server.stop()
    assert (identity["Account"], identity["Arn"]) == ("210987654321", "arn:aws:iam::210987654321:root")


@pytest.mark.parametrize("empty_lists", [pytest.param(False, id="full"), pytest.param(True, id="empty-lists")])
def test_every_served_operation_answers_odd_values_with_a_4xx_or_success(api_server: Server, empty_lists: bool) -> None:
    """Every field filled with a value that fits the model but not the domain (CIDRs, protocols, ports like
    '7/a b&c=d+é*<x>%'), the group and VPC ids real ones so the odd values get read: a success or a 4xx with
    an EC2 code, never a 5xx."""
    ec2 = aws_client(api_server.url, "ec2")
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    answers: dict[str, str] = {}
    for n, name in enumerate(sorted(EC2_OPERATIONS)):
        params = Generator(empty_lists).value(ec2.meta.service_model.operation_model(name).input_shape)
        params.pop("DryRun", None)
        if "GroupId" in params:
            group = ec2.create_security_group(GroupName=f"odd-{empty_lists}-{n}", Description="d")
            params["GroupId"] = group["GroupId"]
            params.pop("GroupName", None)
        if "VpcId" in params:
            params["VpcId"] = default_vpc
        try:
            getattr(ec2, xform_name(name))(**params)
            answers[name] = "ok"
        except ClientError as error:
            assert error.response["ResponseMetadata"]["HTTPStatusCode"] < 500, (name, error.response)
            answers[name] = error.response["Error"]["Code"]
        except ParamValidationError:
            answers[name] = "rejected by botocore"
    assert set(answers) == set(EC2_OPERATIONS) and "InternalFailure" not in answers.values()
