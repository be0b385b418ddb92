"""Where a load balancer sits: the VPC and zones of its subnets when EC2 (provider/ec2) knows them; a subnet id
it does not know is still accepted as given (the README's canary names subnet-a) and gets an invented zone.

>>> availability_zones("us-east-1", ("subnet-1", "subnet-2"), ())
[{'zone_name': 'us-east-1a', 'subnet_id': 'subnet-1'}, {'zone_name': 'us-east-1b', 'subnet_id': 'subnet-2'}]
"""

from __future__ import annotations

from provider import texts
from provider.elbv2 import arns
from provider.elbv2.context import SubnetDirectory
from provider.elbv2.model import State
from provider.errors import InvalidConfigurationRequest, InvalidSecurityGroup

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


def hosted_zone_id(region: str) -> str:
    return _HOSTED_ZONES.get(region, FALLBACK_HOSTED_ZONE)


Zones = tuple[tuple[str, str], ...]  # (subnet id, zone name)


def availability_zones(region: str, subnets: tuple[str, ...], zones: Zones) -> list[dict[str, str]]:
    """One zone per subnet, in order: a known subnet's own zone; else the first is in ``a``, the second ``b``..."""
    known = dict(zones)
    return [
        {"zone_name": known.get(subnet) or f"{region}{_ZONE_LETTERS[i % len(_ZONE_LETTERS)]}", "subnet_id": subnet}
        for i, subnet in enumerate(subnets)
    ]


def placement(directory: SubnetDirectory | None, region: str, subnets: tuple[str, ...]) -> tuple[str, Zones]:
    """(VPC id, zones of the known subnets). Known subnets must share one VPC and not share a zone, as in AWS."""
    known = directory.placements(region, subnets) if directory is not None and subnets else {}
    if not known:
        return DEFAULT_VPC_ID, ()
    vpcs = sorted({vpc for vpc, _ in known.values()})
    if len(vpcs) > 1:
        raise InvalidConfigurationRequest(f"The subnets of a load balancer must be in one VPC, not {', '.join(vpcs)}")
    zones = [zone for _, zone in known.values()]
    if len(zones) != len(set(zones)):
        raise InvalidConfigurationRequest(
            "A load balancer cannot be attached to multiple subnets in the same Availability Zone"
        )
    return vpcs[0], tuple((s, known[s][1]) for s in subnets if s in known)


def check_security_groups(directory: SubnetDirectory | None, region: str, zones: Zones, vpc_id: str,
                          groups: tuple[str, ...]) -> None:
    """A load balancer in subnets EC2 knows (`zones`) takes only security groups of its VPC, as in AWS; one in
    subnets nothing knows takes any ids as given, as its subnets are (README: "Load balancers and subnets")."""
    if directory is None or not zones or not groups:
        return
    known = directory.security_group_vpcs(region, groups)
    invalid = [g for g in groups if known.get(g) != vpc_id]
    if invalid:
        raise InvalidSecurityGroup(texts.SECURITY_GROUP_INVALID.format(ids=", ".join(invalid)))


def user_of(state: State, region: str, resource_id: str) -> str | None:
    """The first load balancer (by ARN) in `region` whose subnets or security groups name `resource_id`."""
    return min(
        (
            lb.arn
            for lb in state.load_balancers.values()
            if arns.region_of(lb.arn) == region and (resource_id in lb.subnets or resource_id in lb.security_groups)
        ),
        default=None,
    )
