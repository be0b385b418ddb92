"""Find a resource by ARN in a State or raise the AWS NotFound error for its kind.

>>> target_group(State(), "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/73e2d6bc24d8a067")
Traceback (most recent call last):
provider.errors.TargetGroupNotFound: ...
"""

from __future__ import annotations

from provider.elbv2 import arns
from provider.elbv2.model import Listener, LoadBalancer, Rule, State, TargetGroup
from provider.errors import (
    ListenerNotFound,
    LoadBalancerNotFound,
    RuleNotFound,
    TargetGroupNotFound,
    ValidationError,
)


def load_balancer(state: State, arn: str) -> LoadBalancer:
    found = state.load_balancers.get(arn)
    if found is None:
        raise LoadBalancerNotFound(f"Load balancer '{arn}' not found")
    return found


def target_group(state: State, arn: str) -> TargetGroup:
    found = state.target_groups.get(arn)
    if found is None:
        raise TargetGroupNotFound(f"Target group '{arn}' not found")
    return found


def listener(state: State, arn: str) -> Listener:
    found = state.listeners.get(arn)
    if found is None:
        raise ListenerNotFound(f"Listener '{arn}' not found")
    return found


def rule(state: State, arn: str) -> Rule:
    found = state.rules.get(arn)
    if found is None:
        raise RuleNotFound(f"Rule '{arn}' not found")
    return found


def require_resource(state: State, arn: str) -> None:
    """Any taggable resource (load balancer, target group, listener, rule); NotFound by the ARN's kind."""
    kind = arns.resource_kind(arn)
    if kind == "loadbalancer":
        load_balancer(state, arn)
    elif kind == "targetgroup":
        target_group(state, arn)
    elif kind == "listener":
        listener(state, arn)
    elif kind == "listener-rule":
        rule(state, arn)
    else:
        raise ValidationError(f"'{arn}' is not a valid load balancer, target group, listener or rule ARN")
