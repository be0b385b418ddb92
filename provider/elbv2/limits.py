"""Quotas and fixed AWS constraints this local ALB enforces, in one place.

``Quotas`` are the ones AWS lets an account raise: AWS's defaults, which a server started with
``--quota rules-per-application-load-balancer=10000`` (``ELBV2_QUOTAS``) raises; the request context carries
them (``ctx.quotas``) and DescribeAccountLimits reports them. The module constants are AWS's fixed
constraints, the same for every account.

>>> Quotas().rules_per_load_balancer, Quotas.parse("rules-per-application-load-balancer=500").rules_per_load_balancer
(100, 500)
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Quotas:
    """AWS's default quotas; each field's metadata is its name in DescribeAccountLimits and in ``--quota``."""

    load_balancers: int = 50
    target_groups: int = 3000
    targets_per_target_group: int = 1000
    listeners_per_load_balancer: int = 50
    rules_per_load_balancer: int = 100
    certificates_per_listener: int = 25
    target_groups_per_load_balancer: int = 100  # reported by DescribeAccountLimits, not enforced

    @classmethod
    def parse(cls, text: str) -> Quotas:
        """``"application-load-balancers=100,rules-per-application-load-balancer=10000"`` -> raised quotas."""
        by_name = {name: field for field, name in _NAMES.items()}
        values: dict[str, int] = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            name, _, value = item.partition("=")
            if name not in by_name or not value.isdigit() or int(value) < 1:
                known = ", ".join(sorted(by_name))
                raise ValueError(f"--quota {item!r}: expected NAME=N with N >= 1 and NAME one of {known}")
            values[by_name[name]] = int(value)
        return replace(cls(), **values)

    def exceeded(self, field: str) -> str:
        """The message for a quota that was reached, with how to raise it."""
        name, most = _NAMES[field], getattr(self, field)
        return f"The quota {name} ({most}) has been reached; raise it with --quota {name}=N (ELBV2_QUOTAS)"

    def described(self) -> tuple[tuple[str, int], ...]:
        """Under AWS's names for them, as DescribeAccountLimits lists them."""
        return (
            *((_NAMES[f.name], getattr(self, f.name)) for f in fields(self)),
            ("condition-values-per-alb-rule", VALUES_PER_RULE),
            ("condition-wildcards-per-alb-rule", WILDCARDS_PER_RULE),
            ("target-groups-per-action-on-application-load-balancer", TARGET_GROUPS_PER_ACTION),
        )


_NAMES = {  # Quotas field -> AWS's name for it
    "load_balancers": "application-load-balancers",
    "target_groups": "target-groups",
    "targets_per_target_group": "targets-per-application-load-balancer",
    "listeners_per_load_balancer": "listeners-per-application-load-balancer",
    "rules_per_load_balancer": "rules-per-application-load-balancer",
    "certificates_per_listener": "certificates-per-application-load-balancer",
    "target_groups_per_load_balancer": "target-groups-per-application-load-balancer",
}


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
CONDITION_VALUE_LENGTH = 128  # Values and RegexValues of a condition
