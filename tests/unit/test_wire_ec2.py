"""EC2's query dialect and STS's query protocol, with botocore's serializers and parsers as the peer, over the
operations infrastructure-as-code tools call (issue 11)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import botocore.session
import pytest
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from provider.aws import EC2, QUERY, Incoming, load
from provider.aws.dispatch import Registry, Service
from provider.ec2.operations import OPERATIONS as SERVED
from provider.errors import InvalidAction, InvalidParameterValue, MissingParameter, UnsupportedOperation
from tests.support.shapes import Generator, to_snake

SESSION = botocore.session.get_session()
WHOLE_SECONDS = datetime(2026, 11, 26, 14, 30, 33, tzinfo=UTC)
EC2_OPERATIONS = sorted(SERVED)  # every operation provider/ec2 serves
CASES = [
    *(pytest.param("ec2", EC2, name, id=f"ec2-{name}") for name in EC2_OPERATIONS),
    *(pytest.param("sts", QUERY, name, id=f"sts-{name}") for name in ("GetCallerIdentity",)),
]


def form(service: str, name: str, params: dict[str, Any]) -> Incoming:
    operation = SESSION.get_service_model(service).operation_model(name)
    protocol = "ec2" if service == "ec2" else "query"
    body = create_serializer(protocol).serialize_to_request(params, operation)["body"]
    return Incoming(urlencode(body).encode())


@pytest.mark.parametrize(("service", "ours", "name"), CASES)
def test_input_round_trip(service: str, ours: Any, name: str) -> None:
    """Full lists only: the ec2 dialect has no way to send an empty list (botocore sends nothing)."""
    shape = SESSION.get_service_model(service).operation_model(name).input_shape
    params = Generator(False, WHOLE_SECONDS).value(shape)
    request = ours.parse(load(service), form(service, name, params))
    assert (request.action, request.params) == (name, to_snake(params, shape))


@pytest.mark.parametrize(("service", "ours", "name"), CASES)
def test_output_round_trip(service: str, ours: Any, name: str) -> None:
    shape = SESSION.get_service_model(service).operation_model(name).output_shape
    expected = Generator(False, WHOLE_SECONDS).value(shape) if shape is not None else {}
    rendered = ours.render(load(service), name, to_snake(expected, shape) if shape else {}, "req-9")
    raw = {"body": rendered.body, "headers": {}, "status_code": 200}
    parsed = create_parser("ec2" if service == "ec2" else "query").parse(raw, shape)
    assert parsed.pop("ResponseMetadata")["RequestId"] == "req-9"
    assert parsed == expected


def test_ec2_names_its_filters_and_lists_its_own_way() -> None:
    params = {"Filters": [{"Name": "vpc-id", "Values": ["vpc-1", "vpc-2"]}], "GroupIds": ["sg-1"]}
    incoming = form("ec2", "DescribeSecurityGroups", params)
    assert b"Filter.1.Value.2=vpc-2" in incoming.body and b"GroupId.1=sg-1" in incoming.body
    request = EC2.parse(load("ec2"), incoming)
    assert request.params == {"filters": [{"name": "vpc-id", "values": ["vpc-1", "vpc-2"]}], "group_ids": ["sg-1"]}
    body = EC2.render(load("ec2"), "DescribeVpcs", {"vpcs": [{"vpc_id": "vpc-1", "is_default": True}]}, "r").body
    assert b"<requestId>r</requestId><vpcSet><item><isDefault>true</isDefault><vpcId>vpc-1</vpcId></item>" in body


@pytest.mark.parametrize(
    ("error", "code"),
    [
        pytest.param(
            MissingParameter("The request must contain the parameter VpcId"), "MissingParameter", id="missing"
        ),
        pytest.param(
            InvalidParameterValue("Value (x) for parameter cidrBlock is invalid."), "InvalidParameterValue", id="value"
        ),
    ],
)
def test_ec2_error_envelope(error: Any, code: str) -> None:
    rendered = EC2.error(load("ec2"), error, "req-3")
    parsed = create_parser("ec2").parse({"body": rendered.body, "headers": {}, "status_code": 400}, None)
    assert (parsed["Error"]["Code"], parsed["Error"]["Message"]) == (code, error.message)
    assert parsed["ResponseMetadata"]["RequestId"] == "req-3"


def test_ec2_missing_member_is_missing_parameter() -> None:
    with pytest.raises(MissingParameter):
        EC2.parse(load("ec2"), Incoming(b"Action=CreateSubnet&Version=2016-11-15&CidrBlock=10.0.1.0/24"))


def test_a_form_for_ec2_or_sts_routes_by_version() -> None:
    registry = Registry([Service(name, {}, str) for name in ("elbv2", "ec2", "sts")])
    for body, service, protocol in (
        (b"Action=DescribeVpcs&Version=2016-11-15", "ec2", EC2),
        (b"Action=GetCallerIdentity&Version=2011-06-15", "sts", QUERY),
        (b"Action=DescribeRules&Version=2015-12-01", "elbv2", QUERY),
    ):
        model, chosen = registry.route(QUERY, Incoming(body), "/", {})
        assert (model.name, chosen) == (service, protocol)


def test_a_model_compiles_only_the_operations_served() -> None:
    served = load("ec2", frozenset(EC2_OPERATIONS))
    assert set(served.ops) == set(EC2_OPERATIONS) and len(served.names) > 500
    with pytest.raises(UnsupportedOperation, match="^RunInstances is not supported by elbv2-provider$"):
        EC2.parse(served, Incoming(b"Action=RunInstances&Version=2016-11-15"))
    with pytest.raises(InvalidAction):
        EC2.parse(served, Incoming(b"Action=Frobnicate&Version=2016-11-15"))
    assert load("elbv2", frozenset(load("elbv2").names)) is load("elbv2")
