"""AWS-shaped ARNs and DNS names (elbv2-api.md 4.7).

>>> target_group("us-east-1", "123456789012", "blue")   # the id at the end is random
'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/...'
"""

from __future__ import annotations

import secrets

PREFIX = "arn:aws:elasticloadbalancing"


def dimension(arn: str) -> str:
    """CloudWatch's dimension value of a load balancer or target group ARN (its resource part, as AWS names it):
    ``arn:...:loadbalancer/app/web/50dc6c495c0c9188`` -> ``app/web/50dc6c495c0c9188``,
    ``arn:...:targetgroup/v2/0f3a`` -> ``targetgroup/v2/0f3a``."""
    return arn.split(":", 5)[5].removeprefix("loadbalancer/")


def _hex16() -> str:
    return secrets.token_hex(8)


def load_balancer(region: str, account: str, name: str) -> str:
    return f"{PREFIX}:{region}:{account}:loadbalancer/app/{name}/{_hex16()}"


def listener(load_balancer_arn: str) -> str:
    return load_balancer_arn.replace(":loadbalancer/", ":listener/", 1) + "/" + _hex16()


def rule(listener_arn: str) -> str:
    return listener_arn.replace(":listener/", ":listener-rule/", 1) + "/" + _hex16()


def target_group(region: str, account: str, name: str) -> str:
    return f"{PREFIX}:{region}:{account}:targetgroup/{name}/{_hex16()}"


def dns_name(load_balancer_arn: str, name: str, scheme: str, region: str) -> str:
    """``my-alb-424835706.us-east-1.elb.amazonaws.com``; ``internal-`` in front for internal schemes."""
    number = int(load_balancer_arn.rsplit("/", 1)[1][:8], 16) % 10**10
    prefix = "internal-" if scheme == "internal" else ""
    return f"{prefix}{name}-{number}.{region}.elb.amazonaws.com"


def resource_kind(arn: str) -> str:
    """``...:targetgroup/blue/73e2...`` -> ``targetgroup``; '' when the ARN is not ours."""
    if not arn.startswith(PREFIX + ":"):
        return ""
    parts = arn.split(":", 5)
    return parts[5].split("/", 1)[0] if len(parts) == 6 else ""
