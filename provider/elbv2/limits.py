"""Quotas and fixed AWS constraints this local ALB enforces, in one place.

``Quotas`` are the ones AWS lets an account raise: one frozen dataclass of defaults that the request context
carries (``ctx.quotas``), so a server may be started with others. The module constants are AWS's fixed
constraints, the same for every account.

>>> Quotas().load_balancers, Quotas(load_balancers=2).load_balancers
(50, 2)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Quotas:
    """AWS's default quotas, except where a local setup needs more."""

    load_balancers: int = 50
    target_groups: int = 3000
    targets_per_target_group: int = 1000
    listeners_per_load_balancer: int = 50
    # AWS's default is 100 rules per load balancer; a local one is often used for scale tests.
    rules_per_load_balancer: int = 10000
    certificates_per_listener: int = 25
    target_groups_per_load_balancer: int = 100  # reported by DescribeAccountLimits, not enforced

    def described(self) -> tuple[tuple[str, int], ...]:
        """Under AWS's names for them, as DescribeAccountLimits lists them."""
        return (
            ("application-load-balancers", self.load_balancers),
            ("target-groups", self.target_groups),
            ("targets-per-application-load-balancer", self.targets_per_target_group),
            ("listeners-per-application-load-balancer", self.listeners_per_load_balancer),
            ("rules-per-application-load-balancer", self.rules_per_load_balancer),
            ("condition-values-per-alb-rule", VALUES_PER_RULE),
            ("condition-wildcards-per-alb-rule", WILDCARDS_PER_RULE),
            ("target-groups-per-application-load-balancer", self.target_groups_per_load_balancer),
            ("target-groups-per-action-on-application-load-balancer", TARGET_GROUPS_PER_ACTION),
            ("certificates-per-application-load-balancer", self.certificates_per_listener),
        )


MAX_PRIORITY = 50000
TARGET_GROUPS_PER_ACTION = 5
MAX_WEIGHT = 999
MAX_STICKINESS_SECONDS = 604800
VALUES_PER_CONDITION = 3
SOURCE_IP_VALUES_PER_CONDITION = 5
VALUES_PER_RULE = 5
WILDCARDS_PER_RULE = 5
TAGS_PER_RESOURCE = 50
TAG_KEY_LENGTH = 128
TAG_VALUE_LENGTH = 256
RESOURCES_PER_TAG_CALL = 20  # ResourceArns
NAME_LENGTH = 32  # load balancer and target group names
MESSAGE_BODY_LENGTH = 1024  # fixed-response bodies
