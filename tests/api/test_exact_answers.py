"""AWS's exact answers where tools compare them: codes, texts, partitions and per-region names, through boto3."""

from __future__ import annotations

import itertools
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import Server

_n = itertools.count()


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_n)}"


def client(server: Server, service: str, region: str = "us-east-1") -> Any:
    """A boto3 client of `region` that leaves validation to the server."""
    return boto3.client(
        service,
        endpoint_url=server.url,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, parameter_validation=False),
    )


def refused(call: Any, **kwargs: Any) -> dict[str, Any]:
    """The error a call answers with: {'Code': ..., 'Message': ...} plus the HTTP status."""
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    response = raised.value.response
    return {**response["Error"], "Status": response["ResponseMetadata"]["HTTPStatusCode"]}


@pytest.fixture(scope="module")
def elb(api_server: Server) -> Any:
    return client(api_server, "elbv2")


@pytest.fixture(scope="module")
def lb(elb: Any) -> str:
    return str(elb.create_load_balancer(Name=unique("exact"), Subnets=["s-1", "s-2"])["LoadBalancers"][0][
        "LoadBalancerArn"])


@pytest.fixture(scope="module")
def tg(elb: Any) -> str:
    created = elb.create_target_group(Name=unique("exact"), Protocol="HTTP", Port=80, VpcId="vpc-1", TargetType="ip")
    return str(created["TargetGroups"][0]["TargetGroupArn"])


def test_create_listener_without_port_is_a_validation_error_and_stores_nothing(elb: Any, lb: str, tg: str) -> None:
    forward = [{"Type": "forward", "TargetGroupArn": tg}]
    error = refused(elb.create_listener, LoadBalancerArn=lb, Protocol="HTTP", DefaultActions=forward)
    assert (error["Code"], error["Status"]) == ("ValidationError", 400)
    assert elb.describe_listeners(LoadBalancerArn=lb)["Listeners"] == []
