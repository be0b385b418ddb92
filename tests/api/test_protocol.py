"""HTTP-level protocol behaviour: envelopes, headers, regions, limits."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.clients import elbv2_client
from tests.support.processes import Server

FORM = {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        pytest.param(b"Action=Frobnicate&Version=2015-12-01", 400, "InvalidAction", id="unknown-action"),
        pytest.param(b"Version=2015-12-01", 400, "MissingAction", id="missing-action"),
        pytest.param(b"Action=DescribeRules&Version=1999-01-01", 400, "InvalidParameterValue", id="wrong-version"),
        pytest.param(
            b"Action=DescribeRules&Version=2015-12-01&RuleArns.member.1=\xff\xfe",
            400,
            "MalformedQueryString",
            id="non-utf8",
        ),
        pytest.param(
            b"Action=DescribeLoadBalancers&Version=2015-12-01&Names.member.1=" + b"a" * (1 << 20),
            413,
            "RequestEntityTooLarge",
            id="oversized",
        ),
    ],
)
def test_client_mistakes_get_4xx_envelopes(api_server: Server, body: bytes, status: int, code: str) -> None:
    response = httpx.post(api_server.url + "/", content=body, headers=FORM, timeout=10)
    assert response.status_code == status
    assert f"<Code>{code}</Code>" in response.text
    assert "<Type>Sender</Type>" in response.text
    assert "Traceback" not in response.text


def test_success_has_request_id_header_and_xml(api_server: Server) -> None:
    response = httpx.post(
        api_server.url + "/", content=b"Action=DescribeLoadBalancers&Version=2015-12-01", headers=FORM, timeout=10
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.headers["x-amzn-RequestId"] in response.text


def test_region_comes_from_the_signature_scope(api_server: Server) -> None:
    client: Any = elbv2_client(api_server.url)
    client.meta.config.region_name  # noqa: B018 - the default client is us-east-1
    import boto3

    west = boto3.client(
        "elbv2", endpoint_url=api_server.url, region_name="eu-west-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    arn = west.create_target_group(Name="regional", Protocol="HTTP", Port=80, VpcId="v", TargetType="ip")[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    assert arn.startswith("arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/regional/")
