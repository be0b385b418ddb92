"""CloudWatch dashboards and tags through real clients: boto3 in each protocol CloudWatch speaks (json, rpc-v2-cbor,
query) and the aws CLI, with AWS's codes and texts (recorded ones where known: provider/texts.py)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.clients import AwsCli, cloudwatch, model_speaking
from tests.support.processes import InProcessServer, Server

pytestmark = pytest.mark.slow

PROTOCOLS = ["json", "smithy-rpc-v2-cbor", "query"]
ALB = "app/web/50dc6c495c0c9188"
BODY = {"widgets": [
    {"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6, "properties": {
        "region": "us-east-1", "title": "Requests", "stat": "Sum", "period": 60, "view": "timeSeries",
        "metrics": [["AWS/ApplicationELB", "RequestCount", "LoadBalancer", ALB], ["...", "app/api/1d3f3e1b1c8a8e66"]]}},
    {"type": "text", "x": 12, "y": 0, "width": 12, "height": 6, "properties": {"markdown": "# ALB"}},
]}


@pytest.fixture(params=PROTOCOLS)
def client(request: pytest.FixtureRequest, api_server: Server, tmp_path: Path) -> Any:
    protocol = request.param
    return cloudwatch(api_server.url, None if protocol == "json" else model_speaking(protocol, tmp_path),
                      validate=False)


def error_of(call: Any, **params: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as raised:
        call(**params)
    response = raised.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def name_for(client: Any, base: str) -> str:
    """Dashboards are global to the server: one name per protocol."""
    return f"{base}-{client.meta.service_model.resolved_protocol.replace('smithy-rpc-v2-', '')}"


def test_put_get_list_delete(client: Any) -> None:
    name = name_for(client, "alb")
    text = json.dumps(BODY)
    assert client.put_dashboard(DashboardName=name, DashboardBody=text)["DashboardValidationMessages"] == []
    got = client.get_dashboard(DashboardName=name)
    arn = f"arn:aws:cloudwatch::123456789012:dashboard/{name}"  # no region: dashboards are global
    assert (got["DashboardName"], got["DashboardArn"], got["DashboardBody"]) == (name, arn, text)
    entries = client.list_dashboards(DashboardNamePrefix=name)["DashboardEntries"]
    assert [(e["DashboardName"], e["DashboardArn"], e["Size"]) for e in entries] == [(name, arn, len(text))]
    assert client.list_dashboards(DashboardNamePrefix="no-such-")["DashboardEntries"] == []
    client.delete_dashboards(DashboardNames=[name])
    assert error_of(client.get_dashboard, DashboardName=name) == (404, "ResourceNotFound",
                                                                   f"Dashboard {name} does not exist")


def test_body_validation(client: Any) -> None:
    name = name_for(client, "bad")
    assert error_of(client.put_dashboard, DashboardName=name, DashboardBody="{not json") == (
        400, "InvalidParameterInput", "The field DashboardBody must be a valid JSON object")
    no_metrics = {"widgets": [{"type": "metric", "properties": {"region": "us-east-1"}}]}
    status, code, message = error_of(client.put_dashboard, DashboardName=name, DashboardBody=json.dumps(no_metrics))
    assert (status, code) == (400, "InvalidParameterInput")
    head, listed = message.split("\n", 1)
    assert head == "The dashboard body is invalid, there are 3 validation errors:"
    assert json.loads(listed)[0] == {"dataPath": "/widgets/0/properties",
                                     "message": "Should have required property 'metrics'"}
    with pytest.raises(ClientError) as raised:  # the list is also the error's own member, as the model has it
        client.put_dashboard(DashboardName=name, DashboardBody=json.dumps(no_metrics))
    members = raised.value.response["dashboardValidationMessages"]
    assert [(m["DataPath"], m["Message"]) for m in members] == [(m["dataPath"], m["message"])
                                                                for m in json.loads(listed)]
    assert error_of(client.get_dashboard, DashboardName=name)[1] == "ResourceNotFound"  # nothing stored


def test_invalid_name_gets_awss_text(client: Any) -> None:
    assert error_of(client.put_dashboard, DashboardName="a:b", DashboardBody=json.dumps(BODY)) == (
        400, "InvalidParameterValue", "The value for field DashboardName contains invalid characters. It can only"
        " contain alphanumerics, dash (-) and underscore (_).\n")


def test_delete_is_all_or_nothing(client: Any) -> None:
    name = name_for(client, "keep")
    client.put_dashboard(DashboardName=name, DashboardBody=json.dumps(BODY))
    status, code, _ = error_of(client.delete_dashboards, DashboardNames=[name, "never-made"])
    assert (status, code) == (404, "ResourceNotFound")
    assert client.get_dashboard(DashboardName=name)["DashboardName"] == name  # still there
    client.delete_dashboards(DashboardNames=[name])


def test_list_pages_of_a_thousand(api_server: InProcessServer) -> None:
    client = cloudwatch(api_server.url)
    names = [f"page-{n:04d}" for n in range(1003)]
    with ThreadPoolExecutor(4) as pool:  # a client's calls may run in several threads at once
        list(pool.map(lambda name: client.put_dashboard(DashboardName=name, DashboardBody='{"widgets": []}'), names))
    first = client.list_dashboards(DashboardNamePrefix="page-")
    assert len(first["DashboardEntries"]) == 1000 and "NextToken" in first
    rest = client.list_dashboards(DashboardNamePrefix="page-", NextToken=first["NextToken"])
    assert [e["DashboardName"] for e in rest["DashboardEntries"]] == ["page-1000", "page-1001", "page-1002"]
    assert "NextToken" not in rest
    for at in range(0, len(names), 100):  # at most 100 a call
        client.delete_dashboards(DashboardNames=names[at:at + 100])


def alarm(client: Any, name: str, **extra: Any) -> str:
    client.put_metric_alarm(AlarmName=name, Namespace="AWS/ApplicationELB", MetricName="HTTPCode_Target_5XX_Count",
                            Dimensions=[{"Name": "LoadBalancer", "Value": ALB}], Statistic="Sum", Period=60,
                            EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold", **extra)
    return str(client.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["AlarmArn"])


def test_alarm_tags(client: Any) -> None:
    name = name_for(client, "tagged")
    arn = alarm(client, name, Tags=[{"Key": "Environment", "Value": "Production"}])
    assert client.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "Environment", "Value": "Production"}]
    client.tag_resource(ResourceARN=arn, Tags=[{"Key": "tag1", "Value": "foo"}, {"Key": "tag2", "Value": "bar"}])
    client.untag_resource(ResourceARN=arn, TagKeys=["tag1"])
    alarm(client, name, Tags=[{"Key": "ignored", "Value": "on update"}])  # AWS ignores Tags when redefining
    assert client.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
        {"Key": "Environment", "Value": "Production"}, {"Key": "tag2", "Value": "bar"}]
    client.delete_alarms(AlarmNames=[name])
    assert client.list_tags_for_resource(ResourceARN=arn)["Tags"] == []  # as AWS answers for a deleted alarm


def test_dashboard_tags(client: Any) -> None:
    name = name_for(client, "tags")
    client.put_dashboard(DashboardName=name, DashboardBody=json.dumps(BODY), Tags=[{"Key": "team", "Value": "web"}])
    arn = client.get_dashboard(DashboardName=name)["DashboardArn"]
    client.tag_resource(ResourceARN=arn, Tags=[{"Key": "team", "Value": "edge"}])
    assert client.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "edge"}]
    client.delete_dashboards(DashboardNames=[name])
    assert client.list_tags_for_resource(ResourceARN=arn)["Tags"] == []


@pytest.mark.parametrize("arn", ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:never-made",
                                 "arn:aws:cloudwatch::123456789012:dashboard/never-made", "unknown"])
def test_unknown_arn(client: Any, arn: str) -> None:
    assert error_of(client.tag_resource, ResourceARN=arn, Tags=[{"Key": "k", "Value": "v"}])[:2] == (
        404, "ResourceNotFoundException")
    assert error_of(client.untag_resource, ResourceARN=arn, TagKeys=["k"])[:2] == (404, "ResourceNotFoundException")
    assert client.list_tags_for_resource(ResourceARN=arn)["Tags"] == []


def test_aws_cli_shows_awss_texts(aws_program: AwsCli) -> None:
    made = aws_program("cloudwatch", "put-dashboard", "--dashboard-name", "cli", "--dashboard-body", json.dumps(BODY))
    assert json.loads(made.stdout) == {"DashboardValidationMessages": []}
    listed = json.loads(aws_program("cloudwatch", "list-dashboards", "--dashboard-name-prefix", "cli").stdout)
    assert [e["DashboardName"] for e in listed["DashboardEntries"]] == ["cli"]
    bad = aws_program("cloudwatch", "put-dashboard", "--dashboard-name", "cli", "--dashboard-body", "{", check=False)
    assert bad.returncode == 255  # aws CLI v1: any service error
    assert ("An error occurred (InvalidParameterInput) when calling the PutDashboard operation: The field"
            " DashboardBody must be a valid JSON object") in bad.stderr
    gone = aws_program("cloudwatch", "get-dashboard", "--dashboard-name", "never-made", check=False)
    assert ("An error occurred (ResourceNotFound) when calling the GetDashboard operation: Dashboard never-made does"
            " not exist") in gone.stderr
    aws_program("cloudwatch", "delete-dashboards", "--dashboard-names", "cli")
