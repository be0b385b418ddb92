"""Quotas this local ALB enforces, in one place (AWS's defaults, except where a local setup needs more)."""

from __future__ import annotations

MAX_PRIORITY = 50000
TARGET_GROUPS_PER_ACTION = 5
MAX_WEIGHT = 999
MAX_STICKINESS_SECONDS = 604800
VALUES_PER_CONDITION = 3
SOURCE_IP_VALUES_PER_CONDITION = 5
VALUES_PER_RULE = 5
WILDCARDS_PER_RULE = 5
LISTENERS_PER_LOAD_BALANCER = 50
CERTIFICATES_PER_LISTENER = 25
# AWS's default is 100 rules per load balancer (adjustable); a local one is often used for scale tests.
RULES_PER_LOAD_BALANCER = 10000
