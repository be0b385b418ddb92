"""One endpoint, several services and protocols: the dispatch, driven in-process through Starlette with a test
handler table, with botocore's serializers and parsers as the peer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import botocore.session
import cbor2
import pytest
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from tests.support.asgi import build_app

CLOUDWATCH = botocore.session.get_session().get_service_model("cloudwatch")
PROTOCOLS = ["query", "json", "smithy-rpc-v2-cbor"]
SCOPE = "AWS4-HMAC-SHA256 Credential=AKID/20261130/{region}/{service}/aws4_request, SignedHeaders=host, Signature=0"
START = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)


def statistics(region: object, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "label": f"{params['metric_name']}@{region}",
        "datapoints": [{"timestamp": params["start_time"], "sum": float(params["period"]), "unit": "Count"}],
    }


def crash(region: object, params: dict[str, Any]) -> dict[str, Any]:
    raise RuntimeError("a bug, not the client's mistake")


CLIENT = build_app({"GetMetricStatistics": statistics, "PutMetricData": crash})


def call(
    protocol: str, name: str, params: dict[str, Any], region: str = "us-east-1"
) -> tuple[int, dict[str, Any], Any]:
    """Serialize with botocore, send through the app, parse with botocore: (status, parsed, response)."""
    operation = CLOUDWATCH.operation_model(name)
    request = create_serializer(protocol, include_validation=False).serialize_to_request(params, operation)
    body = request["body"]
    if isinstance(body, dict):
        body = urlencode(body)
    headers = {**request["headers"], "Authorization": SCOPE.format(region=region, service="monitoring")}
    response = CLIENT.post(request["url_path"], content=body, headers=headers)
    raw = {"body": response.content, "headers": dict(response.headers), "status_code": response.status_code}
    shape = operation.output_shape if response.status_code == 200 else None
    return response.status_code, create_parser(protocol).parse(raw, shape), response


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_each_protocol_reaches_the_handler(protocol: str) -> None:
    params = {"Namespace": "AWS/ApplicationELB", "MetricName": "RequestCount", "StartTime": START}
    params |= {"EndTime": datetime(2026, 11, 30, 5, 0, tzinfo=UTC), "Period": 300, "Statistics": ["Sum"]}
    status, parsed, response = call(protocol, "GetMetricStatistics", params, region="eu-west-1")
    assert status == 200
    assert parsed["Label"] == "RequestCount@eu-west-1"
    assert parsed["Datapoints"] == [{"Timestamp": START, "Sum": 300.0, "Unit": "Count"}]
    assert response.headers["x-amzn-RequestId"] == parsed["ResponseMetadata"]["RequestId"]


@pytest.mark.parametrize(
    ("protocol", "content_type"),
    list(zip(PROTOCOLS, ["text/xml", "application/x-amz-json-1.0", "application/cbor"], strict=True)),
)
def test_responses_carry_their_protocol_headers(protocol: str, content_type: str) -> None:
    _, _, response = call(protocol, "DescribeAlarms", {})
    assert response.headers["content-type"].startswith(content_type)
    assert ("smithy-protocol" in response.headers) == (protocol == "smithy-rpc-v2-cbor")


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_operation_without_a_handler_gets_a_clear_400(protocol: str) -> None:
    status, parsed, _ = call(protocol, "DescribeAlarms", {"MaxRecords": 5})
    assert status == 400
    assert parsed["Error"]["Code"] == "UnsupportedOperation"
    assert parsed["Error"]["Message"] == "DescribeAlarms is not supported by elbv2-provider"


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_handler_bug_is_a_bare_500(protocol: str) -> None:
    status, parsed, response = call(protocol, "PutMetricData", {"Namespace": "Shop", "MetricData": []})
    assert status == 500
    assert parsed["Error"]["Code"] == "InternalFailure"
    assert b"Traceback" not in response.content and b"a bug" not in response.content


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_missing_member_is_missing_parameter(protocol: str) -> None:
    status, parsed, _ = call(protocol, "GetMetricStatistics", {"MetricName": "m", "Period": 60})
    error = parsed["Error"]
    assert status == 400
    assert (error["Code"], error["Message"]) == ("MissingParameter", "The parameter Namespace is required.")


@pytest.mark.parametrize(
    ("path", "headers", "body", "code"),
    [
        pytest.param(
            "/",
            {"X-Amz-Target": "GraniteServiceVersion20100801.Frobnicate"},
            b"{}",
            "UnknownOperationException",
            id="json-unknown-op",
        ),
        pytest.param(
            "/",
            {"X-Amz-Target": "DynamoDB_20120810.GetItem"},
            b"{}",
            "UnknownOperationException",
            id="json-unknown-service",
        ),
        pytest.param("/", {"X-Amz-Target": ""}, b"{}", "UnknownOperationException", id="json-empty-target"),
        pytest.param(
            "/",
            {"X-Amz-Target": "GraniteServiceVersion20100801.GetMetricStatistics"},
            b"{",
            "SerializationException",
            id="json-malformed",
        ),
        pytest.param(
            "/service/GraniteServiceVersion20100801/operation/Frobnicate",
            {},
            b"\xa0",
            "UnknownOperationException",
            id="cbor-unknown-op",
        ),
        pytest.param(
            "/service/Nope/operation/ListMetrics", {}, b"\xa0", "UnknownOperationException", id="cbor-unknown-service"
        ),
        pytest.param(
            "/service/GraniteServiceVersion20100801/operation/GetMetricStatistics",
            {},
            b"\xff\x00",
            "SerializationException",
            id="cbor-malformed",
        ),
    ],
)
def test_json_and_cbor_mistakes_get_400_in_their_envelope(
    path: str, headers: dict[str, str], body: bytes, code: str
) -> None:
    response = CLIENT.post(path, content=body, headers=headers)
    assert response.status_code == 400
    decoded = response.json() if path == "/" else cbor2.loads(response.content)
    assert decoded["__type"] == code and decoded["message"]


@pytest.mark.parametrize(
    ("body", "authorization", "namespace", "code"),
    [
        pytest.param(
            b"Action=ListMetrics&Version=2010-08-01", None, "monitoring", "UnsupportedOperation", id="by-version"
        ),
        pytest.param(b"Action=GetMetricStatistics", "monitoring", "monitoring", "ValidationError", id="by-scope"),
        pytest.param(b"Action=ListMetrics", None, "elasticloadbalancing", "InvalidAction", id="default-elbv2"),
        pytest.param(
            b"Action=DescribeRules&Version=2010-08-01", None, "monitoring", "InvalidAction", id="elbv2-op-on-cloudwatch"
        ),
        pytest.param(
            b"Action=DescribeRules&Version=2015-12-01",
            "monitoring",
            "elasticloadbalancing",
            "UnsupportedOperation",
            id="version-wins",
        ),
    ],
)
def test_query_requests_pick_the_service_by_version_then_scope(
    body: bytes, authorization: str | None, namespace: str, code: str
) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if authorization:
        headers["Authorization"] = SCOPE.format(region="us-east-1", service=authorization)
    response = CLIENT.post("/", content=body, headers=headers)
    assert response.status_code == 400
    assert f'xmlns="http://{namespace}.amazonaws.com/doc/' in response.text
    assert f"<Code>{code}</Code>" in response.text
