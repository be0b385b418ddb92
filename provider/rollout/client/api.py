"""The rollout's only way to the server: the public ELBv2 and CloudWatch APIs through boto3 (the command is a
client like any other), plus the server's /rollouts records. AWS PascalCase stays in this module.

>>> dimension("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/50dc/6d0e/9683")
'app/web/50dc'
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

from provider.rollout.model import Record, StepMetrics
from provider.rollout.wire import record_json, record_of

UNREACHABLE = (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError, urllib.error.URLError,
               ConnectionError)
NAMESPACE = "AWS/ApplicationELB"


class ApiFailure(Exception):
    """The server refused a call (its error code and message): a usage or API error, exit 2."""


@dataclass(frozen=True, slots=True)
class Forward:
    groups: dict[str, int]  # target group ARN -> weight, as the rule (or listener default action) has them
    actions: list[dict[str, Any]]  # the whole action list, to write back with only the weights changed


def dimension(arn: str) -> str:
    """'...:targetgroup/v2/0f3a' -> 'targetgroup/v2/0f3a'; '...:listener-rule/app/web/50dc/l/r' -> 'app/web/50dc'
    (the load balancer of a rule or a listener)."""
    resource = arn.split(":", 5)[-1]
    if resource.startswith("targetgroup/"):
        return resource
    return "/".join(resource.split("/")[1:4])


class Api:
    def __init__(self, endpoint_url: str, region: str = "us-east-1") -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        config = Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10)
        common: dict[str, Any] = {"endpoint_url": self.endpoint_url, "region_name": region, "config": config}
        session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test")
        self.elbv2 = session.client("elbv2", **common)
        self.cloudwatch = session.client("cloudwatch", **common)

    def _aws(self, fn: Any, **params: Any) -> Any:
        try:
            return fn(**params)
        except ClientError as e:
            error = e.response.get("Error", {})
            raise ApiFailure(f"{error.get('Code')}: {error.get('Message')}") from None

    def forward(self, target: str) -> Forward:
        if ":listener/" in target:
            actions = self._aws(self.elbv2.describe_listeners, ListenerArns=[target])["Listeners"][0]["DefaultActions"]
        else:
            actions = self._aws(self.elbv2.describe_rules, RuleArns=[target])["Rules"][0]["Actions"]
        for action in actions:
            if action["Type"] == "forward":
                groups = action.get("ForwardConfig", {}).get("TargetGroups") or [
                    {"TargetGroupArn": action["TargetGroupArn"], "Weight": 1}]
                return Forward({g["TargetGroupArn"]: int(g.get("Weight", 1)) for g in groups}, actions)
        raise ApiFailure(f"{target} has no forward action")

    def set_weights(self, target: str, current: Forward, weights: dict[str, int]) -> None:
        """One ModifyRule (or ModifyListener) call: the same actions, the forward one with ``weights``."""
        actions = []
        for action in current.actions:
            if action["Type"] == "forward":
                config = dict(action.get("ForwardConfig") or {})
                config["TargetGroups"] = [{"TargetGroupArn": arn, "Weight": w} for arn, w in weights.items()]
                action = {k: v for k, v in action.items() if k != "TargetGroupArn"} | {"ForwardConfig": config}
            actions.append(action)
        if ":listener/" in target:
            self._aws(self.elbv2.modify_listener, ListenerArn=target, DefaultActions=actions)
        else:
            self._aws(self.elbv2.modify_rule, RuleArn=target, Actions=actions)

    def alarm_states(self, names: tuple[str, ...]) -> dict[str, str]:
        """Alarm name -> StateValue, for the named alarms that exist."""
        if not names:
            return {}
        found = self._aws(self.cloudwatch.describe_alarms, AlarmNames=list(names), MaxRecords=100)
        return {a["AlarmName"]: a["StateValue"] for a in found["MetricAlarms"]}

    def step_metrics(self, target: str, group: str, start: datetime, end: datetime) -> StepMetrics:
        """The canary group's RequestCount, 5xx and TargetResponseTime p99 over [start, end), per second: counts
        add up exactly; the p99 reported is the largest per-second p99, never less than the window's own."""
        dims = [{"Name": "LoadBalancer", "Value": dimension(target)},
                {"Name": "TargetGroup", "Value": dimension(group)}]

        def query(qid: str, metric: str, stat: str) -> dict[str, Any]:
            return {"Id": qid, "MetricStat": {"Metric": {"Namespace": NAMESPACE, "MetricName": metric,
                                                         "Dimensions": dims}, "Period": 1, "Stat": stat}}

        queries = [query("requests", "RequestCount", "Sum"), query("errors", "HTTPCode_Target_5XX_Count", "Sum"),
                   query("unreachable", "TargetConnectionErrorCount", "Sum"),
                   query("p99", "TargetResponseTime", "p99")]
        found = self._aws(self.cloudwatch.get_metric_data, MetricDataQueries=queries, StartTime=start, EndTime=end)
        values = {r["Id"]: r["Values"] for r in found["MetricDataResults"]}
        p99 = values.get("p99") or []
        return StepMetrics(int(sum(values.get("requests", []))),
                           int(sum(values.get("errors", [])) + sum(values.get("unreachable", []))),
                           max(p99) if p99 else None)

    def put_record(self, record: Record) -> None:
        request = urllib.request.Request(f"{self.endpoint_url}/rollouts/{record.id}",
                                         json.dumps(record_json(record)).encode(),
                                         {"Content-Type": "application/json"}, method="PUT")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def records(self) -> list[Record]:
        with urllib.request.urlopen(f"{self.endpoint_url}/rollouts", timeout=10) as response:
            return [record_of(body) for body in json.loads(response.read())]

