"""Wire layer round trips with botocore as the peer, for every elbv2 operation, plus the error envelope."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.awsrequest import AWSRequest
from botocore.model import OperationModel, ServiceModel
from botocore.parsers import QueryParser
from botocore.serialize import create_serializer

from provider.aws import OPERATIONS, parse_request, region_from_authorization, render_error, render_result, snake
from provider.errors import PriorityInUse
from tests.support.shapes import Generator, to_snake

SERVICE: ServiceModel = botocore.session.get_session().get_service_model("elbv2")
OPERATION_NAMES = sorted(SERVICE.operation_names)


def botocore_body(operation: OperationModel, params: dict[str, Any]) -> bytes:
    request = create_serializer("query").serialize_to_request(params, operation)
    body = AWSRequest(method="POST", url="http://localhost/", data=request["body"]).prepare().body
    return body if isinstance(body, bytes) else str(body).encode()


def test_all_operations_are_known() -> None:
    assert OPERATIONS == frozenset(OPERATION_NAMES)
    assert len(OPERATIONS) == 51


@pytest.mark.parametrize("empty_lists", [pytest.param(False, id="full"), pytest.param(True, id="empty-lists")])
@pytest.mark.parametrize("name", OPERATION_NAMES)
def test_input_round_trip_through_botocore_serializer(name: str, empty_lists: bool) -> None:
    operation = SERVICE.operation_model(name)
    params = Generator(empty_lists).value(operation.input_shape)
    request = parse_request(botocore_body(operation, params))
    assert request.action == name
    assert request.params == to_snake(params, operation.input_shape)


def test_input_nests_lists_and_structures_two_deep() -> None:
    operation = SERVICE.operation_model("CreateRule")
    body = botocore_body(operation, Generator(empty_lists=False).value(operation.input_shape))
    assert b"Actions.member.2.ForwardConfig.TargetGroups.member.2.Weight=" in body
    assert b"AuthenticationRequestExtraParams.entry.2.value=" in body
    params = parse_request(body).params
    assert len(params["actions"][1]["forward_config"]["target_groups"]) == 2


@pytest.mark.parametrize("name", OPERATION_NAMES)
def test_output_round_trip_through_botocore_parser(name: str) -> None:
    shape = SERVICE.operation_model(name).output_shape
    expected = Generator(empty_lists=False).value(shape) if shape is not None else {}
    xml = render_result(name, to_snake(expected, shape) if shape is not None else {}, "req-42")
    parsed = QueryParser().parse({"body": xml, "headers": {}, "status_code": 200}, shape)
    assert parsed.pop("ResponseMetadata")["RequestId"] == "req-42"
    assert parsed == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("a&b<c>d", "a&b<c>d", id="markup"),
        pytest.param("line\r\nnext\ttab", "line\r\nnext\ttab", id="cr-lf-tab-kept"),
        pytest.param("nul\x00bell\x07", "nul\ufffdbell\ufffd", id="control-chars-replaced"),
        pytest.param("lone\ud800surrogate", "lone\ufffdsurrogate", id="lone-surrogate-replaced"),
        pytest.param("ünïcødé ✓", "ünïcødé ✓", id="unicode"),
    ],
)
def test_rendered_text_is_always_well_formed(value: str, expected: str) -> None:
    shape = SERVICE.operation_model("DescribeTags").output_shape
    result = {"tag_descriptions": [{"resource_arn": value, "tags": [{"key": "k", "value": value}]}]}
    parsed = QueryParser().parse(
        {"body": render_result("DescribeTags", result, "r"), "headers": {}, "status_code": 200}, shape
    )
    assert parsed["TagDescriptions"][0]["ResourceArn"] == expected


def test_result_omits_missing_and_none_and_renders_empty_outputs() -> None:
    body = render_result("DescribeRules", {"rules": [{"priority": "5", "is_default": None}], "next_marker": None}, "r")
    assert b"<Priority>5</Priority>" in body and b"IsDefault" not in body and b"NextMarker" not in body
    assert b"<DeleteRuleResult/>" in render_result("DeleteRule", {}, "r")


def test_error_envelope_parses_in_botocore() -> None:
    body = render_error(PriorityInUse("Priority '10' is <in> use & taken"), "req-7")
    parsed = QueryParser().parse({"body": body, "headers": {}, "status_code": 400}, None)
    assert parsed["Error"] == {
        "Type": "Sender",
        "Code": "PriorityInUse",
        "Message": "Priority '10' is <in> use & taken",
    }
    assert parsed["ResponseMetadata"]["RequestId"] == "req-7"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(
            "AWS4-HMAC-SHA256 Credential=AKID/20261126/eu-west-1/elasticloadbalancing/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=abc",
            "eu-west-1",
            id="sigv4",
        ),
        pytest.param(None, "us-east-1", id="absent"),
        pytest.param("Bearer token", "us-east-1", id="not-sigv4"),
        pytest.param("AWS4-HMAC-SHA256 Credential=AKID/2026/eu-west-1/x/aws4_request", "us-east-1", id="bad-date"),
    ],
)
def test_region_from_authorization(header: str | None, expected: str) -> None:
    assert region_from_authorization(header, "us-east-1") == expected


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        pytest.param("TargetGroupArn", "target_group_arn", id="pascal"),
        pytest.param("DNSName", "dns_name", id="acronym"),
        pytest.param("SslPolicy", "ssl_policy", id="plain"),
    ],
)
def test_snake(member: str, expected: str) -> None:
    assert snake(member) == expected
