"""How a target group spreads traffic, read from its attributes (typed, defaults from target_group_attributes.py):
the algorithm, slow start, and the healthy-target threshold below which it fails open.

>>> minimum_healthy({"target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage": "50"}, 5)
3
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import StrEnum

from provider.elbv2.model import TargetGroup

_COUNT = "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count"
_PERCENTAGE = "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage"


class Algorithm(StrEnum):
    ROUND_ROBIN = "round_robin"
    LEAST_OUTSTANDING_REQUESTS = "least_outstanding_requests"
    WEIGHTED_RANDOM = "weighted_random"


def algorithm(tg: TargetGroup) -> Algorithm:
    return Algorithm(tg.attribute("load_balancing.algorithm.type") or Algorithm.ROUND_ROBIN)


def slow_start_seconds(tg: TargetGroup) -> int:
    """0: off."""
    return int(tg.attribute("slow_start.duration_seconds") or 0)


def minimum_healthy(attributes: Mapping[str, str], registered: int) -> int:
    """How many healthy targets the group needs to route to healthy ones only: the count (default 1), or the
    percentage of ``registered`` rounded up, whichever is higher (crossing either one fails open, as on ALB)."""
    count = int(attributes.get(_COUNT) or 1)
    percentage = attributes.get(_PERCENTAGE) or "off"
    by_share = 0 if percentage == "off" else math.ceil(int(percentage) * registered / 100)
    return max(count, by_share)
