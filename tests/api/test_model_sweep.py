"""Every served operation of every service, driven by botocore's own model: a complete call, then that call with
each member it sends dropped in turn and each scalar sent with the wrong type. Nothing answers 5xx, and a
refused call leaves every table as it was.

In-process (Starlette's TestClient on the real app over an in-memory store); requests are made by botocore's
serializers, in every protocol a service speaks, so they are byte for byte what an SDK sends.
"""

from __future__ import annotations

import itertools
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from botocore.model import OperationModel, Shape, StructureShape
from botocore.serialize import create_serializer
from starlette.testclient import TestClient

from provider.acm.certificates import OPERATIONS as ACM
from provider.app import create_app
from provider.cloudwatch.operations import OPERATIONS as CLOUDWATCH
from provider.ec2.operations import OPERATIONS as EC2
from provider.elbv2.operations import OPERATIONS as ELBV2
from provider.metricsserver.server import create_metrics_app
from provider.settings import Settings
from provider.sts.identity import OPERATIONS as STS
from tests.support.tls import OutsideCa

pytestmark = pytest.mark.slow

_numbers = itertools.count(1)
IMPORTED = OutsideCa("sweep CA").issue("sweep.example.test")  # what ImportCertificate is given

# What a correct caller sends beyond the model's required members (an ALB listener needs its Port and Protocol).
EXTRA: dict[str, tuple[str, ...]] = {
    "CreateListener": ("Port", "Protocol"),
    "CreateTargetGroup": ("Protocol", "Port", "VpcId", "TargetType"),
    "CreateLoadBalancer": ("Subnets",),
    "ModifyListener": ("Port",),
    "GetMetricStatistics": ("Statistics", "Period"),
    "PutMetricAlarm": ("MetricName", "Namespace", "Statistic", "Period", "Threshold", "EvaluationPeriods",
                       "ComparisonOperator"),
    "DescribeListeners": ("LoadBalancerArn",),
    "DescribeRules": ("ListenerArn",),
    "ModifyRule": ("Actions",),
    "PutMetricData": ("MetricData",),
    "CreateTags": ("Tags",),
    "AuthorizeSecurityGroupIngress": ("GroupId", "IpPermissions"),
    "AuthorizeSecurityGroupEgress": ("IpPermissions",),
    "RevokeSecurityGroupIngress": ("GroupId", "IpPermissions"),
    "DeleteSecurityGroup": ("GroupId",),
    "CreateSecurityGroup": ("VpcId",),
    "CreateSubnet": ("CidrBlock",),
    "CreateVpc": ("CidrBlock",),
}
STRUCTURE_HINTS = ("Field", "Values", "Key", "Value", "Id", "CertificateArn", "TargetGroupArn", "RuleArn", "Priority",
                   "MetricName", "Namespace", "Expression", "Period", "Stat", "Metric", "MetricStat", "Name")
ENUMS = {"Type": "forward", "Protocol": "HTTP", "TargetType": "ip", "Statistic": "Sum", "IpAddressType": "ipv4"}
DASHBOARD_BODY = '{"widgets": [{"type": "text", "properties": {"markdown": "sweep"}}]}'
DETECTOR = {"Namespace": "n", "MetricName": "m", "Stat": "Sum", "Dimensions": [{"Name": "k", "Value": "v"}]}
# Calls whose complete form the generic sample cannot guess (a known attribute key, one of two alternatives).
WHOLE: dict[str, dict[str, Any]] = {
    "ModifyLoadBalancerAttributes": {"Attributes": [{"Key": "idle_timeout.timeout_seconds", "Value": "60"}]},
    "ModifyTargetGroupAttributes": {"Attributes": [{"Key": "stickiness.enabled", "Value": "false"}]},
    "ModifyListenerAttributes": {"Attributes": [{"Key": "routing.http.response.server.enabled", "Value": "true"}]},
    "PutMetricData": {"Namespace": "n", "MetricData": [{"MetricName": "m", "Value": 1.0}]},
    "ModifyCapacityReservation": {"ResetCapacityReservation": True},
    "ModifyVpcAttribute": {"EnableDnsSupport": {"Value": True}},
    "GetMetricData": {"StartTime": "2026-01-01T00:00:00Z", "EndTime": "2026-01-01T01:00:00Z", "MetricDataQueries": [
        {"Id": "m1", "MetricStat": {"Metric": {"Namespace": "n", "MetricName": "m"}, "Period": 60, "Stat": "Sum"}},
    ]},
    "GetMetricStatistics": {"StartTime": "2026-01-01T00:00:00Z", "EndTime": "2026-01-01T01:00:00Z"},
    "PutDashboard": {"DashboardBody": DASHBOARD_BODY, "Tags": [{"Key": "k", "Value": "v"}]},
    "ImportCertificate": {"Certificate": IMPORTED.certificate, "PrivateKey": IMPORTED.key,
                          "CertificateChain": IMPORTED.chain},
    "ExportCertificate": {"Passphrase": b"sweep-passphrase"},
    "PutAnomalyDetector": {"SingleMetricAnomalyDetector": DETECTOR, "Configuration": {
        "ExcludedTimeRanges": [{"StartTime": "2026-01-01T00:00:00Z", "EndTime": "2026-01-01T01:00:00Z"}],
        "MetricTimezone": "UTC"}},
    "DeleteAnomalyDetector": {"SingleMetricAnomalyDetector": DETECTOR},
}
# Destructive calls last, children before parents, so that each still finds what it names.
LAST = ("Deregister", "Remove", "Revoke", "DeleteRule", "DeleteListener", "DeleteLoadBalancer", "DeleteTargetGroup",
        "Delete")
