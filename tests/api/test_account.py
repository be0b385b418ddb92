"""Account-wide reads and the operations this server refuses, through real boto3."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


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
        pytest.param("describe_trust_stores", {}, id="DescribeTrustStores"),
        pytest.param(
            "create_trust_store",
            {"Name": "ts", "CaCertificatesBundleS3Bucket": "b", "CaCertificatesBundleS3Key": "k"},
            id="CreateTrustStore",
        ),
        pytest.param("get_resource_policy", {"ResourceArn": "arn:aws:x"}, id="GetResourcePolicy"),
        pytest.param(
            "modify_capacity_reservation", {"LoadBalancerArn": "arn:aws:x"}, id="ModifyCapacityReservation"
        ),
        pytest.param("modify_ip_pools", {"LoadBalancerArn": "arn:aws:x"}, id="ModifyIpPools"),
    ],
)
def test_unsupported_operations_say_so(elbv2: Any, method: str, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as caught:
        getattr(elbv2, method)(**kwargs)
    error = caught.value.response["Error"]
    assert error["Code"] == "UnsupportedOperation" and "not supported by elbv2-provider" in error["Message"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
