"""CloudWatch over query, awsJson1_0 and smithy-rpc-v2-cbor, with botocore as the peer on both sides:
botocore's own serializers build the requests our parsers read, and botocore's parsers read our responses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import botocore.session
import cbor2
import pytest
from botocore.model import OperationModel, ServiceModel
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from provider.aws import CBOR, JSON, QUERY, Incoming, load
from provider.aws.protocols import Protocol
from provider.errors import (
    ApiError,
    InvalidParameterValue,
    MissingParameter,
    SerializationException,
    ValidationError,
)
from tests.support.shapes import Generator, to_snake

SERVICE: ServiceModel = botocore.session.get_session().get_service_model("cloudwatch")
MODEL = load("cloudwatch")
WHOLE_SECONDS = datetime(2026, 11, 26, 14, 30, 33, tzinfo=UTC)  # json timestamps travel as epoch numbers
PROTOCOLS = [
    pytest.param("query", QUERY, id="query"),
    pytest.param("json", JSON, id="json"),
    pytest.param("smithy-rpc-v2-cbor", CBOR, id="cbor"),
]
OPERATION_NAMES = sorted(SERVICE.operation_names)


class InvalidParameterCombination(ApiError):
    code = "InvalidParameterCombination"


class InternalFailure(ApiError):
    code = "InternalFailure"
    status = 500


def serialize(protocol: str, operation: OperationModel, params: dict[str, Any]) -> Incoming:
    """What botocore puts on the wire, as our endpoint receives it."""
    request = create_serializer(protocol).serialize_to_request(params, operation)
    body = request["body"]
    if isinstance(body, dict):
        body = urlencode(body).encode()
    target = request["headers"].get("X-Amz-Target", "").partition(".")[2] or request["url_path"].rsplit("/", 1)[1]
    return Incoming(body if isinstance(body, bytes) else body.encode(), target=target)


def parse_response(protocol: str, status: int, body: bytes, headers: dict[str, str], shape: Any) -> dict[str, Any]:
    response = {"body": body, "headers": {**headers, "x-amzn-requestid": "req-1"}, "status_code": status}
    parsed: dict[str, Any] = create_parser(protocol).parse(response, shape)
    return parsed


def test_cloudwatch_model_metadata() -> None:
    assert MODEL.target_prefix == "GraniteServiceVersion20100801"
    assert MODEL.api_version == "2010-08-01"
    assert set(MODEL.protocols) == {"query", "json", "smithy-rpc-v2-cbor"}
    assert MODEL.query_compatible and MODEL.error_type("MissingParameter") == "MissingRequiredParameterException"


@pytest.mark.parametrize("empty_lists", [pytest.param(False, id="full"), pytest.param(True, id="empty-lists")])
@pytest.mark.parametrize(("protocol", "ours"), PROTOCOLS)
@pytest.mark.parametrize("name", OPERATION_NAMES)
def test_input_round_trip(name: str, protocol: str, ours: Protocol, empty_lists: bool) -> None:
    operation = SERVICE.operation_model(name)
    params = Generator(empty_lists, WHOLE_SECONDS).value(operation.input_shape) if operation.input_shape else {}
    request = ours.parse(MODEL, serialize(protocol, operation, params))
    assert request.action == name
    assert request.params == (to_snake(params, operation.input_shape) if operation.input_shape else {})


@pytest.mark.parametrize(("protocol", "ours"), PROTOCOLS)
@pytest.mark.parametrize("name", OPERATION_NAMES)
def test_output_round_trip(name: str, protocol: str, ours: Protocol) -> None:
    shape = SERVICE.operation_model(name).output_shape
    expected = Generator(False, WHOLE_SECONDS).value(shape) if shape is not None else {}
    rendered = ours.render(MODEL, name, to_snake(expected, shape) if shape is not None else {}, "req-1")
    parsed = parse_response(protocol, 200, rendered.body, rendered.headers, shape)
    parsed.pop("ResponseMetadata", None)
    assert parsed == expected


@pytest.mark.parametrize(("protocol", "ours"), PROTOCOLS)
def test_get_metric_data_carries_timestamps_lists_and_labels(protocol: str, ours: Protocol) -> None:
    operation = SERVICE.operation_model("GetMetricData")
    params = {
        "MetricDataQueries": [
            {
                "Id": "errors",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/ApplicationELB",
                        "MetricName": "HTTPCode_Target_5XX_Count",
                        "Dimensions": [{"Name": "TargetGroup", "Value": "targetgroup/api-v1/73e2d6bc24d8a067"}],
                    },
                    "Period": 60,
                    "Stat": "Sum",
                },
                "ReturnData": False,
            },
            {"Id": "rate", "Expression": "errors / requests", "Label": "error rate"},
        ],
        "StartTime": datetime(2026, 11, 30, 4, 0, tzinfo=UTC),
        "EndTime": datetime(2026, 11, 30, 5, 0, 0, 250000, tzinfo=UTC),
        "MaxDatapoints": 20,
        "ScanBy": "TimestampAscending",
    }
    request = ours.parse(MODEL, serialize(protocol, operation, params))
    assert request.params["end_time"] == datetime(2026, 11, 30, 5, 0, 0, 250000, tzinfo=UTC)
    assert request.params["metric_data_queries"][0]["metric_stat"]["metric"]["dimensions"][0]["name"] == "TargetGroup"
    rate = {"id": "rate", "expression": "errors / requests", "label": "error rate"}
    assert request.params["metric_data_queries"][1] == rate
    moments = [datetime(2026, 11, 30, 4, minute, tzinfo=UTC) for minute in (1, 2)]
    result = {
        "metric_data_results": [{"id": "rate", "label": "error rate", "timestamps": moments, "values": [0.05, 0.0]}],
        "messages": [{"code": "Info", "value": "ok"}],
    }
    rendered = ours.render(MODEL, "GetMetricData", result, "req-1")
    parsed = parse_response(protocol, 200, rendered.body, rendered.headers, operation.output_shape)
    assert parsed["MetricDataResults"][0]["Timestamps"] == moments
    assert parsed["MetricDataResults"][0]["Values"] == [0.05, 0.0]
    assert parsed["Messages"] == [{"Code": "Info", "Value": "ok"}]


@pytest.mark.parametrize(("protocol", "ours"), PROTOCOLS)
def test_put_metric_data_values_counts_and_statistic_values(protocol: str, ours: Protocol) -> None:
    operation = SERVICE.operation_model("PutMetricData")
    params = {
        "Namespace": "Shop/Checkout",
        "MetricData": [
            {
                "MetricName": "Latency",
                "Dimensions": [{"Name": "Stage", "Value": "canary"}],
                "Timestamp": datetime(2026, 11, 30, 4, 30, 15, tzinfo=UTC),
                "Values": [0.1, 0.25, 3.0],
                "Counts": [1.0, 2.0, 1.0],
                "Unit": "Seconds",
                "StorageResolution": 1,
            },
            {"MetricName": "Orders", "StatisticValues": {"SampleCount": 3, "Sum": 7, "Minimum": 1, "Maximum": 4}},
        ],
    }
    params_out = ours.parse(MODEL, serialize(protocol, operation, params)).params
    first, second = params_out["metric_data"]
    assert first["timestamp"] == datetime(2026, 11, 30, 4, 30, 15, tzinfo=UTC)
    assert first["values"] == [0.1, 0.25, 3.0] and first["counts"] == [1.0, 2.0, 1.0]
    assert first["unit"] == "Seconds" and first["storage_resolution"] == 1
    assert second["statistic_values"] == {"sample_count": 3.0, "sum": 7.0, "minimum": 1.0, "maximum": 4.0}


@pytest.mark.parametrize(("protocol", "ours"), PROTOCOLS)
@pytest.mark.parametrize(
    ("error", "status", "fault"),
    [
        pytest.param(MissingParameter("The parameter Namespace is required."), 400, "Sender", id="missing"),
        pytest.param(InvalidParameterValue("Period must be a multiple of 60 & > 0"), 400, "Sender", id="value"),
        pytest.param(InvalidParameterCombination("Statistics and ExtendedStatistics"), 400, "Sender", id="combo"),
        pytest.param(InternalFailure("We encountered an internal error."), 500, "Receiver", id="internal"),
    ],
)
def test_errors_reach_botocore_with_the_query_code(
    protocol: str, ours: Protocol, error: ApiError, status: int, fault: str
) -> None:
    rendered = ours.error(MODEL, error, "req-1")
    parsed = parse_response(protocol, status, rendered.body, rendered.headers, None)
    assert parsed["Error"]["Code"] == error.code
    assert parsed["Error"]["Message"] == error.message
    assert parsed["Error"]["Type"] == fault


def test_json_error_names_the_modeled_exception_and_sends_the_query_header() -> None:
    rendered = JSON.error(MODEL, MissingParameter("The parameter Namespace is required."), "req-1")
    assert json.loads(rendered.body) == {
        "__type": "MissingRequiredParameterException",
        "message": "The parameter Namespace is required.",
    }
    assert rendered.headers == {"x-amzn-query-error": "MissingParameter;Sender"}
    assert rendered.content_type == "application/x-amz-json-1.0"


def test_cbor_responses_say_so() -> None:
    rendered = CBOR.render(MODEL, "ListMetrics", {"metrics": []}, "req-1")
    assert rendered.headers == {"smithy-protocol": "rpc-v2-cbor"} and rendered.content_type == "application/cbor"


@pytest.mark.parametrize(
    ("ours", "body", "error"),
    [
        pytest.param(JSON, b"{", SerializationException, id="json-truncated"),
        pytest.param(JSON, b"[]", SerializationException, id="json-not-an-object"),
        pytest.param(JSON, b"\xff\xfe", SerializationException, id="json-not-utf8"),
        pytest.param(JSON, b'{"Namespace": 5, "MetricData": []}', SerializationException, id="json-wrong-type"),
        pytest.param(JSON, b'{"Namespace": "A", "MetricData": {}}', SerializationException, id="json-object-for-list"),
        pytest.param(
            JSON,
            b'{"Namespace": "A", "MetricData": [{"MetricName": "m", "Value": NaN}]}',
            InvalidParameterValue,
            id="json-nan",
        ),
        pytest.param(
            JSON,
            b'{"Namespace": "A", "MetricData": [{"MetricName": "m", "Timestamp": 1e300}]}',
            SerializationException,
            id="json-timestamp-overflow",
        ),
        pytest.param(JSON, b'{"MetricData": []}', MissingParameter, id="json-missing-required"),
        pytest.param(JSON, b'{"Namespace": "", "MetricData": []}', InvalidParameterValue, id="json-too-short"),
        pytest.param(CBOR, b"\xa1", SerializationException, id="cbor-truncated"),
        pytest.param(CBOR, b"\x80", SerializationException, id="cbor-not-a-map"),
        pytest.param(CBOR, b"\xa2\x69Namespace\x01\x6aMetricData\x80", SerializationException, id="cbor-wrong-type"),
        pytest.param(CBOR, b"\xa1\x6aMetricData\x80", MissingParameter, id="cbor-missing-required"),
        pytest.param(CBOR, b"\xd9\xd9\xf7" * 100 + b"\xa0", SerializationException, id="cbor-deep-tags"),
    ],
)
def test_bad_bodies_get_client_errors(ours: Protocol, body: bytes, error: type[ApiError]) -> None:
    with pytest.raises(error) as raised:
        ours.parse(MODEL, Incoming(body, target="PutMetricData"))
    assert raised.value.status == 400


@pytest.mark.parametrize(
    ("ours", "body"),
    [
        pytest.param(QUERY, b"Action=GetMetricStatistics&Version=2010-08-01&MetricName=R&Period=60", id="query"),
        pytest.param(JSON, b'{"MetricName": "R", "Period": 60}', id="json"),
        pytest.param(CBOR, cbor2.dumps({"MetricName": "R", "Period": 60}), id="cbor"),
    ],
)
def test_missing_parameter_names_the_member_in_every_protocol(ours: Protocol, body: bytes) -> None:
    with pytest.raises(MissingParameter, match="^The parameter Namespace is required.$"):
        ours.parse(MODEL, Incoming(body, target="GetMetricStatistics"))


def test_elbv2_validation_keeps_its_own_style() -> None:
    with pytest.raises(ValidationError, match="1 validation error detected"):
        QUERY.parse(load("elbv2"), Incoming(b"Action=DescribeRules&Version=2015-12-01&PageSize=0"))
