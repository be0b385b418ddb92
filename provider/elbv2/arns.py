"""AWS-shaped ARNs and DNS names (elbv2-api.md 4.7).

>>> target_group("us-east-1", "123456789012", "blue")   # the id at the end is random
'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/...'
"""

from __future__ import annotations

import secrets

from provider import partitions

SERVICE = "elasticloadbalancing"


def dimension(arn: str) -> str:
    """CloudWatch's dimension value of a load balancer or target group ARN (its resource part, as AWS names it):
    ``arn:...:loadbalancer/app/web/50dc6c495c0c9188`` -> ``app/web/50dc6c495c0c9188``,
    ``arn:...:targetgroup/v2/0f3a`` -> ``targetgroup/v2/0f3a``."""
    return arn.split(":", 5)[5].removeprefix("loadbalancer/")


def _hex16() -> str:
    return secrets.token_hex(8)


def load_balancer(region: str, account: str, name: str) -> str:
    return partitions.arn(SERVICE, region, account, f"loadbalancer/app/{name}/{_hex16()}")


def listener(load_balancer_arn: str) -> str:
    return load_balancer_arn.replace(":loadbalancer/", ":listener/", 1) + "/" + _hex16()


def rule(listener_arn: str) -> str:
    return listener_arn.replace(":listener/", ":listener-rule/", 1) + "/" + _hex16()


def target_group(region: str, account: str, name: str) -> str:
    return partitions.arn(SERVICE, region, account, f"targetgroup/{name}/{_hex16()}")


def trust_store(region: str, account: str, name: str) -> str:
    return partitions.arn(SERVICE, region, account, f"truststore/{name}/{_hex16()}")


def dns_name(load_balancer_arn: str, name: str, scheme: str, region: str) -> str:
    """``my-alb-424835706.us-east-1.elb.amazonaws.com``; ``internal-`` in front for internal schemes."""
    number = int(load_balancer_arn.rsplit("/", 1)[1][:8], 16) % 10**10
    prefix = "internal-" if scheme == "internal" else ""
    return f"{prefix}{name}-{number}.{region}.elb.{partitions.dns_suffix(region)}"


def region_of(arn: str) -> str:
    """``arn:aws:elasticloadbalancing:eu-west-1:...`` -> ``eu-west-1``."""
    return arn.split(":")[3]


def account_of(arn: str) -> str:
    """``arn:aws:elasticloadbalancing:eu-west-1:123456789012:...`` -> ``123456789012``; '' when it has none."""
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


# resource type -> the number of '/'-separated parts of its ARN's resource: loadbalancer/app/<name>/<id>, ...
_PARTS = {"loadbalancer": 4, "targetgroup": 3, "listener": 5, "listener-rule": 6, "truststore": 3}


def is_arn_of(arn: str, kind: str) -> bool:
    """Whether `arn` is shaped like an ELBv2 ARN of `kind` (any partition, region and account):
    ``is_arn_of("arn:aws:foo", "targetgroup")`` is False."""
    parts = arn.split(":", 5)
    if resource_kind(arn) != kind or not parts[3] or not parts[4].isdigit():
        return False
    resource = parts[5].split("/")
    return len(resource) == _PARTS[kind] and all(resource)


def resource_kind(arn: str) -> str:
    """``...:targetgroup/blue/73e2...`` -> ``targetgroup``; '' when the ARN is not ours (in any partition)."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != SERVICE:
        return ""
    return parts[5].split("/", 1)[0]
