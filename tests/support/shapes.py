"""Values for botocore shapes: a PascalCase value that satisfies a shape's constraints, and its snake_case twin
(what a handler gets). Shared by the wire tests of every service and protocol."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore import xform_name
from botocore.model import ListShape, MapShape, Shape, StructureShape

# Values that satisfy the model's few string patterns, by shape name.
PATTERN_SAMPLES = {
    "TrustStoreName": "my-store-1",
    "RedirectActionProtocol": "HTTPS",
    "LoadBalancerAttributeKey": "idle_timeout.timeout_seconds",
    "ListenerAttributeKey": "routing.http.response.server.enabled",
    "TargetGroupAttributeKey": "stickiness.lb_cookie.duration_seconds",
    "IpamPoolId": "ipam-pool-0abc",
    "CustomerOwnedIpv4Pool": "ipv4pool-coip-0abc",
    "TagKey": "team:web/a b=c+d@é",
    "TagValue": "blue_green.1",
    "FixedResponseActionStatusCode": "404",
    # cloudwatch
    "AnomalyDetectorId": "detector-1",
    "AnomalyDetectorMetricStat": "p99",
    "DatasetArn": "arn:aws:cloudwatch:us-east-1:123456789012:dataset/default",
    "DatasetId": "default",
    "DatasetIdentifier": "default",
    "DefinitionId": "def-1",
    "KmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/abc-123",
    "MetricDataQueryDefinitionNextToken": "token_1",
    "ResourceArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:a",
    "TemplateName": "template-1",
    "InsightRuleDefinition": "{}",
    "InsightRuleMetricName": "UniqueContributors",
    "InsightRuleName": "rule-1",
    "InsightRuleOrderBy": "Sum",
    "InsightRuleState": "ENABLED",
}
BASE_TIME = datetime(2026, 11, 26, 14, 30, 33, 589000, tzinfo=UTC)


class Generator:
    """Builds a PascalCase value for a botocore shape, honouring enums, ranges, lengths and patterns.

    `empty_lists=True` makes every list that may be empty `[]`; otherwise lists get two elements. A union
    gets its first member only.
    """

    def __init__(self, empty_lists: bool, base_time: datetime = BASE_TIME) -> None:
        self.empty_lists = empty_lists
        self.base_time = base_time
        self.counter: Iterator[int] = itertools.count(1)

    def value(self, shape: Shape) -> Any:
        n = next(self.counter)
        meta = shape.metadata
        if isinstance(shape, StructureShape):
            members = list(shape.members.items())[:1] if shape.is_tagged_union else shape.members.items()
            return {name: self.value(member) for name, member in members}
        if isinstance(shape, ListShape):
            size = 0 if self.empty_lists and meta.get("min", 0) == 0 else min(2, meta.get("max", 2))
            size = max(size, meta.get("min", 0))
            return [self.value(shape.member) for _ in range(size)]
        if isinstance(shape, MapShape):
            return {f"k{n}&x": self.value(shape.value), f"k{n + 1}": self.value(shape.value)}
        kind = shape.type_name
        if kind == "string":
            if shape.enum:
                return sorted(shape.enum)[n % len(shape.enum)]
            if shape.name in PATTERN_SAMPLES:
                return PATTERN_SAMPLES[shape.name]
            text = f"{n}/a b&c=d+é*<x>%"[: meta.get("max", 64)]
            return text.ljust(meta.get("min", 0), "z")
        if kind in ("integer", "long"):
            low = meta.get("min", 0)
            return meta.get("max", low + 1000) if n % 2 else low + n % 7
        if kind == "boolean":
            return n % 2 == 0
        if kind == "double":
            return n + 0.25
        if kind == "timestamp":
            return self.base_time + timedelta(seconds=n)
        if kind == "blob":
            return f"blob {n}\x00\xff".encode("latin-1")
        raise AssertionError(f"generator does not know {kind}")


def to_snake(value: Any, shape: Shape) -> Any:
    if isinstance(shape, StructureShape):
        return {xform_name(k): to_snake(v, shape.members[k]) for k, v in value.items()}
    if isinstance(shape, ListShape):
        return [to_snake(item, shape.member) for item in value]
    if isinstance(shape, MapShape):
        return {k: to_snake(v, shape.value) for k, v in value.items()}
    return value
