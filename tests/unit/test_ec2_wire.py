"""The ec2 dialect (and the plain-query flavour STS uses) with botocore's own serializer and parser as peers."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.awsrequest import AWSRequest
from botocore.model import OperationModel, ServiceModel
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from provider.aws import ec2_query
from provider.ec2.errors import VpcNotFound
from provider.ec2.operations import OPERATIONS as EC2_OPERATIONS
from provider.errors import ApiError, InvalidAction
from provider.sts.identity import OPERATIONS as STS_OPERATIONS
from tests.unit.test_wire import Generator, to_snake

SESSION = botocore.session.get_session()
MODELS: dict[str, ServiceModel] = {name: SESSION.get_service_model(name) for name in ("ec2", "sts")}
SERVED = [("ec2", name) for name in sorted(EC2_OPERATIONS)] + [("sts", name) for name in sorted(STS_OPERATIONS)]


def body_of(service: str, operation: OperationModel, params: dict[str, Any]) -> bytes:
    protocol = MODELS[service].metadata["protocol"]
    request = create_serializer(protocol).serialize_to_request(params, operation)
    body = AWSRequest(method="POST", url="http://localhost/", data=request["body"]).prepare().body
    return body if isinstance(body, bytes) else str(body).encode()


def parse_body(service: str, name: str, xml: bytes, status: int = 200) -> dict[str, Any]:
    shape = MODELS[service].operation_model(name).output_shape
    parser = create_parser(MODELS[service].metadata["protocol"])
    parsed: dict[str, Any] = parser.parse({"body": xml, "headers": {}, "status_code": status}, shape)
    return parsed


@pytest.mark.parametrize("empty_lists", [pytest.param(False, id="full"), pytest.param(True, id="empty-lists")])
@pytest.mark.parametrize(("service", "name"), SERVED)
def test_input_round_trip_through_botocore_serializer(service: str, name: str, empty_lists: bool) -> None:
    operation = MODELS[service].operation_model(name)
    params = Generator(empty_lists).value(operation.input_shape) if operation.input_shape else {}
    body = body_of(service, operation, params)
    if any(params.get(m) == [] for m in operation.input_shape.required_members):
        # the ec2 serializer sends nothing for an empty list, so a required one is missing, as AWS would say
        with pytest.raises(ec2_query.MissingParameter):
            ec2_query.parse_request(body, service=service)
        return
    request = ec2_query.parse_request(body, service=service)
    assert request.action == name
    expected = to_snake(params, operation.input_shape) if operation.input_shape else {}
    if empty_lists:  # the ec2 serializer sends nothing for an empty list
        expected = {k: v for k, v in expected.items() if v != []}
    assert request.params == expected


@pytest.mark.parametrize(("service", "name"), SERVED)
def test_output_round_trip_through_botocore_parser(service: str, name: str) -> None:
    shape = MODELS[service].operation_model(name).output_shape
    expected = Generator(empty_lists=False).value(shape) if shape is not None else {}
    xml = ec2_query.render_result(name, to_snake(expected, shape) if shape else {}, "req-42", service=service)
    parsed = parse_body(service, name, xml)
    assert parsed.pop("ResponseMetadata")["RequestId"] == "req-42"
    assert parsed == expected


def test_ec2_lists_are_flattened_by_location_name_and_rendered_as_items() -> None:
    operation = MODELS["ec2"].operation_model("DescribeSubnets")
    body = body_of("ec2", operation, {"Filters": [{"Name": "vpc-id", "Values": ["vpc-1", "vpc-2"]}]})
    assert b"Filter.1.Value.2=vpc-2" in body
    assert ec2_query.parse_request(body).params == {"filters": [{"name": "vpc-id", "values": ["vpc-1", "vpc-2"]}]}
    xml = ec2_query.render_result("DescribeSubnets", {"subnets": [{"subnet_id": "subnet-1"}]}, "r")
    assert b"<requestId>r</requestId><subnetSet><item><subnetId>subnet-1</subnetId></item></subnetSet>" in xml
    assert b"Result>" not in xml


def test_an_operation_without_output_answers_return_true() -> None:
    xml = ec2_query.render_result("DeleteVpc", {}, "r")
    assert b"<return>true</return>" in xml
    assert parse_body("ec2", "DeleteVpc", xml)["ResponseMetadata"]["RequestId"] == "r"


@pytest.mark.parametrize(
    ("service", "error"),
    [
        pytest.param("ec2", VpcNotFound("The vpc ID 'vpc-<1>' does not exist & more"), id="ec2-envelope"),
        pytest.param("sts", InvalidAction("The action X is not valid"), id="query-envelope"),
    ],
)
def test_error_envelope_parses_in_botocore(service: str, error: ApiError) -> None:
    xml = ec2_query.render_error(error, "req-7", service=service)
    parsed = parse_body(service, "DescribeVpcs" if service == "ec2" else "GetCallerIdentity", xml, 400)
    assert parsed["Error"]["Code"] == error.code
    assert parsed["Error"]["Message"] == error.message
    assert parsed["ResponseMetadata"]["RequestId"] == "req-7"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param(b"Version=2016-11-15", "MissingAction", id="no-action"),
        pytest.param(b"Action=RunSpaceship&Version=2016-11-15", "InvalidAction", id="not-in-model"),
        pytest.param(b"Action=DescribeVpcs&Version=2010-01-01", "InvalidParameterValue", id="other-version"),
        pytest.param(b"Action=CreateSecurityGroup&Version=2016-11-15&GroupName=a", "MissingParameter", id="required"),
        pytest.param(b"Action=DescribeVpcs&Version=2016-11-15&MaxResults=many", "InvalidParameterValue", id="not-int"),
        pytest.param(b"Action=DescribeVpcs&Version=2016-11-15&Filter.0.Name=x", "ValidationError", id="index-0"),
        pytest.param(b"Action=DescribeVpcs&Version=2016-11-15&Filter.1=x", "ValidationError", id="struct-as-scalar"),
        pytest.param(b"Action=DescribeVpcs&Version=2016-11-15&Filter=%ZZ", "MalformedQueryString", id="bad-escape"),
    ],
)
def test_bad_requests_get_a_client_error(body: bytes, code: str) -> None:
    with pytest.raises(ApiError) as caught:
        ec2_query.parse_request(body)
    assert caught.value.code == code
    assert caught.value.status == 400


def test_unknown_members_are_ignored_like_aws() -> None:
    request = ec2_query.parse_request(b"Action=DescribeVpcs&Version=2016-11-15&Bogus.1=x&VpcId.1=vpc-1")
    assert request.params == {"vpc_ids": ["vpc-1"]}
