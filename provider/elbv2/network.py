"""The VPC side we do not have: no EC2 backend, so ids are accepted as given and zones are invented for echo.

>>> availability_zones("us-east-1", ("subnet-1", "subnet-2"))
[{'zone_name': 'us-east-1a', 'subnet_id': 'subnet-1'}, {'zone_name': 'us-east-1b', 'subnet_id': 'subnet-2'}]
"""

from __future__ import annotations

DEFAULT_VPC_ID = "vpc-0000000000000000a"  # stands in for the account's default VPC
_ZONE_LETTERS = "abcdef"
# Route 53 hosted zones AWS uses for Application Load Balancers, per region.
_HOSTED_ZONES = {
    "us-east-1": "Z35SXDOTRQ7X7K",
    "us-east-2": "Z3AADJGX6KTTL2",
    "us-west-1": "Z368ELLRRE2KJ0",
    "us-west-2": "Z1H1FL5HABSF5",
    "ca-central-1": "ZQSVJUPU6J1EY",
    "eu-west-1": "Z32O12XQLNTSW2",
    "eu-west-2": "ZHURV8PSTC4K8",
    "eu-central-1": "Z215JYRZR1TBD5",
    "ap-south-1": "ZP97RAFLXTNZK",
    "ap-northeast-1": "Z14GRHDCWA56QT",
    "ap-southeast-1": "Z1LMS91P8CMLE5",
    "ap-southeast-2": "Z1GM3OXH4ZPM65",
    "sa-east-1": "Z2P70J7HTTTPLU",
}
FALLBACK_HOSTED_ZONE = "Z2P70J7EXAMPLE"


def region_of(arn: str) -> str:
    """``arn:aws:elasticloadbalancing:eu-west-1:...`` -> ``eu-west-1``."""
    return arn.split(":")[3]


def hosted_zone_id(region: str) -> str:
    return _HOSTED_ZONES.get(region, FALLBACK_HOSTED_ZONE)


def availability_zones(region: str, subnets: tuple[str, ...]) -> list[dict[str, str]]:
    """One zone per subnet, in order: the first subnet is in zone ``a``, the second in ``b``..."""
    return [
        {"zone_name": f"{region}{_ZONE_LETTERS[i % len(_ZONE_LETTERS)]}", "subnet_id": subnet}
        for i, subnet in enumerate(subnets)
    ]
