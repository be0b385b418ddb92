"""Metrics Insights through boto3 on a real server: `SELECT FUNC(metric) FROM ...` over PutMetricData series and over
the ALB traffic history in the server's own store, exact values, AWS's group labels and order, the three-hour
window, metric math over a query, and what is not supported answered with a 400 ValidationError."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from provider.store import Store
from tests.support.clients import cloudwatch
from tests.support.processes import Server, start_server
from tests.support.telemetry import LB, TG_V1, TG_V2, Request, insert, metrics_file
from tests.support.waiting import wait_for

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
AT = NOW - timedelta(minutes=10)  # one whole minute of data, well inside the window
AT_MS = int(AT.timestamp() * 1000)
LB2 = "app/api/1f2e3d4c5b6a7980"
TG_API = "targetgroup/api/a1b2c3d4e5f60718"
ALB = '"AWS/ApplicationELB"'


@pytest.fixture(scope="module")
def client(api_server: Server) -> Any:
    return cloudwatch(api_server.url)


@pytest.fixture(scope="module")
def traffic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A client of a server started on a store that already holds the traffic history (written before the server
    rolls anything up, as the metrics reader would have written it)."""
    db = tmp_path_factory.mktemp("insights-alb") / "state.duckdb"
    store = Store(metrics_file(db))
    rows = [Request(AT_MS + i * 10, target_group=TG_V1 if i % 20 else TG_V2) for i in range(1000)]
    insert(store, rows + [Request(AT_MS + i, load_balancer=LB2, target_group=TG_API) for i in range(30)])
    store.close()
    server = start_server(db=db)
    yield cloudwatch(server.url)
    server.stop()


def _put(client: Any, namespace: str, items: list[tuple[str, dict[str, str], float, datetime]]) -> None:
    client.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": name, "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()], "Value": value,
         "Unit": "Count", "Timestamp": at}
        for name, dims, value, at in items
    ])


def query(client: Any, expression: str, *extra: dict[str, Any], period: int = 60, label: str | None = None,
          start: datetime = AT - timedelta(minutes=1)) -> list[tuple[str, list[datetime], list[float]]]:
    q: dict[str, Any] = {"Id": "q", "Expression": expression, "Period": period}
    if label is not None:
        q["Label"] = label
    out = client.get_metric_data(MetricDataQueries=[q, *extra], StartTime=start, EndTime=NOW,
                                 ScanBy="TimestampAscending")
    return [(r["Label"], r["Timestamps"], r["Values"]) for r in out["MetricDataResults"]]


def test_alb_request_count_one_load_balancer(traffic: Any) -> None:
    got = query(traffic, f"SELECT SUM(RequestCount) FROM SCHEMA({ALB}, LoadBalancer) WHERE LoadBalancer = '{LB}'")
    assert got == [("q", [AT], [1000.0])]


def test_alb_group_by_target_group_top_n(traffic: Any) -> None:
    text = (f"SELECT SUM(RequestCount) FROM SCHEMA({ALB}, LoadBalancer, TargetGroup) GROUP BY TargetGroup"
            " ORDER BY SUM() DESC LIMIT 2")
    assert query(traffic, text) == [(TG_V1, [AT], [950.0]), (TG_V2, [AT], [50.0])]


def test_alb_group_by_default_order_is_the_values_ascending(traffic: Any) -> None:
    text = f"select sum(RequestCount) from schema({ALB}, LoadBalancer) group by LoadBalancer"
    assert query(traffic, text) == [(LB2, [AT], [30.0]), (LB, [AT], [1000.0])]


def test_alb_namespace_without_schema_reads_every_dimension_set(traffic: Any) -> None:
    """As on AWS, the load balancer's series and its per-group series are all matched (so summed twice); the
    TargetGroup-alone series (served here, not by AWS) are not."""
    got = query(traffic, f"SELECT SUM(RequestCount) FROM {ALB} WHERE LoadBalancer = '{LB}'")
    assert got == [("q", [AT], [2000.0])]


def test_alb_where_not_equal_and_label(traffic: Any) -> None:
    text = (f"SELECT COUNT(RequestCount) FROM SCHEMA({ALB}, LoadBalancer, TargetGroup)"
            f" WHERE TargetGroup != '{TG_V1}' GROUP BY LoadBalancer, TargetGroup")
    assert query(traffic, text, label="requests") == [
        (f"requests {LB2} {TG_API}", [AT], [30.0]), (f"requests {LB} {TG_V2}", [AT], [50.0])]


