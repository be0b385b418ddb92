"""CreateRule, DescribeRules, ModifyRule, DeleteRule, SetRulePriorities with ALB's semantics.

Priorities are 1..50000 and unique per listener; rules are evaluated lowest number first and the default
rule last. SetRulePriorities is judged on the final state, so two rules can swap in one call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from provider.elbv2 import arns, limits, lookup, tags
from provider.elbv2.actions import parse_actions, render_action
from provider.elbv2.conditions import parse_conditions, render_condition
from provider.elbv2.context import Context, Handler, Params, Result
from provider.elbv2.model import Listener, Rule, State
from provider.elbv2.paging import page
from provider.elbv2.transforms import parse_transforms, render_transform
from provider.errors import (
    OperationNotPermitted,
    PriorityInUse,
    TooManyRules,
    ValidationError,
)


def create_rule(ctx: Context, p: Params) -> Result:
    rule_tags = tags.validate_tags(p.get("tags"))
    with ctx.store.write() as tx:
        state = tx.state
        listener = lookup.listener(state, p["listener_arn"])
        priority = _priority(p["priority"])
        if any(r.priority == priority for r in state.rules_by_listener[listener.arn]):
            raise PriorityInUse(f"Priority '{priority}' is currently in use")
        _check_rule_quota(state, listener, ctx.quotas)
        rule = Rule(
            arn=arns.rule(listener.arn),
            listener_arn=listener.arn,
            priority=priority,
            conditions=_conditions(p["conditions"]),
            actions=parse_actions(state, listener.load_balancer_arn, listener.protocol, p["actions"]),
            transforms=parse_transforms(p.get("transforms") or ()),
        )
        tx.put(rule)
        tx.set_tags(rule.arn, rule_tags)
    return {"rules": [render_rule(rule)]}


def describe_rules(ctx: Context, p: Params) -> Result:
    state = ctx.store.snapshot()
    listener_arn, rule_arns = p.get("listener_arn"), p.get("rule_arns")
    if bool(listener_arn) == (rule_arns is not None):
        raise ValidationError("You must specify either a listener ARN or rule ARNs, but not both")
    if rule_arns is None:
        rules = state.rules_by_listener.get(lookup.listener(state, str(listener_arn)).arn, ())
    else:
        rules = tuple(lookup.rule(state, arn) for arn in rule_arns)
    shown, marker = page(rules, p.get("marker"), p.get("page_size"))
    return {"rules": [render_rule(r) for r in shown], "next_marker": marker}


def modify_rule(ctx: Context, p: Params) -> Result:
    with ctx.store.write() as tx:
        state = tx.state
        rule = lookup.rule(state, p["rule_arn"])
        listener = state.listeners[rule.listener_arn]
        changes: dict[str, Any] = {}
        if p.get("conditions") is not None:
            if rule.is_default:
                raise OperationNotPermitted("The conditions of a default rule cannot be modified")
            changes["conditions"] = _conditions(p["conditions"])
        if p.get("actions") is not None:
            changes["actions"] = parse_actions(
                state, listener.load_balancer_arn, listener.protocol, p["actions"], rule.actions
            )
        changes.update(_transform_changes(rule, p))
        if not changes:
            raise ValidationError("Either conditions, actions or transforms must be specified")
        rule = replace(rule, **changes)
        tx.put(rule)
    return {"rules": [render_rule(rule)]}


def delete_rule(ctx: Context, p: Params) -> Result:
    with ctx.store.write() as tx:
        rule = lookup.rule(tx.state, p["rule_arn"])
        if rule.is_default:
            raise OperationNotPermitted("A default rule cannot be deleted; delete its listener instead")
        tx.delete(rule)
        tx.set_tags(rule.arn, ())
    return {}


def set_rule_priorities(ctx: Context, p: Params) -> Result:
    requested: list[Mapping[str, Any]] = p["rule_priorities"]
    arns_given = [r.get("rule_arn") for r in requested]
    if len(set(arns_given)) != len(arns_given):
        raise ValidationError("A rule can be given only once in one SetRulePriorities call")
    with ctx.store.write() as tx:
        state = tx.state
        updated: list[Rule] = []
        for item in requested:
            rule = lookup.rule(state, item.get("rule_arn") or "")
            if rule.is_default:
                raise OperationNotPermitted("The priority of a default rule cannot be changed")
            updated.append(replace(rule, priority=_priority(item.get("priority"))))
        _check_final_priorities(state, updated)
        for rule in updated:
            tx.put(rule)
    return {"rules": [render_rule(r) for r in updated]}


def _check_final_priorities(state: State, updated: list[Rule]) -> None:
    final = {r.arn: r for rules in state.rules_by_listener.values() for r in rules if not r.is_default}
    final.update({r.arn: r for r in updated})
    seen: dict[tuple[str, int | None], str] = {}
    for rule in final.values():
        key = (rule.listener_arn, rule.priority)
        if key in seen:
            raise PriorityInUse(f"Priority '{rule.priority}' is currently in use")
        seen[key] = rule.arn


def _priority(value: Any) -> int:
    if not isinstance(value, int) or not 1 <= value <= limits.MAX_PRIORITY:
        raise ValidationError(
            f"1 validation error detected: Value '{value}' at 'priority' failed to satisfy constraint: "
            f"Member must have value between 1 and {limits.MAX_PRIORITY}"
        )
    return value


def _conditions(raw: Any) -> tuple[Any, ...]:
    conditions = parse_conditions(raw or ())
    if not conditions:
        raise ValidationError("A rule must have at least one condition")
    return conditions


def _check_rule_quota(state: State, listener: Listener, quotas: limits.Quotas) -> None:
    count = sum(
        1
        for other in state.listeners.values()
        if other.load_balancer_arn == listener.load_balancer_arn
        for rule in state.rules_by_listener.get(other.arn, ())
        if not rule.is_default
    )
    if count >= quotas.rules_per_load_balancer:
        raise TooManyRules(quotas.exceeded("rules_per_load_balancer"))


def _transform_changes(rule: Rule, p: Params) -> dict[str, Any]:
    """ModifyRule's Transforms (replacing the rule's) or ResetTransforms (removing them), never both."""
    given, reset = p.get("transforms"), p.get("reset_transforms")
    if given is not None and reset:
        raise ValidationError("If you specify ResetTransforms, you can't specify Transforms")
    if given is not None and rule.is_default:
        raise ValidationError("A default rule cannot have transforms")
    if reset:
        return {"transforms": ()}
    return {} if given is None else {"transforms": parse_transforms(given)}


def render_rule(rule: Rule) -> dict[str, Any]:
    return {
        "rule_arn": rule.arn,
        "priority": "default" if rule.priority is None else str(rule.priority),
        "conditions": [render_condition(c) for c in rule.conditions],
        "actions": [render_action(a) for a in rule.actions],
        "is_default": rule.is_default,
        **({"transforms": [render_transform(t) for t in rule.transforms]} if rule.transforms else {}),
    }


OPERATIONS: dict[str, Handler] = {
    "CreateRule": create_rule,
    "DescribeRules": describe_rules,
    "ModifyRule": modify_rule,
    "DeleteRule": delete_rule,
    "SetRulePriorities": set_rule_priorities,
}
