"""CloudWatch alarms through the handlers on a real DuckDB file: definitions checked as AWS does, DescribeAlarms
filters and paging, SetAlarmState, actions flags, and evaluation on ALB metrics computed from `requests`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from provider.cloudwatch import alarm_eval
from provider.cloudwatch.context import Context
from provider.cloudwatch.operations import OPERATIONS
from provider.errors import ApiError
from provider.store import Store
from tests.support.clients import aws_cli, aws_client
from tests.support.processes import Server
from tests.support.telemetry import LB, TG_V2, Request, insert

T0 = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
T0_MS = int(T0.timestamp() * 1000)
NOW = T0 + timedelta(seconds=30)
DIMS = [{"name": "LoadBalancer", "value": LB}, {"name": "TargetGroup", "value": TG_V2}]
DIMS_WIRE = [{"Name": "LoadBalancer", "Value": LB}, {"Name": "TargetGroup", "Value": TG_V2}]


@pytest.fixture
def ctx(telemetry_store: Store) -> Context:
    return Context(telemetry_store, now=lambda: NOW)


def call(ctx: Context, op: str, **params: Any) -> dict[str, Any]:
    return OPERATIONS[op](ctx, params)


def five_xx_alarm(ctx: Context, name: str = "canary-5xx", **extra: Any) -> None:
    params: dict[str, Any] = dict(alarm_name=name, namespace="AWS/ApplicationELB",
                                  metric_name="HTTPCode_Target_5XX_Count", dimensions=DIMS, statistic="Sum",
                                  period=10, evaluation_periods=1, threshold=1.0,
                                  comparison_operator="GreaterThanOrEqualToThreshold")
    call(ctx, "PutMetricAlarm", **{**params, **extra})


def alarm(ctx: Context, name: str) -> dict[str, Any]:
    found = call(ctx, "DescribeAlarms", alarm_names=[name])["metric_alarms"]
    assert len(found) == 1
    return found[0]


def test_new_alarm_is_insufficient_data_then_alarm_on_5xx_then_ok(ctx: Context) -> None:
    five_xx_alarm(ctx)
    first = alarm(ctx, "canary-5xx")
    assert (first["state_value"], first["state_reason"]) == ("INSUFFICIENT_DATA", "Unchecked: Initial alarm creation")
    insert(ctx.store, [Request(T0_MS + 22_000 + i, target_group=TG_V2, elb_status=500, target_status=500)
                       for i in range(3)])
    assert alarm_eval.evaluate_all(ctx, NOW) == 1
    now = alarm(ctx, "canary-5xx")
    assert now["state_value"] == "ALARM"
    assert now["state_reason"] == ("Threshold Crossed: 1 datapoint [3.0 (30/11/26 04:00:20)] was greater than or"
                                   " equal to the threshold (1.0).")
    assert json.loads(now["state_reason_data"])["recentDatapoints"] == [3.0]
    assert now["state_updated_timestamp"] == NOW
    later = NOW + timedelta(seconds=10)  # the next period has no 5xx but has traffic
    insert(ctx.store, [Request(T0_MS + 32_000, target_group=TG_V2)])
    assert alarm_eval.evaluate_all(ctx, later) == 1
    assert alarm(ctx, "canary-5xx")["state_value"] == "INSUFFICIENT_DATA"  # no 5xx datapoint: missing


def test_treat_missing_not_breaching_goes_ok(ctx: Context) -> None:
    five_xx_alarm(ctx, treat_missing_data="notBreaching")
    alarm_eval.evaluate_all(ctx, NOW)
    found = alarm(ctx, "canary-5xx")
    assert found["state_value"] == "OK"
    assert found["treat_missing_data"] == "notBreaching"


def test_metric_math_alarm_on_error_rate(ctx: Context) -> None:
    def stat(qid: str, metric: str) -> dict[str, Any]:
        return {"id": qid, "return_data": False, "metric_stat": {
            "metric": {"namespace": "AWS/ApplicationELB", "metric_name": metric, "dimensions": DIMS},
            "period": 10, "stat": "Sum"}}

    call(ctx, "PutMetricAlarm", alarm_name="rate", evaluation_periods=1, threshold=0.1,
         comparison_operator="GreaterThanThreshold",
         metrics=[stat("e", "HTTPCode_Target_5XX_Count"), stat("r", "RequestCount"),
                  {"id": "rate", "expression": "e / r", "label": "error rate"}])
    insert(ctx.store, [Request(T0_MS + 21_000 + i, target_group=TG_V2, elb_status=500 if i < 2 else 200,
                               target_status=500 if i < 2 else 200) for i in range(10)])
    alarm_eval.evaluate_all(ctx, NOW)
    found = alarm(ctx, "rate")
    assert found["state_value"] == "ALARM"
    assert [m["id"] for m in found["metrics"]] == ["e", "r", "rate"]
    assert "metric_name" not in found


def test_describe_filters_paging_for_metric_set_state_delete(ctx: Context) -> None:
    for name in ("a-1", "a-2", "b-1"):
        five_xx_alarm(ctx, name, alarm_actions=[f"arn:aws:sns:us-east-1:123456789012:{name}"])
    call(ctx, "SetAlarmState", alarm_name="a-2", state_value="ALARM", state_reason="testing")
    assert [a["alarm_name"] for a in call(ctx, "DescribeAlarms", state_value="ALARM")["metric_alarms"]] == ["a-2"]
    assert [a["alarm_name"] for a in call(ctx, "DescribeAlarms", alarm_name_prefix="a-")["metric_alarms"]] == [
        "a-1", "a-2"]
    first = call(ctx, "DescribeAlarms", max_records=2)
    rest = call(ctx, "DescribeAlarms", max_records=2, next_token=first["next_token"])
    assert [a["alarm_name"] for a in first["metric_alarms"] + rest["metric_alarms"]] == ["a-1", "a-2", "b-1"]
    assert "next_token" not in rest
    by_action = call(ctx, "DescribeAlarms", action_prefix="arn:aws:sns:us-east-1:123456789012:b")
    assert [a["alarm_name"] for a in by_action["metric_alarms"]] == ["b-1"]
    for_metric = call(ctx, "DescribeAlarmsForMetric", namespace="AWS/ApplicationELB",
                      metric_name="HTTPCode_Target_5XX_Count", dimensions=DIMS)
    assert len(for_metric["metric_alarms"]) == 3
    call(ctx, "DisableAlarmActions", alarm_names=["a-1"])
    assert alarm(ctx, "a-1")["actions_enabled"] is False
    call(ctx, "EnableAlarmActions", alarm_names=["a-1"])
    assert alarm(ctx, "a-1")["actions_enabled"] is True
    call(ctx, "DeleteAlarms", alarm_names=["a-1", "b-1"])
    assert [a["alarm_name"] for a in call(ctx, "DescribeAlarms")["metric_alarms"]] == ["a-2"]


@pytest.mark.parametrize(("op", "params", "code"), [
    pytest.param("PutMetricAlarm", {"period": 7}, "ValidationError", id="period-7"),
    pytest.param("PutMetricAlarm", {"datapoints_to_alarm": 2}, "ValidationError", id="datapoints-over-periods"),
    pytest.param("PutMetricAlarm", {"comparison_operator": "Bigger"}, "ValidationError", id="operator"),
    pytest.param("PutMetricAlarm", {"treat_missing_data": "sometimes"}, "ValidationError", id="treat-missing"),
    pytest.param("PutMetricAlarm", {"extended_statistic": "p99"}, "InvalidParameterCombination", id="both-stats"),
    pytest.param("PutMetricAlarm", {"period": 86400, "evaluation_periods": 8}, "ValidationError", id="over-7-days"),
    pytest.param("SetAlarmState", {"alarm_name": "nope", "state_value": "OK", "state_reason": "x"},
                 "ResourceNotFound", id="set-unknown"),
    pytest.param("SetAlarmState", {"alarm_name": "canary-5xx", "state_value": "OK", "state_reason": "x",
                                   "state_reason_data": "{"}, "InvalidFormat", id="reason-data-json"),
    pytest.param("DescribeAlarms", {"next_token": "%%"}, "InvalidNextToken", id="token"),
    pytest.param("DescribeAlarms", {"alarm_names": ["a"], "alarm_name_prefix": "a"}, "InvalidParameterCombination",
                 id="names-and-prefix"),
])
def test_bad_input_gets_aws_codes_and_changes_nothing(ctx: Context, op: str, params: dict[str, Any],
                                                       code: str) -> None:
    five_xx_alarm(ctx)
    before = call(ctx, "DescribeAlarms")
    with pytest.raises(ApiError) as e:
        if op == "PutMetricAlarm":
            five_xx_alarm(ctx, "other", **params)
        else:
            call(ctx, op, **params)
    assert e.value.code == code and e.value.status < 500
    assert call(ctx, "DescribeAlarms") == before


def test_alarms_through_boto3_and_the_aws_cli(api_server: Server) -> None:
    cw = boto3.client("cloudwatch", endpoint_url=api_server.url, region_name="us-east-1", aws_access_key_id="test",
                      aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))
    cw.put_metric_alarm(AlarmName="wire-5xx", Namespace="AWS/ApplicationELB", MetricName="HTTPCode_Target_5XX_Count",
                        Dimensions=DIMS_WIRE, Statistic="Sum", Period=10, EvaluationPeriods=2, DatapointsToAlarm=1,
                        Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
                        TreatMissingData="notBreaching")
    cw.set_alarm_state(AlarmName="wire-5xx", StateValue="ALARM", StateReason="drill")
    found = cw.describe_alarms(AlarmNames=["wire-5xx"])["MetricAlarms"][0]
    assert (found["StateValue"], found["StateReason"], found["DatapointsToAlarm"]) == ("ALARM", "drill", 1)
    assert found["AlarmArn"] == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:wire-5xx"
    with pytest.raises(ClientError) as e:
        cw.set_alarm_state(AlarmName="nope", StateValue="OK", StateReason="x")
    assert e.value.response["Error"]["Code"] == "ResourceNotFound"
    out = aws_cli(api_server.url)("cloudwatch", "describe-alarms", "--alarm-name-prefix", "wire-")
    assert [a["AlarmName"] for a in json.loads(out.stdout)["MetricAlarms"]] == ["wire-5xx"]
    cw.delete_alarms(AlarmNames=["wire-5xx"])
    assert cw.describe_alarms()["MetricAlarms"] == []


def test_alarm_names_are_unique_per_region(api_server: Server) -> None:
    east, west = (aws_client(api_server.url, "cloudwatch", region=r) for r in ("us-east-1", "eu-west-1"))
    for client, threshold in ((east, 1), (west, 2)):
        client.put_metric_alarm(AlarmName="regional", Namespace="n", MetricName="m", Statistic="Sum", Period=60,
                                EvaluationPeriods=1, Threshold=threshold, ComparisonOperator="GreaterThanThreshold")
    seen = {r: c.describe_alarms(AlarmNames=["regional"])["MetricAlarms"] for r, c in (("east", east), ("west", west))}
    assert [(a["Threshold"], a["AlarmArn"]) for a in seen["east"]] == [
        (1.0, "arn:aws:cloudwatch:us-east-1:123456789012:alarm:regional")]
    assert [(a["Threshold"], a["AlarmArn"]) for a in seen["west"]] == [
        (2.0, "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:regional")]
    west.tag_resource(ResourceARN=seen["west"][0]["AlarmArn"], Tags=[{"Key": "team", "Value": "w"}])
    east.delete_alarms(AlarmNames=["regional"])
    assert east.describe_alarms(AlarmNames=["regional"])["MetricAlarms"] == []
    assert [a["Threshold"] for a in west.describe_alarms(AlarmNames=["regional"])["MetricAlarms"]] == [2.0]
    assert west.list_tags_for_resource(ResourceARN=seen["west"][0]["AlarmArn"])["Tags"] == [
        {"Key": "team", "Value": "w"}]
    west.delete_alarms(AlarmNames=["regional"])


def test_alarms_stored_by_name_are_found_by_arn_after_reopening(tmp_path: Path) -> None:
    path = str(tmp_path / "state.duckdb")
    first = Store(path)
    five_xx_alarm(Context(first, region="eu-west-1", now=lambda: NOW), "older")
    cursor = first.cursor()  # as a build that keyed alarms by name wrote it
    cursor.execute("UPDATE documents SET key = 'older' WHERE kind = 'alarm'")
    cursor.close()
    first.close()
    reopened = Store(path)
    try:
        found = call(Context(reopened, region="eu-west-1", now=lambda: NOW), "DescribeAlarms")["metric_alarms"]
        assert [a["alarm_arn"] for a in found] == ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:older"]
        assert call(Context(reopened, now=lambda: NOW), "DescribeAlarms")["metric_alarms"] == []  # us-east-1
    finally:
        reopened.close()