def test_functions_over_observations(client: Any) -> None:
    _put(client, "Insights/fn", [
        ("Latency", {"Host": "a"}, 10.0, AT), ("Latency", {"Host": "a"}, 20.0, AT + timedelta(seconds=5)),
        ("Latency", {"Host": "b"}, 60.0, AT), ("Latency", {}, 1.0, AT + timedelta(minutes=1)),
    ])
    expected = {"SUM": [90.0, 1.0], "AVG": [30.0, 1.0], "COUNT": [3.0, 1.0], "MIN": [10.0, 1.0], "MAX": [60.0, 1.0]}
    for function, values in expected.items():
        got = query(client, f'SELECT {function}(Latency) FROM "Insights/fn"')
        assert got == [("q", [AT, AT + timedelta(minutes=1)], values)], function


def test_schema_group_by_other_order_and_limit(client: Any) -> None:
    _put(client, "Insights/groups", [
        ("Errors", {"Host": "a", "Env": "prod"}, 5.0, AT), ("Errors", {"Host": "b", "Env": "prod"}, 7.0, AT),
        ("Errors", {"Host": "c", "Env": "test"}, 1.0, AT), ("Errors", {"Env": "prod"}, 3.0, AT),
        ("Errors", {}, 100.0, AT),
    ])
    assert query(client, 'SELECT SUM(Errors) FROM SCHEMA("Insights/groups")') == [("q", [AT], [100.0])]
    assert query(client, 'SELECT SUM(Errors) FROM SCHEMA("Insights/groups", Env, Host) WHERE Env = \'prod\'') == [
        ("q", [AT], [12.0])]
    grouped = 'SELECT SUM(Errors) FROM "Insights/groups" WHERE Env = \'prod\' GROUP BY Host'
    assert query(client, grouped) == [("Other", [AT], [3.0]), ("a", [AT], [5.0]), ("b", [AT], [7.0])]
    assert query(client, grouped + " ORDER BY MAX() ASC LIMIT 2") == [("Other", [AT], [3.0]), ("a", [AT], [5.0])]
    assert query(client, grouped + " ORDER BY SUM() DESC LIMIT 1") == [("b", [AT], [7.0])]


def test_where_or_and_parentheses(client: Any) -> None:
    _put(client, "Insights/or", [
        ("Hits", {"Host": "a", "Env": "prod"}, 1.0, AT), ("Hits", {"Host": "b", "Env": "prod"}, 2.0, AT),
        ("Hits", {"Host": "c", "Env": "test"}, 4.0, AT), ("Hits", {"Host": "d"}, 8.0, AT),
    ])
    where = 'SELECT SUM(Hits) FROM "Insights/or" WHERE '
    assert query(client, where + "Host = 'a' OR Host = 'c'") == [("q", [AT], [5.0])]
    assert query(client, where + "Env = 'prod' AND Host = 'a' or Host = 'd'") == [("q", [AT], [9.0])]  # AND first
    assert query(client, where + "Env = 'prod' AND (Host = 'a' OR Host = 'd')") == [("q", [AT], [1.0])]
    assert query(client, where + "(Env != 'prod' OR Host = 'b') AND Host != 'd'") == [("q", [AT], [6.0])]


