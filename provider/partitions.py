"""AWS partitions: which one a region belongs to decides how its ARNs start and its DNS names end.

>>> arn("elasticloadbalancing", "cn-north-1", "123456789012", "targetgroup/blue/1")
'arn:aws-cn:elasticloadbalancing:cn-north-1:123456789012:targetgroup/blue/1'
>>> arn("iam", "us-gov-west-1", "123456789012", "root", regional=False)
'arn:aws-us-gov:iam::123456789012:root'
>>> dns_suffix("cn-northwest-1"), dns_suffix("eu-west-1")
('amazonaws.com.cn', 'amazonaws.com')
"""

from __future__ import annotations

# where ALB serves the public keys that sign a region's x-amzn-oidc-data headers (AWS's documented address)
PUBLIC_KEYS_HOST = "public-keys.auth.elb.{region}.amazonaws.com"
# region prefix -> (partition, DNS suffix); every other region is in the commercial partition
_PARTITIONS = {"cn-": ("aws-cn", "amazonaws.com.cn"), "us-gov-": ("aws-us-gov", "amazonaws.com")}
_COMMERCIAL = ("aws", "amazonaws.com")


def _of(region: str) -> tuple[str, str]:
    return next((found for prefix, found in _PARTITIONS.items() if region.startswith(prefix)), _COMMERCIAL)


def partition(region: str) -> str:
    return _of(region)[0]


def dns_suffix(region: str) -> str:
    return _of(region)[1]


def arn(service: str, region: str, account: str, resource: str, *, regional: bool = True) -> str:
    """The ARN of `resource` in `region`'s partition; IAM's (global) ARNs leave the region out."""
    return f"arn:{partition(region)}:{service}:{region if regional else ''}:{account}:{resource}"
