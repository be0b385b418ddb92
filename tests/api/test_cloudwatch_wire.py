"""CloudWatch on the same endpoint as ELBv2, through real clients: boto3 (which speaks awsJson1_0 today), boto3
made to speak smithy-rpc-v2-cbor and query (a copy of botocore's model that lists only that protocol), the
real `aws cloudwatch` CLI, and a raw query-protocol POST."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.support.clients import AwsCli, cloudwatch, model_speaking
from tests.support.processes import Server

STATISTICS = {
    "Namespace": "AWS/ApplicationELB",
    "MetricName": "RequestCount",
    "Dimensions": [{"Name": "TargetGroup", "Value": "targetgroup/api-v1/73e2d6bc24d8a067"}],
    "StartTime": datetime(2026, 11, 30, 4, 0, tzinfo=UTC),
    "EndTime": datetime(2026, 11, 30, 5, 0, tzinfo=UTC),
    "Period": 300,
    "Statistics": ["Sum"],
}


def sent_headers(client: Any) -> list[dict[str, str]]:
    seen: list[dict[str, str]] = []
    client.meta.events.register("before-send", lambda request, **_: seen.append(dict(request.headers)))
    return seen


def assert_statistics_answered(client: Any) -> None:
    response = client.get_metric_statistics(**STATISTICS)
    assert response["Label"] == "RequestCount" and isinstance(response["Datapoints"], list)


def test_boto3_speaks_json_and_is_answered(api_server: Server) -> None:
    client = cloudwatch(api_server.url)
    headers = sent_headers(client)
    assert client.meta.service_model.resolved_protocol == "json"
    assert_statistics_answered(client)
    assert headers[0]["X-Amz-Target"] == b"GraniteServiceVersion20100801.GetMetricStatistics"
    assert headers[0]["Content-Type"] == b"application/x-amz-json-1.0"


@pytest.mark.parametrize("protocol", ["smithy-rpc-v2-cbor", "query"])
def test_boto3_in_the_other_protocols(api_server: Server, tmp_path: Path, protocol: str) -> None:
    client = cloudwatch(api_server.url, model_speaking(protocol, tmp_path))
    headers = sent_headers(client)
    assert client.meta.service_model.resolved_protocol == protocol
    assert_statistics_answered(client)
    assert ("smithy-protocol" in headers[0]) == (protocol == "smithy-rpc-v2-cbor")


@pytest.mark.parametrize("protocol", ["json", "smithy-rpc-v2-cbor", "query"])
def test_a_missing_member_is_missing_parameter(api_server: Server, tmp_path: Path, protocol: str) -> None:
    data_path = None if protocol == "json" else model_speaking(protocol, tmp_path)
    client = cloudwatch(api_server.url, data_path, validate=False)
    with pytest.raises(ClientError) as raised:
        client.get_metric_statistics(**{key: value for key, value in STATISTICS.items() if key != "Namespace"})
    error = raised.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Code"] == "MissingParameter"


def test_aws_cli_sends_json(aws: AwsCli) -> None:
    args = ["cloudwatch", "get-metric-statistics", "--namespace", "AWS/ApplicationELB", "--metric-name"]
    args += ["RequestCount", "--dimensions", "Name=TargetGroup,Value=targetgroup/api-v1/73e2d6bc24d8a067"]
    args += ["--start-time", "2026-11-30T04:00:00Z", "--end-time", "2026-11-30T05:00:00Z", "--period", "300"]
    result = aws(*args, "--statistics", "Sum", "--debug", check=False)
    assert "'X-Amz-Target': b'GraniteServiceVersion20100801.GetMetricStatistics'" in result.stderr
    assert result.returncode == 0 and json.loads(result.stdout)["Label"] == "RequestCount"


def test_raw_query_post(api_server: Server) -> None:
    form = {"Action": "GetMetricStatistics", "Version": "2010-08-01", "Namespace": "AWS/ApplicationELB"}
    form |= {"MetricName": "RequestCount", "StartTime": "2026-11-30T04:00:00Z", "EndTime": "2026-11-30T05:00:00Z"}
    form |= {"Period": "300", "Statistics.member.1": "Sum"}
    response = httpx.post(api_server.url + "/", data=form, timeout=10)
    assert response.headers["content-type"].startswith("text/xml")
    assert 'xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"' in response.text
    assert response.status_code == 200 and "<GetMetricStatisticsResult>" in response.text


def test_elbv2_and_cloudwatch_share_the_endpoint(api_server: Server, elbv2: Any) -> None:
    assert elbv2.describe_load_balancers()["ResponseMetadata"]["HTTPStatusCode"] == 200
    response = httpx.post(
        api_server.url + "/",
        content=b"{}",
        headers={
            "X-Amz-Target": "GraniteServiceVersion20100801.Frobnicate",
            "Content-Type": "application/x-amz-json-1.0",
        },
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["__type"] == "UnknownOperationException"
    assert response.headers["x-amzn-query-error"] == "UnknownOperationException;Sender"


@pytest.mark.parametrize("protocol", ["json", "smithy-rpc-v2-cbor", "query"])
def test_a_body_botocore_compresses_is_read(api_server: Server, tmp_path: Path, protocol: str) -> None:
    """botocore gzips PutMetricData's bodies from 10 KB (Content-Encoding: gzip), in every protocol."""
    client = cloudwatch(api_server.url, model_speaking(protocol, tmp_path))
    headers = sent_headers(client)
    namespace = f"Gzip/{protocol}"
    values = [float(v) for v in range(150)]
    client.put_metric_data(Namespace=namespace, MetricData=[{"MetricName": f"m{i}", "Values": values}
                                                            for i in range(20)])
    assert headers[0]["Content-Encoding"] == b"gzip"
    assert len(client.list_metrics(Namespace=namespace)["Metrics"]) == 20


def test_a_body_that_is_not_gzip_is_refused(api_server: Server) -> None:
    response = httpx.post(api_server.url, content=b"not gzip", headers={
        "Content-Encoding": "gzip", "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "GraniteServiceVersion20100801.PutMetricData"})
    assert (response.status_code, response.json()["__type"].rsplit("#", 1)[-1]) == (400, "ValidationError")
