"""Account-wide reads and the operations this server refuses, through real boto3."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.clients import elbv2_client
from tests.support.processes import start_server

pytestmark = pytest.mark.slow


def test_account_limits_are_name_max_strings_and_paged(elbv2: Any) -> None:
    limits = {lim["Name"]: lim["Max"] for lim in elbv2.describe_account_limits()["Limits"]}
    assert limits["application-load-balancers"] == "50"
    assert limits["target-groups"] == "3000"
    assert limits["targets-per-application-load-balancer"] == "1000"
    assert limits["target-groups-per-action-on-application-load-balancer"] == "5"
    assert all(value.isdigit() for value in limits.values())
    first = elbv2.describe_account_limits(PageSize=2)
    assert len(first["Limits"]) == 2 and first["NextMarker"]
    pages = elbv2.get_paginator("describe_account_limits").paginate(PaginationConfig={"PageSize": 3})
    assert [lim["Name"] for page in pages for lim in page["Limits"]] == list(limits)


def test_ssl_policies(elbv2: Any) -> None:
    policies = {p["Name"]: p for p in elbv2.describe_ssl_policies()["SslPolicies"]}
    default = policies["ELBSecurityPolicy-2016-08"]
    assert default["SslProtocols"] == ["TLSv1", "TLSv1.1", "TLSv1.2"]
    assert default["Ciphers"][0] == {"Name": "ECDHE-ECDSA-AES128-GCM-SHA256", "Priority": 1}
    assert "TLSv1.3" in policies["ELBSecurityPolicy-TLS13-1-2-2021-06"]["SslProtocols"]
    named = elbv2.describe_ssl_policies(Names=["ELBSecurityPolicy-TLS13-1-3-2021-06"])["SslPolicies"]
    assert [p["Name"] for p in named] == ["ELBSecurityPolicy-TLS13-1-3-2021-06"]
    with pytest.raises(ClientError) as caught:
        elbv2.describe_ssl_policies(Names=["ELBSecurityPolicy-Nope"])
    assert caught.value.response["Error"]["Code"] == "SSLPolicyNotFound"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        pytest.param("get_resource_policy", {"ResourceArn": "arn:aws:x"}, id="GetResourcePolicy"),
        pytest.param("modify_ip_pools", {"LoadBalancerArn": "arn:aws:x"}, id="ModifyIpPools"),
    ],
)
def test_unsupported_operations_say_so(elbv2: Any, method: str, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as caught:
        getattr(elbv2, method)(**kwargs)
    error = caught.value.response["Error"]
    assert error["Code"] == "UnsupportedOperation" and "not supported by elbv2-provider" in error["Message"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_rule_quota_is_aws_default_and_says_how_to_raise_it(tmp_path: Path) -> None:
    for raised, expected in ((None, 100), ("rules-per-application-load-balancer=120", 120)):
        (tmp_path / str(expected)).mkdir()
        server = start_server(tmp_path / str(expected), *(("--quota", raised) if raised else ()), process=True)
        try:
            client = elbv2_client(server.url)
            limits = {lim["Name"]: lim["Max"] for lim in client.describe_account_limits()["Limits"]}
            assert limits["rules-per-application-load-balancer"] == str(expected)
            listener = _listener(client)
            for priority in range(1, expected + 1):
                client.create_rule(ListenerArn=listener, Priority=priority, Conditions=PATH, Actions=FIXED)
            with pytest.raises(ClientError) as raised_error:
                client.create_rule(ListenerArn=listener, Priority=expected + 1, Conditions=PATH, Actions=FIXED)
            error = raised_error.value.response
            assert error["ResponseMetadata"]["HTTPStatusCode"] == 400 and error["Error"]["Code"] == "TooManyRules"
            assert "--quota rules-per-application-load-balancer=N" in error["Error"]["Message"]
            assert len(client.describe_rules(ListenerArn=listener)["Rules"]) == expected + 1  # nothing half-written
        finally:
            server.stop()


def test_an_unknown_quota_stops_the_server_with_the_names(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="application-load-balancers"):
        start_server(tmp_path, "--quota", "rules=5", process=True)


PATH = [{"Field": "path-pattern", "Values": ["/q"]}]
FIXED = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200"}}]


def _listener(client: Any) -> str:
    lb = client.create_load_balancer(Name="quota", Subnets=["subnet-a", "subnet-b"])["LoadBalancers"][0]
    return str(
        client.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80, DefaultActions=FIXED)[
            "Listeners"
        ][0]["ListenerArn"]
    )