SERVED = {"elbv2": ELBV2, "cloudwatch": CLOUDWATCH, "ec2": EC2, "sts": STS, "acm": ACM}


class World:
    """The app, one of each resource to name, and a fingerprint of every table."""

    def __init__(self) -> None:
        app, metrics = create_app(Settings(db=":memory:")), create_metrics_app(Settings(db=":memory:"))
        self.stores = (app.state.runtime.store, metrics.state.store)
        # CloudWatch asked where the server relays it: the metrics process's app, with its own store
        self.clients = {"cloudwatch": TestClient(metrics, raise_server_exceptions=False)}
        self.client = TestClient(app, raise_server_exceptions=False)
        self.session = botocore.session.get_session()
        self.values: dict[str, Any] = {}

    def call(self, service: str, operation: str, params: dict[str, Any], protocol: str | None = None) -> Any:
        model = self.session.get_service_model(service).operation_model(operation)
        serializer = create_serializer(protocol or model.metadata["protocol"], include_validation=False)
        request = serializer.serialize_to_request(params, model)
        query = "&".join(f"{k}={v}" for k, v in request["query_string"].items()) if request["query_string"] else ""
        url = request["url_path"] + ("?" + query if query else "")
        body, headers = request["body"], dict(request["headers"])
        if isinstance(body, dict):  # the query protocols hand over the form
            body = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        client = self.clients.get(service, self.client)
        return client.request(request["method"], url, headers=headers, content=body)

    def fingerprint(self) -> list[Any]:
        """Each table's row count and the sum of its rows' hashes (any order), in one query a store."""
        out = []
        for store in self.stores:
            cursor = store.cursor()
            tables = [row[0] for row in cursor.execute("SELECT table_name FROM information_schema.tables").fetchall()]
            each = [f"SELECT '{t}', count(*), sum(hash(\"{t}\")::HUGEINT) FROM \"{t}\"" for t in sorted(tables)]
            out.append(sorted(cursor.execute(" UNION ALL ".join(each)).fetchall()))
        return out


def _first(response: Any, *path: str) -> str:
    """The first text of the XML element named path[-1] in a response."""
    root = ET.fromstring(response.content)
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == path[-1] and element.text:
            return element.text
    raise AssertionError(f"{path} not in {response.text}")


@pytest.fixture(scope="module")
def world() -> World:
    return populated()


def populated() -> World:
    """A world with a load balancer, listener, rule, target group, alarm, dashboard and ACM certificate (imported,
    so issued at once), all named `sweep`."""
    w = World()
    imported = w.call("acm", "ImportCertificate", WHOLE["ImportCertificate"]).json()["CertificateArn"]
    vpc = "vpc-0000000000000000a"
    subnets = w.call("ec2", "DescribeSubnets", {})
    subnet = _first(subnets, "subnetId")
    group = _first(w.call("ec2", "DescribeSecurityGroups", {}), "groupId")
    lb = _first(w.call("elbv2", "CreateLoadBalancer", {"Name": "sweep", "Subnets": ["s-a", "s-b"]}), "LoadBalancerArn")
    tg_params = {"Name": "sweep", "Protocol": "HTTP", "Port": 80, "VpcId": vpc, "TargetType": "ip"}
    tg = _first(w.call("elbv2", "CreateTargetGroup", tg_params), "TargetGroupArn")
    forward = [{"Type": "forward", "TargetGroupArn": tg}]
    listener_params = {"LoadBalancerArn": lb, "Protocol": "HTTP", "Port": 80, "DefaultActions": forward}
    listener = _first(w.call("elbv2", "CreateListener", listener_params), "ListenerArn")
    rule_params = {"ListenerArn": listener, "Priority": 1, "Actions": forward,
                   "Conditions": [{"Field": "path-pattern", "Values": ["/a"]}]}
    rule = _first(w.call("elbv2", "CreateRule", rule_params), "RuleArn")
    w.call("cloudwatch", "PutMetricAlarm", {"AlarmName": "sweep", "MetricName": "m", "Namespace": "n", "Period": 60,
                                            "Statistic": "Sum", "EvaluationPeriods": 1, "Threshold": 1,
                                            "ComparisonOperator": "GreaterThanThreshold"})
    w.call("cloudwatch", "PutDashboard", {"DashboardName": "sweep", "DashboardBody": DASHBOARD_BODY})
    alarm_arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:sweep"
    w.values = {
        "LoadBalancerArn": lb, "TargetGroupArn": tg, "ListenerArn": listener, "RuleArn": rule, "ResourceArn": lb,
        "ResourceArns": lb, "LoadBalancerArns": lb, "TargetGroupArns": tg, "ListenerArns": listener, "RuleArns": rule,
        "VpcId": vpc, "SubnetId": subnet, "GroupId": group, "Subnets": subnet, "SecurityGroups": group,
        "AlarmName": "sweep", "AlarmNames": "sweep", "DashboardName": "sweep", "DashboardNames": "sweep",
        "ResourceARN": alarm_arn, "Resources": vpc, "Id": "127.0.0.1", "Key": "k", "Value": "v",
        "CidrBlock": "172.31.240.0/24", "CidrIp": "10.0.0.0/8", "IpProtocol": "tcp", "Namespace": "n",
        "MetricName": "m", "Stat": "Sum", "Field": "path-pattern", "Values": "/b", "StateValue": "OK",
        "CertificateArn": imported, "Expression": "m1", "DomainName": "sweep.example.test",
    }
    return w