def test_only_the_last_three_hours_are_read(client: Any) -> None:
    old = NOW - timedelta(hours=4)
    _put(client, "Insights/window", [("Hits", {}, 4.0, old), ("Hits", {}, 2.0, AT)])
    start = NOW - timedelta(hours=5)
    assert query(client, 'SELECT SUM(Hits) FROM "Insights/window"', period=300, start=start) == [
        ("q", [AT.replace(minute=AT.minute // 5 * 5)], [2.0])]
    stat = {"Id": "m", "MetricStat": {"Metric": {"Namespace": "Insights/window", "MetricName": "Hits"},
                                      "Period": 300, "Stat": "Sum"}}
    out = client.get_metric_data(MetricDataQueries=[stat], StartTime=start, EndTime=NOW)
    assert sorted(out["MetricDataResults"][0]["Values"]) == [2.0, 4.0]  # MetricStat reads further back


def test_no_match_is_one_empty_result_and_math_reads_a_query(client: Any) -> None:
    assert query(client, 'SELECT SUM(Nothing) FROM "Insights/none"') == [("q", [], [])]
    _put(client, "Insights/math", [("Hits", {}, 3.0, AT)])
    math = {"Id": "double", "Expression": "q * 2"}
    got = client.get_metric_data(
        MetricDataQueries=[{"Id": "q", "Expression": 'SELECT SUM(Hits) FROM "Insights/math"', "Period": 60,
                            "ReturnData": False}, math],
        StartTime=AT - timedelta(minutes=1), EndTime=NOW)["MetricDataResults"]
    assert [(r["Id"], r["Values"]) for r in got] == [("double", [6.0])]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        pytest.param('SELECT P99(Hits) FROM "Insights/x"', "Unsupported function P99", id="function"),
        pytest.param("SELECT SUM(Hits) FROM \"Insights/x\" WHERE NOT Host = 'a'", "operator NOT", id="not"),
        pytest.param("SELECT SUM(Hits) FROM \"Insights/x\" WHERE (Host = 'a'", "near the end", id="unclosed"),
        pytest.param("SELECT SUM(Hits) FROM \"Insights/x\" WHERE Host IN ('a')", "operator IN", id="in"),
        pytest.param("SELECT SUM(Hits) FROM \"Insights/x\" WHERE Host LIKE 'a%'", "operator LIKE", id="like"),
        pytest.param('SELECT SUM(Hits) FROM "Insights/x" LIMIT 501', "between 1 and 500", id="limit"),
        pytest.param('SELECT SUM(Hits) FROM "Insights/x" HAVING SUM() > 1', "near HAVING", id="having"),
        pytest.param("SELECT SUM(Hits)", "near the end of the query", id="no-from"),
        pytest.param("SELECT SUM(Hits) FROM Insights/x", "near /", id="unquoted-slash"),
    ],
)
def test_unsupported_queries_get_validation_error(client: Any, expression: str, message: str) -> None:
    with pytest.raises(ClientError) as raised:
        query(client, expression)
    error = raised.value.response["Error"]
    assert (raised.value.response["ResponseMetadata"]["HTTPStatusCode"], error["Code"]) == (400, "ValidationError")
    assert error["Message"].startswith("Error in expression 'q': ") and message in error["Message"]


def test_one_query_per_request_and_a_period(client: Any) -> None:
    second = {"Id": "r", "Expression": 'SELECT SUM(Hits) FROM "Insights/x"', "Period": 60}
    with pytest.raises(ClientError) as raised:
        query(client, 'SELECT SUM(Hits) FROM "Insights/x"', second)
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert raised.value.response["Error"]["Message"] == (
        "A GetMetricData request can include only one Metrics Insights query.")
    with pytest.raises(ClientError) as raised:
        client.get_metric_data(MetricDataQueries=[{"Id": "q", "Expression": 'SELECT SUM(Hits) FROM "Insights/x"'}],
                               StartTime=AT, EndTime=NOW)
    assert (raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]) == (
        "MissingParameter", "The parameter MetricDataQueries.member.1.Period is required.")


def test_alarm_on_a_query(client: Any) -> None:
    """An alarm whose Metrics hold a Metrics Insights query (the query's Period is the alarm's) is evaluated."""
    _put(client, "Insights/alarm", [("Latency", {"Host": "a"}, 9.0, datetime.now(UTC) - timedelta(seconds=65)),
                                    ("Latency", {"Host": "b"}, 2.0, datetime.now(UTC) - timedelta(seconds=65))])
    client.put_metric_alarm(
        AlarmName="insights-latency", EvaluationPeriods=3, DatapointsToAlarm=1, Threshold=5,
        ComparisonOperator="GreaterThanThreshold", TreatMissingData="notBreaching",
        Metrics=[{"Id": "q", "Expression": 'SELECT MAX(Latency) FROM "Insights/alarm"', "Period": 60,
                  "ReturnData": True}])
    alarm = client.describe_alarms(AlarmNames=["insights-latency"])["MetricAlarms"][0]
    assert alarm["Metrics"][0]["Period"] == 60 and "Period" not in alarm  # as for metric math alarms
    wait_for("the Metrics Insights alarm in ALARM", lambda: client.describe_alarms(
        AlarmNames=["insights-latency"])["MetricAlarms"][0]["StateValue"] == "ALARM")
    with pytest.raises(ClientError) as raised:
        client.put_metric_alarm(
            AlarmName="insights-bad", EvaluationPeriods=1, Threshold=5, ComparisonOperator="GreaterThanThreshold",
            Metrics=[{"Id": "q", "Expression": 'SELECT P99(Latency) FROM "Insights/alarm"', "Period": 60}])
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert client.describe_alarms(AlarmNames=["insights-bad"])["MetricAlarms"] == []
    client.delete_alarms(AlarmNames=["insights-latency"])
