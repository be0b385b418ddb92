"""Target-group attributes (stickiness, deregistration delay, algorithm...): known keys, AWS defaults, two ops.

The full effective set is stored on the TargetGroup; readers outside the domain use its typed properties
(``tg.stickiness``, ``tg.deregistration_delay_seconds``), whose defaults are the ones below.
"""

from __future__ import annotations

from collections.abc import Mapping

from provider import texts
from provider.elbv2 import attributes, limits, lookup
from provider.elbv2.attributes import Spec, boolean, choice, integer
from provider.elbv2.context import Handler
from provider.elbv2.model import (
    DEREGISTRATION_DELAY_SECONDS,
    STICKINESS_SECONDS,
    Attributes,
    StickinessType,
    TargetGroup,
)
from provider.errors import InvalidConfigurationRequest

RESERVED_COOKIE_PREFIXES = ("AWSALB", "AWSALBAPP", "AWSALBTG")
# The model's stickiness types of Network Load Balancer groups: known to AWS, refused for HTTP and HTTPS groups.
NETWORK_STICKINESS_TYPES = ("source_ip", "source_ip_dest_ip", "source_ip_dest_ip_proto")


def _cookie_name_ok(value: str) -> bool:
    return len(value) <= 256 and not value.upper().startswith(RESERVED_COOKIE_PREFIXES)


TARGET_GROUP_ATTRIBUTES: attributes.Specs = {
    "deregistration_delay.timeout_seconds": integer(str(DEREGISTRATION_DELAY_SECONDS), 0, 3600),
    "stickiness.enabled": boolean("false"),
    "stickiness.type": choice(StickinessType.LB_COOKIE.value, *(t.value for t in StickinessType),
                              *NETWORK_STICKINESS_TYPES),
    "stickiness.lb_cookie.duration_seconds": integer(str(STICKINESS_SECONDS), 1, limits.MAX_STICKINESS_SECONDS),
    "stickiness.app_cookie.cookie_name": Spec(
        "", _cookie_name_ok, "a cookie name not starting with " + ", ".join(RESERVED_COOKIE_PREFIXES)
    ),
    "stickiness.app_cookie.duration_seconds": integer(str(STICKINESS_SECONDS), 1, limits.MAX_STICKINESS_SECONDS),
    "load_balancing.algorithm.type": choice(
        "round_robin", "round_robin", "least_outstanding_requests", "weighted_random"
    ),
    "load_balancing.algorithm.anomaly_mitigation": choice("off", "on", "off"),
    "slow_start.duration_seconds": Spec(
        "0", lambda v: v == "0" or (v.isdigit() and 30 <= int(v) <= 900), "0 or an integer from 30 to 900"
    ),
    "load_balancing.cross_zone.enabled": choice(
        "use_load_balancer_configuration", "true", "false", "use_load_balancer_configuration"
    ),
    "target_group_health.dns_failover.minimum_healthy_targets.count": integer("off", 1, 1000, "off"),
    "target_group_health.dns_failover.minimum_healthy_targets.percentage": integer("off", 1, 100, "off"),
    "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count": integer("1", 1, 1000),
    "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage": integer("off", 1, 100, "off"),
    "waf.fail_open.enabled": boolean("false"),
}
TARGET_GROUP_ATTRIBUTE_DEFAULTS: Attributes = attributes.defaults(TARGET_GROUP_ATTRIBUTES)


def check_combination(group: TargetGroup, values: Mapping[str, str]) -> None:
    """Rules across keys (and the group's protocol) that AWS answers with InvalidConfigurationRequest."""
    if values["stickiness.type"] in NETWORK_STICKINESS_TYPES:
        raise InvalidConfigurationRequest(texts.STICKINESS_TYPE.format(type=values["stickiness.type"],
                                                                       protocol=group.protocol))
    app_cookie = values["stickiness.type"] == "app_cookie"
    if values["stickiness.enabled"] == "true" and app_cookie and not values["stickiness.app_cookie.cookie_name"]:
        raise InvalidConfigurationRequest("stickiness.app_cookie.cookie_name is required for app_cookie stickiness")
    algorithm = values["load_balancing.algorithm.type"]
    if values["load_balancing.algorithm.anomaly_mitigation"] == "on" and algorithm != "weighted_random":
        raise InvalidConfigurationRequest("Anomaly mitigation is only available with the weighted_random algorithm")
    if values["slow_start.duration_seconds"] != "0" and algorithm == "weighted_random":
        raise InvalidConfigurationRequest("Slow start cannot be combined with the weighted_random algorithm")


_ATTRIBUTES = attributes.Operations("target_group_arn", lookup.target_group, TARGET_GROUP_ATTRIBUTES, check_combination)
OPERATIONS: dict[str, Handler] = {
    "DescribeTargetGroupAttributes": _ATTRIBUTES.describe,
    "ModifyTargetGroupAttributes": _ATTRIBUTES.modify,
}
