"""Shorthands for the API tests' boto3 calls: a name no other test took, and the error a call is refused with."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from botocore.exceptions import ClientError

_names = itertools.count()


def unique(prefix: str) -> str:
    """``prefix-N``, unique in this test process (load balancer and target group names are unique per region)."""
    return f"{prefix}-{next(_names)}"


def error_of(call: Any, **kwargs: Any) -> tuple[str, int]:
    """The error code and HTTP status ``call(**kwargs)`` is refused with."""
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def target_group(elbv2: Any, port: int = 80) -> str:
    """A new HTTP ip target group's ARN."""
    created = elbv2.create_target_group(Name=unique("tg"), Protocol="HTTP", Port=port, VpcId="vpc-1", TargetType="ip")
    return str(created["TargetGroups"][0]["TargetGroupArn"])


def issued_certificate(url: str, domain: str) -> str:
    """An ACM certificate for ``domain`` from the server at ``url``, once ISSUED (what an HTTPS listener may name)."""
    from tests.support.clients import aws_client
    from tests.support.waiting import wait_for

    acm = aws_client(url, "acm")
    arn: str = acm.request_certificate(DomainName=domain, ValidationMethod="DNS")["CertificateArn"]
    wait_for("certificate issued",
             lambda: acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "ISSUED")
    return arn


# AWS's defaults for an authenticate action's session settings, as DescribeRules shows them
AUTH_DEFAULTS = {"SessionCookieName": "AWSELBAuthSessionCookie", "Scope": "openid", "SessionTimeout": 604800,
                 "OnUnauthenticatedRequest": "authenticate"}


def imported_certificate(url: str, domain: str) -> str:
    """An ACM certificate for ``domain`` from a CA of the test's own, imported into the server at ``url``."""
    from tests.support.clients import aws_client
    from tests.support.tls import OutsideCa

    issued = OutsideCa().issue(domain)
    arn: str = aws_client(url, "acm").import_certificate(
        Certificate=issued.certificate, PrivateKey=issued.key, CertificateChain=issued.chain)["CertificateArn"]
    return arn


def https_and_http_listeners(elbv2: Any, certificate: str) -> dict[str, str]:
    """``https_listener`` and, on the same load balancer, an HTTP listener on 80 ("http") to the same group."""
    https = https_listener(elbv2, certificate)
    http = elbv2.create_listener(LoadBalancerArn=https["lb"], Protocol="HTTP", Port=80,
                                 DefaultActions=[{"Type": "forward", "TargetGroupArn": https["tg"]}])
    return https | {"http": http["Listeners"][0]["ListenerArn"]}


def https_listener(elbv2: Any, certificate: str) -> dict[str, str]:
    """A new load balancer with an HTTPS listener on 443 (``certificate``: an issued ACM certificate's ARN) that
    forwards to a new target group: {"arn": listener, "tg": target group, "lb": load balancer}."""
    lb = elbv2.create_load_balancer(Name=unique("lb"), Subnets=["subnet-1", "subnet-2"])["LoadBalancers"][0]
    tg = target_group(elbv2)
    created = elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTPS", Port=443,
        Certificates=[{"CertificateArn": certificate}], DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
    )  # fmt: skip
    return {"arn": created["Listeners"][0]["ListenerArn"], "tg": tg, "lb": lb["LoadBalancerArn"]}
