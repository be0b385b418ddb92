"""The typed EC2 networking domain: VPCs, subnets, security groups and their rules, as frozen dataclasses.

Only what load balancers and IaC tools look at; defaults sit next to their types (the default VPC's CIDR,
a new VPC's DNS settings).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

Tags = tuple[tuple[str, str], ...]  # (key, value) in insertion order

DEFAULT_VPC_ID = "vpc-0000000000000000a"  # the same id elbv2/network.py has always echoed
DEFAULT_VPC_CIDR = "172.31.0.0/16"
DEFAULT_SUBNET_PREFIX = 20  # 172.31.0.0/20, 172.31.16.0/20, ... one per zone
DEFAULT_GROUP_NAME = "default"
ZONES_PER_REGION = 3
ALL_PROTOCOLS = "-1"


class Direction(StrEnum):
    INGRESS = "ingress"
    EGRESS = "egress"


@dataclass(frozen=True, slots=True)
class Vpc:
    id: str
    cidr_block: str
    is_default: bool = False
    instance_tenancy: str = "default"
    enable_dns_support: bool = True
    enable_dns_hostnames: bool = False  # AWS: false for a new VPC, true for the default one


@dataclass(frozen=True, slots=True)
class Subnet:
    id: str
    vpc_id: str
    cidr_block: str
    availability_zone: str
    default_for_az: bool = False
    map_public_ip_on_launch: bool = False  # true in default subnets


@dataclass(frozen=True, slots=True)
class Peer:
    """One source (ingress) or destination (egress) of a rule: exactly one of the fields is set."""

    cidr_ipv4: str | None = None
    cidr_ipv6: str | None = None
    group_id: str | None = None
    prefix_list_id: str | None = None


@dataclass(frozen=True, slots=True)
class Permission:
    """One security group rule (AWS's SecurityGroupRule): protocol, port range and one peer."""

    id: str
    direction: Direction
    ip_protocol: str  # tcp | udp | icmp | icmpv6 | -1 | a protocol number
    from_port: int | None
    to_port: int | None
    peer: Peer
    description: str = ""

    @property
    def identity(self) -> tuple[object, ...]:
        """What makes two rules the same rule (AWS's InvalidPermission.Duplicate); the description does not."""
        return (self.direction, self.ip_protocol, self.from_port, self.to_port, self.peer)


@dataclass(frozen=True, slots=True)
class SecurityGroup:
    id: str
    name: str
    description: str
    vpc_id: str
    rules: tuple[Permission, ...] = ()


@dataclass(frozen=True)
class Network:
    """One region's EC2 networking state, read-only."""

    region: str
    vpcs: Mapping[str, Vpc] = field(default_factory=dict)
    subnets: Mapping[str, Subnet] = field(default_factory=dict)
    security_groups: Mapping[str, SecurityGroup] = field(default_factory=dict)
    tags: Mapping[str, Tags] = field(default_factory=dict)


Resource = Vpc | Subnet | SecurityGroup
