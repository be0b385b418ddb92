"""Anomaly detection: PutAnomalyDetector, DescribeAnomalyDetectors and DeleteAnomalyDetector, the band of
ANOMALY_DETECTION_BAND in GetMetricData (its values checked against the documented model computed here), and alarms
on a band (ThresholdMetricId with the comparison operators for ranges) moving between OK and ALARM on ALB metrics."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from provider.cloudwatch import alarm_eval, alarm_store
from provider.cloudwatch.alarm_model import StateValue
from provider.cloudwatch.context import Context
from provider.cloudwatch.operations import OPERATIONS
from provider.store import Store
from tests.support.bands import expected_band
from tests.support.clients import AwsCli, cloudwatch
from tests.support.processes import Server
from tests.support.telemetry import LB, TG_V2, Request, insert
from tests.support.waiting import wait_for

T0 = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
T0_MS = int(T0.timestamp() * 1000)
DIMS = [{"name": "LoadBalancer", "value": LB}, {"name": "TargetGroup", "value": TG_V2}]


# ---- alarms on a band, on ALB metrics (the handlers on a real DuckDB file, with a fixed clock) ---------------------
def call(ctx: Context, op: str, **params: Any) -> dict[str, Any]:
    return OPERATIONS[op](ctx, params)


def test_band_alarm_on_alb_requests_is_ok_inside_and_alarm_outside(telemetry_store: Store) -> None:
    counts = {T0_MS - (12 - k) * 10_000: 4 + 2 * (k % 2) for k in range(12)}  # 4, 6, 4, ... requests per 10 s
    counts[T0_MS], counts[T0_MS + 10_000] = 5, 20
    insert(telemetry_store, [Request(t + 100 * i, target_group=TG_V2) for t, n in counts.items() for i in range(n)])
    ctx = Context(telemetry_store, now=lambda: T0)
    requests = {"id": "m1", "metric_stat": {"metric": {"namespace": "AWS/ApplicationELB", "metric_name": "RequestCount",
                                                       "dimensions": DIMS}, "period": 10, "stat": "Sum"}}
    call(ctx, "PutMetricAlarm", alarm_name="requests-band", evaluation_periods=1, threshold_metric_id="ad1",
         comparison_operator="LessThanLowerOrGreaterThanUpperThreshold",
         metrics=[requests, {"id": "ad1", "expression": "ANOMALY_DETECTION_BAND(m1, 2)", "label": "expected"}])
    history = {t: float(n) for t, n in counts.items()}

    assert alarm_eval.evaluate_all(ctx, T0 + timedelta(seconds=15)) == 1  # the period at T0: 5 requests
    lower, upper = expected_band(history, T0_MS, 2.0) or (0.0, 0.0)
    assert (lower, upper) == (3.0, 7.0)
    ok = call(ctx, "DescribeAlarms", alarm_names=["requests-band"])["metric_alarms"][0]
    assert ok["state_value"] == "OK"
    assert ok["state_reason"] == ("Thresholds Crossed: 1 datapoint [5.0 (30/11/26 04:00:00)] was not less than the"
                                  " lower thresholds [3.0] or greater than the upper thresholds [7.0].")
    data = json.loads(ok["state_reason_data"])
    assert (data["recentDatapoints"], data["recentLowerThresholds"], data["recentUpperThresholds"]) == (
        [5.0], [3.0], [7.0])
    assert (ok["threshold_metric_id"], "threshold" in ok) == ("ad1", False)

    assert alarm_eval.evaluate_all(ctx, T0 + timedelta(seconds=25)) == 1  # the next period: 20 requests
    lower, upper = expected_band(history, T0_MS + 10_000, 2.0) or (0.0, 0.0)
    firing = call(ctx, "DescribeAlarms", alarm_names=["requests-band"])["metric_alarms"][0]
    assert firing["state_value"] == "ALARM"
    assert firing["state_reason"].startswith("Thresholds Crossed: 1 datapoint [20.0 (30/11/26 04:00:10)] was less"
                                             " than the lower thresholds [")
    data = json.loads(firing["state_reason_data"])
    assert data["recentLowerThresholds"] == [pytest.approx(lower)]
    assert data["recentUpperThresholds"] == [pytest.approx(upper)] and upper < 20
    # the model the alarm needs was made for it, as AWS does
    made = call(ctx, "DescribeAnomalyDetectors", namespace="AWS/ApplicationELB")["anomaly_detectors"]
    assert [(d["metric_name"], d["stat"], d["dimensions"]) for d in made] == [("RequestCount", "Sum", DIMS)]


def test_band_alarm_with_too_little_history_has_insufficient_data(telemetry_store: Store) -> None:
    insert(telemetry_store, [Request(T0_MS + 100 * i, target_group=TG_V2) for i in range(50)])
    ctx = Context(telemetry_store, now=lambda: T0)
    requests = {"id": "m1", "return_data": True, "metric_stat": {"metric": {
        "namespace": "AWS/ApplicationELB", "metric_name": "RequestCount", "dimensions": DIMS}, "period": 10,
        "stat": "Sum"}}
    call(ctx, "PutMetricAlarm", alarm_name="new-band", evaluation_periods=1, threshold_metric_id="ad1",
         comparison_operator="GreaterThanUpperThreshold",
         metrics=[requests, {"id": "ad1", "expression": "ANOMALY_DETECTION_BAND(m1)"}])
    now = T0 + timedelta(seconds=15)
    (stored,) = alarm_store.all_alarms(telemetry_store)
    values, bands = alarm_eval.points(ctx, stored, now)
    assert (values, bands) == ([(T0_MS, None)], {})  # 50 requests, but no band yet
    decision = alarm_eval.decide(stored, values, now, bands)
    assert decision is not None
    assert (decision.state, decision.reason) == (StateValue.INSUFFICIENT_DATA,
                                                 "Insufficient Data: 1 datapoint was unknown.")


# ---- through boto3 and the aws CLI --------------------------------------------------------------------------------
def put_history(cw: Any, namespace: str, values: dict[datetime, float]) -> None:
    cw.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": "Latency", "Dimensions": [{"Name": "Service", "Value": "api"}], "Timestamp": t, "Value": v,
         "StorageResolution": 1}
        for t, v in values.items()])


def band_results(cw: Any, namespace: str, start: datetime, end: datetime, expression: str
                 ) -> dict[str, tuple[str, dict[int, float]]]:
    stat = {"Metric": {"Namespace": namespace, "MetricName": "Latency", "Dimensions": [
        {"Name": "Service", "Value": "api"}]}, "Period": 60, "Stat": "Average"}
    found = cw.get_metric_data(StartTime=start, EndTime=end, ScanBy="TimestampAscending", MetricDataQueries=[
        {"Id": "m1", "MetricStat": stat}, {"Id": "ad1", "Expression": expression, "Label": "expected"}])
    out = {}
    for n, r in enumerate(found["MetricDataResults"]):
        out[["m1", "upper", "lower"][n]] = (r["Label"], {int(t.timestamp() * 1000): v
                                                         for t, v in zip(r["Timestamps"], r["Values"], strict=True)})
    return out


def assert_band(found: dict[str, tuple[str, dict[int, float]]], history: dict[int, float], stamps: Sequence[int],
                stddevs: float) -> None:
    expected = {t: b for t in stamps if (b := expected_band(history, t, stddevs)) is not None}
    assert list(found["upper"][1]) == list(found["lower"][1]) == list(expected)
    for t, (lower, upper) in expected.items():
        assert found["lower"][1][t] == pytest.approx(lower) and found["upper"][1][t] == pytest.approx(upper)


def test_band_in_get_metric_data_with_excluded_time_ranges(api_server: Server) -> None:
    cw = cloudwatch(api_server.url)
    base = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=2)
    values = {base + timedelta(minutes=i): 10.0 + i % 5 for i in range(40)}
    values[base + timedelta(minutes=20)] = 500.0  # a deployment's spike
    put_history(cw, "Anomaly/Band", values)
    history = {int(t.timestamp() * 1000): v for t, v in values.items()}
    start, end = base + timedelta(minutes=1), base + timedelta(minutes=40)
    stamps = [int((start + timedelta(minutes=i)).timestamp() * 1000) for i in range(39)]

    found = band_results(cw, "Anomaly/Band", start, end, "ANOMALY_DETECTION_BAND(m1, 3)")
    assert (found["m1"][0], found["upper"][0], found["lower"][0]) == ("Latency", "expected Upper", "expected Lower")
    assert_band(found, history, stamps, 3.0)
    assert_band(band_results(cw, "Anomaly/Band", start, end, "ANOMALY_DETECTION_BAND(m1)"), history, stamps, 2.0)

    spike = base + timedelta(minutes=20)
    cw.put_anomaly_detector(SingleMetricAnomalyDetector={
        "Namespace": "Anomaly/Band", "MetricName": "Latency", "Dimensions": [{"Name": "Service", "Value": "api"}],
        "Stat": "Average"}, Configuration={"ExcludedTimeRanges": [
            {"StartTime": spike, "EndTime": spike + timedelta(minutes=1)}], "MetricTimezone": "Europe/Paris"})
    without_spike = {t: v for t, v in history.items() if t != int(spike.timestamp() * 1000)}
    assert_band(band_results(cw, "Anomaly/Band", start, end, "ANOMALY_DETECTION_BAND(m1, 3)"), without_spike,
                stamps, 3.0)
    detector = cw.describe_anomaly_detectors(Namespace="Anomaly/Band")["AnomalyDetectors"][0]
    assert detector["Configuration"]["ExcludedTimeRanges"] == [{"StartTime": spike,
                                                                "EndTime": spike + timedelta(minutes=1)}]
    assert (detector["Configuration"]["MetricTimezone"], detector["StateValue"]) == ("Europe/Paris", "TRAINED")


def test_band_alarm_through_boto3_goes_ok_inside_and_alarm_outside(api_server: Server) -> None:
    cw = cloudwatch(api_server.url)
    now = datetime.now(UTC)
    p0 = now.replace(second=now.second // 10 * 10, microsecond=0)
    history = {p0 - timedelta(seconds=10 * k) + timedelta(seconds=1): 10.0 + 2 * (k % 2) for k in range(1, 31)}
    inside = {p0 + timedelta(seconds=10 * k + 1): 11.0 for k in range(3)}  # the band is 11 -/+ 2
    put_history(cw, "Anomaly/Live", history | inside)
    stat = {"Metric": {"Namespace": "Anomaly/Live", "MetricName": "Latency", "Dimensions": [
        {"Name": "Service", "Value": "api"}]}, "Period": 10, "Stat": "Average"}
    cw.put_metric_alarm(AlarmName="live-band", EvaluationPeriods=1, ThresholdMetricId="ad1",
                        ComparisonOperator="LessThanLowerOrGreaterThanUpperThreshold", Metrics=[
                            {"Id": "m1", "MetricStat": stat},
                            {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)"}])

    def state() -> str:
        return str(cw.describe_alarms(AlarmNames=["live-band"])["MetricAlarms"][0]["StateValue"])

    wait_for("the alarm is OK while the latency stays inside its band", lambda: state() == "OK", 40)
    later = datetime.now(UTC)
    start = later.replace(second=later.second // 10 * 10, microsecond=0)
    put_history(cw, "Anomaly/Live", {start + timedelta(seconds=10 * k + 1): 100.0 for k in range(4)})
    wait_for("the alarm fires once the latency leaves its band", lambda: state() == "ALARM", 40)
    assert "greater than the upper thresholds" in cw.describe_alarms(
        AlarmNames=["live-band"])["MetricAlarms"][0]["StateReason"]
    cw.delete_alarms(AlarmNames=["live-band"])


def test_detectors_put_describe_page_delete(api_server: Server) -> None:
    cw = cloudwatch(api_server.url)
    dims = [{"Name": "Service", "Value": "api"}]
    cw.put_anomaly_detector(SingleMetricAnomalyDetector={"Namespace": "Anomaly/Crud", "MetricName": "A",
                                                         "Dimensions": dims, "Stat": "Sum"})
    cw.put_anomaly_detector(Namespace="Anomaly/Crud", MetricName="B", Stat="p99")  # the older, top-level form
    cw.put_anomaly_detector(Namespace="Anomaly/Crud", MetricName="B", Stat="p99")  # again: still one
    both = cw.describe_anomaly_detectors(Namespace="Anomaly/Crud")["AnomalyDetectors"]
    assert [(d["SingleMetricAnomalyDetector"]["MetricName"], d["Stat"]) for d in both] == [("A", "Sum"),
                                                                                            ("B", "p99")]
    by_dimension = cw.describe_anomaly_detectors(Namespace="Anomaly/Crud", Dimensions=dims)["AnomalyDetectors"]
    assert [d["MetricName"] for d in by_dimension] == ["A"]
    assert cw.describe_anomaly_detectors(Namespace="Anomaly/Crud",
                                         AnomalyDetectorTypes=["METRIC_MATH"])["AnomalyDetectors"] == []
    first = cw.describe_anomaly_detectors(Namespace="Anomaly/Crud", MaxResults=1)
    rest = cw.describe_anomaly_detectors(Namespace="Anomaly/Crud", MaxResults=1, NextToken=first["NextToken"])
    assert [d["MetricName"] for d in first["AnomalyDetectors"] + rest["AnomalyDetectors"]] == ["A", "B"]
    assert "NextToken" not in rest
    by_id = cw.describe_anomaly_detectors(AnomalyDetectorIds=[both[1]["AnomalyDetectorId"]])["AnomalyDetectors"]
    assert [d["MetricName"] for d in by_id] == ["B"]

    before = cw.describe_anomaly_detectors()["AnomalyDetectors"]
    refusals = [
        (lambda: cw.describe_anomaly_detectors(AnomalyDetectorIds=["x"], Namespace="n"),
         "InvalidParameterCombination"),
        (lambda: cw.describe_anomaly_detectors(NextToken="%%"), "InvalidNextToken"),
        (lambda: cw.put_anomaly_detector(MetricMathAnomalyDetector={"MetricDataQueries": [  # no metric
            {"Id": "e1", "Expression": "2 * 2"}]}), "ValidationError"),
        (lambda: cw.put_anomaly_detector(Namespace="n", MetricName="m", Stat="Sum",
                                         SingleMetricAnomalyDetector={"Namespace": "n"}),
         "InvalidParameterCombination"),
        (lambda: cw.put_anomaly_detector(Namespace="n", MetricName="m"), "MissingParameter"),
        (lambda: cw.put_anomaly_detector(Namespace="n", MetricName="m", Stat="Sum", Configuration={
            "ExcludedTimeRanges": [{"StartTime": datetime(2026, 1, 2, tzinfo=UTC),
                                    "EndTime": datetime(2026, 1, 1, tzinfo=UTC)}]}), "InvalidParameterValue"),
    ]
    for refused, code in refusals:
        with pytest.raises(ClientError) as e:
            refused()
        assert e.value.response["Error"]["Code"] == code
    assert cw.describe_anomaly_detectors()["AnomalyDetectors"] == before

    math = {"MetricDataQueries": [
        {"Id": "m1", "ReturnData": False, "MetricStat": {"Metric": {"Namespace": "Anomaly/Crud", "MetricName": "A"},
                                                         "Period": 60, "Stat": "Sum"}},
        {"Id": "e1", "Expression": "m1 * 2"}]}
    cw.put_anomaly_detector(MetricMathAnomalyDetector=math)
    assert [d["MetricName"] for d in cw.describe_anomaly_detectors(Namespace="Anomaly/Crud")["AnomalyDetectors"]] == [
        "A", "B"]  # metric math detectors are listed only when asked for
    maths = cw.describe_anomaly_detectors(AnomalyDetectorTypes=["METRIC_MATH"])["AnomalyDetectors"]
    assert [[q["Id"] for q in d["MetricMathAnomalyDetector"]["MetricDataQueries"]] for d in maths] == [["m1", "e1"]]
    both_kinds = cw.describe_anomaly_detectors(AnomalyDetectorTypes=["SINGLE_METRIC", "METRIC_MATH"],
                                               MaxResults=100)["AnomalyDetectors"]
    assert "MetricMathAnomalyDetector" in both_kinds[-1] and len(both_kinds) >= 3
    cw.delete_anomaly_detector(MetricMathAnomalyDetector=math)
    assert cw.describe_anomaly_detectors(AnomalyDetectorTypes=["METRIC_MATH"])["AnomalyDetectors"] == []
    cw.delete_anomaly_detector(SingleMetricAnomalyDetector={"Namespace": "Anomaly/Crud", "MetricName": "A",
                                                            "Dimensions": dims, "Stat": "Sum"})
    cw.delete_anomaly_detector(AnomalyDetectorId=both[1]["AnomalyDetectorId"])
    assert cw.describe_anomaly_detectors(Namespace="Anomaly/Crud")["AnomalyDetectors"] == []
    with pytest.raises(ClientError) as e:
        cw.delete_anomaly_detector(Namespace="Anomaly/Crud", MetricName="B", Stat="p99")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_band_alarm_definitions_are_checked_as_aws_checks_them(api_server: Server, aws: AwsCli) -> None:
    cw = cloudwatch(api_server.url)
    metric = {"Id": "m1", "MetricStat": {"Metric": {"Namespace": "n", "MetricName": "m"}, "Period": 60,
                                         "Stat": "Sum"}}
    band = {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)"}
    common: dict[str, Any] = {"AlarmName": "checked-band", "EvaluationPeriods": 1}
    refused = [
        {"ComparisonOperator": "GreaterThanThreshold", "ThresholdMetricId": "ad1", "Metrics": [metric, band]},
        {"ComparisonOperator": "GreaterThanUpperThreshold", "ThresholdMetricId": "m1", "Metrics": [metric, band]},
        {"ComparisonOperator": "GreaterThanUpperThreshold", "ThresholdMetricId": "ad1", "Threshold": 1,
         "Metrics": [metric, band]},
        {"ComparisonOperator": "GreaterThanUpperThreshold", "ThresholdMetricId": "ad1", "Namespace": "n",
         "MetricName": "m", "Statistic": "Sum", "Period": 60},
    ]
    for params in refused:
        with pytest.raises(ClientError) as e:
            cw.put_metric_alarm(**common, **params)
        assert e.value.response["Error"]["Code"] == "ValidationError", params
    # AWS's recorded text, as the CLI shows it
    out = aws("cloudwatch", "put-metric-alarm", "--alarm-name", "checked-band", "--evaluation-periods", "1",
              "--comparison-operator", "LessThanLowerThreshold", "--metrics", json.dumps([metric, band]), check=False)
    assert out.returncode != 0
    assert "(ValidationError)" in out.stderr
    assert "ComparisonOperators for ranges require ThresholdMetricId to be set" in out.stderr
    assert cw.describe_alarms(AlarmNames=["checked-band"])["MetricAlarms"] == []

    cw.put_metric_alarm(**common, ComparisonOperator="LessThanLowerThreshold", ThresholdMetricId="ad1",
                        Metrics=[metric, band])
    shown = cw.describe_alarms(AlarmNames=["checked-band"])["MetricAlarms"][0]
    assert (shown["ThresholdMetricId"], shown["ComparisonOperator"], "Threshold" in shown) == (
        "ad1", "LessThanLowerThreshold", False)
    cw.delete_alarms(AlarmNames=["checked-band"])