def sample(world: World, name: str, shape: Shape, required: tuple[str, ...], operation: str) -> Any:
    """A plausible value for one member: a resource that exists where the name says so, else the shape's kind."""
    if shape.type_name == "structure":
        assert isinstance(shape, StructureShape)
        hinted = [m for m in shape.members if name and m in STRUCTURE_HINTS]
        wanted = dict.fromkeys((*shape.required_members, *required, *hinted))
        return {m: sample(world, m, shape.members[m], (), operation) for m in wanted if m in shape.members}
    if shape.type_name == "list":
        return [sample(world, name, shape.member, (), operation)]  # type: ignore[attr-defined]
    if name in world.values and shape.type_name == "string":
        return world.values[name]
    enum = getattr(shape, "enum", None)
    if enum:
        return ENUMS.get(name, enum[0])
    if name in ("Name", "GroupName", "AlarmName"):
        return f"sweep-{next(_numbers)}"
    kinds = {"integer": 1, "long": 1, "double": 1.0, "float": 1.0, "boolean": False}
    if name in ("Port", "Priority"):
        return 9000 + next(_numbers) if name == "Port" else 100 + next(_numbers)
    if name == "Period":
        return 60
    if shape.type_name == "timestamp":
        return "2026-01-01T00:00:00Z"
    if shape.type_name == "blob":
        return b"x" * max(1, shape.metadata.get("min", 1))
    if shape.type_name in kinds:
        return max(kinds[shape.type_name], shape.metadata.get("min", 0))
    return "x"


def variants(full: dict[str, Any], model: OperationModel) -> Iterator[tuple[str, dict[str, Any]]]:
    """The full call, then each member (top level and one level down) dropped, then each top-level scalar of the
    wrong type."""
    yield "full", full
    for member in full:
        yield f"without {member}", {k: v for k, v in full.items() if k != member}
        value = full[member]
        nested = value[0] if isinstance(value, list) and value and isinstance(value[0], dict) else value
        if isinstance(nested, dict):
            for inner in nested:
                changed = {k: v for k, v in nested.items() if k != inner}
                yield f"without {member}.{inner}", {**full, member: [changed] if isinstance(value, list) else changed}
    assert model.input_shape is not None
    for member, shape in model.input_shape.members.items():
        if member in full and shape.type_name in ("integer", "long", "boolean", "double"):
            yield f"{member} not a number", {**full, member: "not-a-number"}


def cases() -> Iterator[Any]:
    session = botocore.session.get_session()
    for service, operations in SERVED.items():
        model = session.get_service_model(service)
        protocols = model.metadata.get("protocols") or [model.metadata["protocol"]]
        rank = {op: next((n for n, prefix in enumerate(LAST, 1) if op.startswith(prefix)), 0) for op in operations}
        ordered = sorted(operations, key=lambda op: (rank[op], op))
        for operation in ordered:
            for protocol in protocols:
                yield pytest.param(service, operation, protocol, id=f"{service}-{operation}-{protocol}")


@pytest.mark.parametrize(("service", "operation", "protocol"), list(cases()))
def test_no_5xx_and_no_change_when_refused(world: World, service: str, operation: str, protocol: str) -> None:
    model = world.session.get_service_model(service).operation_model(operation)
    shape = model.input_shape
    full = sample(world, "", shape, EXTRA.get(operation, ()), operation) if shape is not None else {}
    full |= WHOLE.get(operation, {})
    failures = []
    before = world.fingerprint()  # then each call's "after" is the next one's "before" (nothing else writes)
    for label, params in variants(full, model) if shape is not None else [("full", {})]:
        try:
            response = world.call(service, operation, params, protocol)
        except (TypeError, ValueError):  # botocore's json and cbor writers cannot put a string in a number
            continue
        after = world.fingerprint()
        if response.status_code >= 500:
            failures.append(f"{label}: {response.status_code} {response.text[:200]}")
        elif response.status_code >= 400 and after != before:
            failures.append(f"{label}: refused with {response.status_code} but changed the state")
        before = after
    assert not failures, "\n".join(failures)
