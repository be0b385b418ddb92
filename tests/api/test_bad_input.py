"""Bad input gets AWS's error code with a 4xx, never a 5xx, and nothing half-written.

One row per rule the server enforces, through real boto3 (botocore's client-side validation is off so
that the server sees what a careless SDK or a hand-written request would send).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.support.processes import Server

_n = itertools.count()


@pytest.fixture(scope="module")
def raw(api_server: Server) -> Any:
    """A client that skips botocore's own parameter validation, so the server's checks are the ones tested."""
    return boto3.client(
        "elbv2",
        endpoint_url=api_server.url,
        region_name="us-east-1",
        aws_access_key_id="t",
        aws_secret_access_key="t",
        config=Config(retries={"max_attempts": 1}, parameter_validation=False),
    )


@pytest.fixture(scope="module")
def world(raw: Any) -> dict[str, str]:
    """One LB with an HTTP listener, a rule at priority 10, three target groups, and a second LB."""
    lb = raw.create_load_balancer(Name="bad-input-lb", Subnets=["s-1", "s-2"])["LoadBalancers"][0]["LoadBalancerArn"]
    other_lb = raw.create_load_balancer(Name="bad-input-lb2", Subnets=["s-1"])["LoadBalancers"][0]["LoadBalancerArn"]
    tgs = [
        raw.create_target_group(Name=f"bad-input-tg{i}", Protocol="HTTP", Port=80, VpcId="vpc-1", TargetType="ip")[
            "TargetGroups"
        ][0]["TargetGroupArn"]
        for i in range(7)
    ]
    listener = raw.create_listener(
        LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": tgs[0]}]
    )["Listeners"][0]["ListenerArn"]
    other_listener = raw.create_listener(
        LoadBalancerArn=other_lb,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tgs[6]}],
    )["Listeners"][0]["ListenerArn"]
    rule = raw.create_rule(
        ListenerArn=listener,
        Priority=10,
        Conditions=[{"Field": "path-pattern", "Values": ["/a/*"]}],
        Actions=[{"Type": "forward", "TargetGroupArn": tgs[1]}],
    )["Rules"][0]["RuleArn"]
    rules = raw.describe_rules(ListenerArn=listener)["Rules"]
    default_rule = next(r["RuleArn"] for r in rules if r["IsDefault"])
    return {
        "lb": lb,
        "listener": listener,
        "other_listener": other_listener,
        "rule": rule,
        "default_rule": default_rule,
        **{f"tg{i}": arn for i, arn in enumerate(tgs)},
    }


def path(value: str = "/x/*") -> list[dict[str, Any]]:
    return [{"Field": "path-pattern", "PathPatternConfig": {"Values": [value]}}]


def forward(*groups: tuple[str, int], **stickiness: Any) -> list[dict[str, Any]]:
    config: dict[str, Any] = {"TargetGroups": [{"TargetGroupArn": arn, "Weight": w} for arn, w in groups]}
    if stickiness:
        config["TargetGroupStickinessConfig"] = stickiness
    return [{"Type": "forward", "ForwardConfig": config}]


def redirect(**config: Any) -> list[dict[str, Any]]:
    return [{"Type": "redirect", "RedirectConfig": {"StatusCode": "HTTP_301", **config}}]


Case = Callable[[Any, dict[str, str]], Any]


def rule(w: dict[str, str], **kwargs: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "ListenerArn": w["listener"],
        "Priority": 500 + next(_n),
        "Conditions": path(),
        "Actions": [{"Type": "forward", "TargetGroupArn": w["tg1"]}],
    }
    return {**base, **kwargs}


CASES = [
    pytest.param(lambda c, w: c.create_rule(**rule(w, Priority=50001)), "ValidationError", id="priority-above-50000"),
    pytest.param(lambda c, w: c.create_rule(**rule(w, Priority=0)), "ValidationError", id="priority-zero"),
    pytest.param(lambda c, w: c.create_rule(**rule(w, Priority=10)), "PriorityInUse", id="priority-in-use"),
    pytest.param(
        lambda c, w: c.create_rule(**rule(w, ListenerArn=w["listener"] + "0")),
        "ListenerNotFound",
        id="unknown-listener",
    ),
    pytest.param(lambda c, w: c.create_rule(**rule(w, Conditions=[])), "ValidationError", id="no-conditions"),
    pytest.param(
        lambda c, w: c.create_rule(**rule(w, Conditions=[{"Field": "cookie", "Values": ["a"]}])),
        "ValidationError",
        id="unknown-condition-field",
    ),
    pytest.param(
        lambda c, w: c.create_rule(**rule(w, Conditions=[{"Field": "path-pattern", "Values": ["/a", "/b"]}])),
        "ValidationError",
        id="legacy-values-two-paths",
    ),
    pytest.param(
        lambda c, w: c.create_rule(
            **rule(w, Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/1", "/2", "/3", "/4"]}}])
        ),
        "ValidationError",
        id="four-values-in-one-condition",
    ),
    pytest.param(
        lambda c, w: c.create_rule(
            **rule(
                w,
                Conditions=[
                    {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/1", "/2", "/3"]}},
                    {
                        "Field": "host-header",
                        "HostHeaderConfig": {"Values": ["a.example.com", "b.example.com", "c.example.com"]},
                    },
                ],
            )
        ),
        "ValidationError",
        id="six-values-in-one-rule",
    ),
    pytest.param(
        lambda c, w: c.create_rule(
            **rule(
                w,
                Conditions=[
                    {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*/*/*"]}},
                    {"Field": "host-header", "HostHeaderConfig": {"Values": ["*.*.*.example.com"]}},
                ],
            )
        ),
        "ValidationError",
        id="six-wildcards",
    ),
    pytest.param(
        lambda c, w: c.create_rule(**rule(w, Conditions=path("/a") + path("/b"))),
        "ValidationError",
        id="two-path-conditions",
    ),
    pytest.param(
        lambda c, w: c.create_rule(
            **rule(w, Conditions=[{"Field": "source-ip", "SourceIpConfig": {"Values": ["10.0.0.300/8"]}}])
        ),
        "ValidationError",
        id="bad-cidr",
    ),
    pytest.param(
        lambda c, w: c.create_rule(
            **rule(w, Conditions=[{"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": ["get"]}}])
        ),
        "ValidationError",
        id="lowercase-method",
    ),
    pytest.param(
        lambda c, w: c.create_rule(
            **rule(w, Conditions=[{"Field": "host-header", "PathPatternConfig": {"Values": ["/x"]}}])
        ),
        "ValidationError",
        id="config-for-other-field",
    ),
    pytest.param(
        lambda c, w: c.create_rule(**rule(w, Actions=forward((w["tg1"], 1000), (w["tg2"], 1)))),
        "ValidationError",
        id="weight-1000",
    ),
    pytest.param(
        lambda c, w: c.create_rule(**rule(w, Actions=forward((w["tg1"], -1), (w["tg2"], 1)))),
        "ValidationError",
        id="weight-negative",
    ),
    pytest.param(
        lambda c, w: c.create_rule(**rule(w, Actions=forward(*[(w[f"tg{i}"], 1) for i in range(6)]))),
        "ValidationError",
        id="six-target-groups",
    ),
    pytest.param(
        lambda c, w: c.create_rule(**rule(w, Actions=forward((w["tg1"], 1), (w["tg2"], 1), Enabled=True))),
        "ValidationError",
        id="stickiness-without-duration",
    ),
    pytest.param(
        lambda c, w: c.create_rule(
            **rule(w, Actions=forward((w["tg1"], 1), (w["tg2"], 1), Enabled=True, DurationSeconds=604801))
        ),
        "ValidationError",
        id="stickiness-too-long",
    ),
    pytest.param(
        lambda c, w: c.create_rule(
            **rule(w, Actions=forward((w["tg1"], 1), (w["tg2"], 1), Enabled=True, DurationSeconds=0))
        ),
        "ValidationError",
        id="stickiness-zero",
    ),
    pytest.param(
        lambda c, w: c.create_rule(
            **rule(
                w,
                Actions=[
                    {
                        "Type": "forward",
                        "TargetGroupArn": w["tg1"],
                        "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": w["tg2"], "Weight": 1}]},
                    }
                ],
            )
        ),
        "ValidationError",
        id="arn-and-forward-config-disagree",
    ),
    pytest.param(
        lambda c, w: c.create_rule(**rule(w, Actions=forward((w["tg1"] + "0", 1)))),
        "TargetGroupNotFound",
        id="unknown-target-group",
    ),
    pytest.param(
        lambda c, w: c.create_rule(**rule(w, Actions=forward((w["tg6"], 1)))),
        "TargetGroupAssociationLimit",
        id="target-group-of-another-lb",
    ),
    pytest.param(
        lambda c, w: c.create_rule(**rule(w, Actions=redirect())), "InvalidLoadBalancerAction", id="redirect-loop"
    ),
    pytest.param(
        lambda c, w: c.create_rule(**rule(w, Actions=redirect(Protocol="FTP"))),
        "ValidationError",
        id="redirect-bad-protocol",
    ),
    pytest.param(
        lambda c, w: c.create_rule(**rule(w, Actions=redirect(Path="no-slash"))),
        "ValidationError",
        id="redirect-path-without-slash",
    ),
    pytest.param(
        lambda c, w: c.create_rule(**rule(w, Actions=redirect(Port="70000"))), "ValidationError", id="redirect-bad-port"
    ),
    pytest.param(
        lambda c, w: c.create_rule(
            **rule(w, Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "302"}}])
        ),
        "ValidationError",
        id="fixed-response-3xx",
    ),
    pytest.param(
        lambda c, w: c.create_rule(
            **rule(
                w,
                Actions=[
                    {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200", "ContentType": "image/png"}}
                ],
            )
        ),
        "ValidationError",
        id="fixed-response-content-type",
    ),
    pytest.param(
        lambda c, w: c.create_rule(
            **rule(
                w,
                Actions=[
                    {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200", "MessageBody": "x" * 1025}}
                ],
            )
        ),
        "ValidationError",
        id="fixed-response-body-too-long",
    ),
    pytest.param(
        lambda c, w: c.delete_rule(RuleArn=w["default_rule"]), "OperationNotPermitted", id="delete-default-rule"
    ),
    pytest.param(
        lambda c, w: c.set_rule_priorities(RulePriorities=[{"RuleArn": w["default_rule"], "Priority": 3}]),
        "OperationNotPermitted",
        id="reprioritise-default-rule",
    ),
    pytest.param(lambda c, w: c.delete_rule(RuleArn=w["rule"] + "0"), "RuleNotFound", id="delete-unknown-rule"),
    pytest.param(lambda c, w: c.modify_rule(RuleArn=w["rule"]), "ValidationError", id="modify-rule-nothing"),
    pytest.param(lambda c, w: c.create_load_balancer(Name="-bad"), "ValidationError", id="lb-name-hyphen"),
    pytest.param(lambda c, w: c.create_load_balancer(Name="internal-x"), "ValidationError", id="lb-name-internal"),
    pytest.param(lambda c, w: c.create_load_balancer(Name="x" * 33), "ValidationError", id="lb-name-too-long"),
    pytest.param(
        lambda c, w: c.create_load_balancer(Name="bad-input-lb", Scheme="internal"),
        "DuplicateLoadBalancerName",
        id="lb-name-clash",
    ),
    pytest.param(
        lambda c, w: c.create_target_group(
            Name="bad-input-tg0", Protocol="HTTP", Port=81, VpcId="vpc-1", TargetType="ip"
        ),
        "DuplicateTargetGroupName",
        id="tg-name-clash",
    ),
    pytest.param(
        lambda c, w: c.create_target_group(Name="tg_under", Protocol="HTTP", Port=80, VpcId="vpc-1"),
        "ValidationError",
        id="tg-name-underscore",
    ),
    pytest.param(
        lambda c, w: c.create_target_group(
            Name="hc", Protocol="HTTP", Port=80, VpcId="v", HealthCheckIntervalSeconds=4
        ),
        "ValidationError",
        id="health-interval-too-short",
    ),
    pytest.param(
        lambda c, w: c.create_target_group(
            Name="hc2", Protocol="HTTP", Port=80, VpcId="v", Matcher={"HttpCode": "600"}
        ),
        "ValidationError",
        id="matcher-out-of-range",
    ),
    pytest.param(
        lambda c, w: c.create_listener(
            LoadBalancerArn=w["lb"], Protocol="HTTP", Port=80, DefaultActions=redirect(Port="81")
        ),
        "DuplicateListener",
        id="listener-port-in-use",
    ),
    pytest.param(
        lambda c, w: c.delete_target_group(TargetGroupArn=w["tg1"]), "ResourceInUse", id="delete-target-group-in-use"
    ),
    pytest.param(
        lambda c, w: c.modify_target_group_attributes(
            TargetGroupArn=w["tg2"], Attributes=[{"Key": "stickiness.magic", "Value": "1"}]
        ),
        "ValidationError",
        id="unknown-tg-attribute",
    ),
    pytest.param(
        lambda c, w: c.modify_target_group_attributes(
            TargetGroupArn=w["tg2"], Attributes=[{"Key": "stickiness.lb_cookie.duration_seconds", "Value": "0"}]
        ),
        "ValidationError",
        id="lb-cookie-duration-zero",
    ),
    pytest.param(
        lambda c, w: c.register_targets(TargetGroupArn=w["tg2"], Targets=[{"Id": "not-an-ip"}]),
        "InvalidTarget",
        id="target-not-an-ip",
    ),
    pytest.param(
        lambda c, w: c.register_targets(TargetGroupArn=w["tg2"], Targets=[{"Id": "127.0.0.1", "Port": 0}]),
        "ValidationError",
        id="target-port-zero",
    ),
    pytest.param(lambda c, w: c.create_trust_store(Name="ts", CaCertificatesBundleS3Bucket="no-bucket",
                                                   CaCertificatesBundleS3Key="ca.pem"),
                 "CaCertificatesBundleNotFound", id="trust-store-bundle-missing"),
]


@pytest.mark.parametrize(("call", "code"), CASES)
def test_bad_input_gets_aws_error_and_changes_nothing(
    raw: Any, world: dict[str, str], api_server: Server, call: Case, code: str
) -> None:
    before = _version(api_server)
    with pytest.raises(ClientError) as caught:
        call(raw, world)
    error = caught.value.response
    assert error["Error"]["Code"] == code, error["Error"]
    assert 400 <= error["ResponseMetadata"]["HTTPStatusCode"] < 500
    assert _version(api_server) == before


def _version(server: Server) -> str:
    import urllib.request

    with urllib.request.urlopen(server.url + "/healthz", timeout=5) as response:
        return response.read().decode().split()[1]
