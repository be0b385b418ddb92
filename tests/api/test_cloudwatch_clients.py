"""CloudWatch queries through real clients on a real server: what Argo Rollouts and Flagger send (boto3 over
awsJson1_0 and over the query protocol, as aws-sdk-go v1 speaks it), the aws CLI's error-rate query, and bad
input answered with AWS's code and a 400 while nothing stored changes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.clients import AwsCli, cloudwatch, model_speaking
from tests.support.processes import Server

NOW = datetime.now(UTC).replace(second=0, microsecond=0)


def _put_canary(client: Any, namespace: str) -> None:
    at = NOW - timedelta(minutes=2)
    client.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": "Errors", "Value": 5.0, "Unit": "Count", "Timestamp": at},
        {"MetricName": "Requests", "Values": [40.0, 60.0], "Counts": [1.0, 1.0], "Unit": "Count", "Timestamp": at},
    ])


def _rate_queries(namespace: str) -> list[dict[str, Any]]:
    def stat(qid: str, name: str) -> dict[str, Any]:
        metric = {"Namespace": namespace, "MetricName": name}
        return {"Id": qid, "MetricStat": {"Metric": metric, "Period": 300, "Stat": "Sum", "Unit": "Count"},
                "ReturnData": False}

    return [stat("errors", "Errors"), stat("requests", "Requests"), {"Id": "rate", "Expression": "errors / requests"}]


@pytest.mark.parametrize("protocol", ["json", "query"])
def test_argo_error_rate(api_server: Server, tmp_path: Path, protocol: str) -> None:
    client = cloudwatch(api_server.url, None if protocol == "json" else model_speaking(protocol, tmp_path))
    _put_canary(client, f"Canary/{protocol}")
    out = client.get_metric_data(MetricDataQueries=_rate_queries(f"Canary/{protocol}"),
                                 StartTime=NOW - timedelta(minutes=10), EndTime=NOW + timedelta(minutes=1))
    [result] = out["MetricDataResults"]
    assert (result["Id"], result["Values"], result["StatusCode"]) == ("rate", [0.05], "Complete")


def test_flagger_probe_empty_query_gets_400(api_server: Server, tmp_path: Path) -> None:
    client = cloudwatch(api_server.url, model_speaking("query", tmp_path))
    with pytest.raises(ClientError) as raised:
        client.get_metric_data(MetricDataQueries=[], StartTime=NOW - timedelta(minutes=5), EndTime=NOW)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert raised.value.response["Error"]["Code"] == "ValidationError"


def test_aws_cli_error_rate(aws: AwsCli, api_server: Server, tmp_path: Path) -> None:
    _put_canary(cloudwatch(api_server.url), "Canary/cli")
    queries = tmp_path / "queries.json"
    queries.write_text(json.dumps(_rate_queries("Canary/cli")))
    result = aws("cloudwatch", "get-metric-data", "--metric-data-queries", f"file://{queries}",
                 "--start-time", (NOW - timedelta(minutes=10)).isoformat(), "--end-time", NOW.isoformat())
    assert [r["Values"] for r in json.loads(result.stdout)["MetricDataResults"]] == [[0.05]]


STATISTICS = {"Namespace": "Shop", "MetricName": "Orders", "StartTime": NOW - timedelta(hours=1), "EndTime": NOW,
              "Period": 60, "Statistics": ["Sum"]}
QUERY = {"Id": "m", "MetricStat": {"Metric": {"Namespace": "Shop", "MetricName": "Orders"}, "Period": 60,
                                   "Stat": "Sum"}}


@pytest.mark.parametrize(
    ("operation", "params", "code"),
    [
        pytest.param("get_metric_statistics", {**STATISTICS, "Period": 0}, "InvalidParameterValue", id="period-0"),
        pytest.param("get_metric_statistics", {**STATISTICS, "Period": 7}, "InvalidParameterValue", id="period-7"),
        pytest.param("get_metric_statistics", {**STATISTICS, "Statistics": ["Median"]}, "ValidationError",
                     id="unknown-statistic"),  # outside the model's enum: AWS's "1 validation error"
        pytest.param("get_metric_statistics", {**STATISTICS, "StartTime": NOW + timedelta(hours=1)},
                     "InvalidParameterValue", id="start-after-end"),
        pytest.param("get_metric_statistics", {**STATISTICS, "StartTime": NOW - timedelta(days=2)},
                     "InvalidParameterCombination", id="over-1440-datapoints"),
        pytest.param("get_metric_data", {"MetricDataQueries": [{**QUERY, "Id": f"m{i}"} for i in range(501)],
                                         "StartTime": NOW - timedelta(hours=1), "EndTime": NOW},
                     "ValidationError", id="501-queries"),
        pytest.param("put_metric_data", {"Namespace": "AWS/ApplicationELB",
                                         "MetricData": [{"MetricName": "RequestCount", "Value": 1.0}]},
                     "InvalidParameterValue", id="put-into-aws-namespace"),
    ],
)
def test_bad_input_over_the_wire(api_server: Server, operation: str, params: dict[str, Any], code: str) -> None:
    client = cloudwatch(api_server.url, validate=False)
    before = client.list_metrics()["Metrics"]
    with pytest.raises(ClientError) as raised:
        getattr(client, operation)(**params)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert raised.value.response["Error"]["Code"] == code
    assert client.list_metrics()["Metrics"] == before
