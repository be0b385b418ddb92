"""Find a resource by ARN in a State or raise the AWS NotFound error for its kind.

>>> target_group(State(), "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/73e2d6bc24d8a067")
Traceback (most recent call last):
provider.errors.TargetGroupNotFound: ...
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from provider import texts
from provider.elbv2 import arns
from provider.elbv2.limits import Quotas
from provider.elbv2.model import Listener, LoadBalancer, Rule, State, TargetGroup
from provider.errors import (
    ApiError,
    DuplicateLoadBalancerName,
    DuplicateTargetGroupName,
    ListenerNotFound,
    LoadBalancerNotFound,
    RuleNotFound,
    TargetGroupNotFound,
    TooManyLoadBalancers,
    TooManyTargetGroups,
    ValidationError,
)

R = TypeVar("R")
Named = TypeVar("Named", LoadBalancer, TargetGroup)
_NAMED: dict[type, tuple[str, str, type[ApiError], type[ApiError]]] = {  # noun, quota, errors
    LoadBalancer: ("load balancer", "load_balancers", DuplicateLoadBalancerName, TooManyLoadBalancers),
    TargetGroup: ("target group", "target_groups", DuplicateTargetGroupName, TooManyTargetGroups),
}


# resource type in the ARN -> the noun AWS's texts use for it
NOUNS = {"loadbalancer": "load balancer", "targetgroup": "target group", "listener": "listener",
         "listener-rule": "listener rule"}


def well_formed(arn: str, kind: str) -> str:
    """`arn` when it is an ARN of `kind`; AWS's ValidationError, before any lookup, when it is not."""
    if not arns.is_arn_of(arn, kind):
        raise ValidationError(texts.NOT_A_VALID_ARN.format(value=arn, kind=NOUNS[kind]))
    return arn


def _found(table: Mapping[str, R], arn: str, kind: str, error: type[ApiError], message: str) -> R:
    found = table.get(well_formed(arn, kind))
    if found is None:
        raise error(message)
    return found


def load_balancer(state: State, arn: str) -> LoadBalancer:
    return _found(state.load_balancers, arn, "loadbalancer", LoadBalancerNotFound, f"Load balancer '{arn}' not found")


def target_group(state: State, arn: str) -> TargetGroup:
    return _found(state.target_groups, arn, "targetgroup", TargetGroupNotFound, texts.TARGET_GROUPS_NOT_FOUND)


def listener(state: State, arn: str) -> Listener:
    return _found(state.listeners, arn, "listener", ListenerNotFound, f"Listener '{arn}' not found")


def rule(state: State, arn: str) -> Rule:
    return _found(state.rules, arn, "listener-rule", RuleNotFound, f"Rule '{arn}' not found")


_BY_KIND: dict[str, Callable[[State, str], object]] = {
    "loadbalancer": load_balancer,
    "targetgroup": target_group,
    "listener": listener,
    "listener-rule": rule,
}


def require_resource(state: State, arn: str) -> None:
    """Any taggable resource (load balancer, target group, listener, rule); NotFound by the ARN's kind."""
    find = _BY_KIND.get(arns.resource_kind(arn))
    if find is None:
        raise ValidationError(f"'{arn}' is not a valid load balancer, target group, listener or rule ARN")
    find(state, arn)


def regional(table: Mapping[str, Named], region: str) -> dict[str, Named]:
    """The resources of one region: names are unique, quotas count and listings show per region, as on AWS."""
    return {arn: found for arn, found in table.items() if arns.region_of(arn) == region}


def by_name(table: Mapping[str, Named], name: str) -> Named | None:
    return next((found for found in table.values() if found.name == name), None)


def created_before(kind: type[Named], table: Mapping[str, Named], name: str, matches: Callable[[Named], bool],
                   quotas: Quotas) -> Named | None:
    """Create* is idempotent by name: the resource of that name when its settings match (the call answers with
    it), None when a new one fits the quota; the kind's Duplicate*Name or TooMany* error otherwise."""
    noun, quota, duplicate, too_many = _NAMED[kind]
    existing = by_name(table, name)
    if existing is not None:
        if not matches(existing):
            raise duplicate(f"A {noun} with the same name '{name}' exists, but with different settings")
        return existing
    if len(table) >= getattr(quotas, quota):
        raise too_many(quotas.exceeded(quota))
    return None
