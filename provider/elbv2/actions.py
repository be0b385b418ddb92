"""Rule and default actions: forward (weighted, sticky), redirect, fixed-response, and a jwt-validation or an
authenticate-oidc or authenticate-cognito before one of them. Parse, validate, render.

>>> parse_actions(State(), "arn:lb", ProtocolName.HTTP, [{"type": "fixed-response", "fixed_response_config":
...     {"status_code": "404"}}])
(Action(type=<ActionType.FIXED_RESPONSE: 'fixed-response'>, ..., fixed_response=FixedResponse(status_code='404'...),)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from provider.elbv2 import limits, lookup
from provider.elbv2.authenticate_cognito import parse_authenticate_cognito, render_authenticate_cognito
from provider.elbv2.authenticate_oidc import parse_authenticate_oidc, render_authenticate_oidc
from provider.elbv2.jwt_validation import parse_jwt_validation, render_jwt_validation
from provider.elbv2.model import (
    TERMINAL_ACTIONS,
    Action,
    ActionType,
    FixedResponse,
    Forward,
    ProtocolName,
    Redirect,
    Rule,
    State,
    TargetGroupTuple,
)
from provider.errors import (
    InvalidLoadBalancerAction,
    TargetGroupAssociationLimit,
    ValidationError,
)

CONTENT_TYPES = ("text/plain", "text/css", "text/html", "application/javascript", "application/json")
MAX_ORDER = 50000


def https_only(action: Action) -> str:
    return f"The {action.type.value} action is supported only on HTTPS listeners"


def parse_actions(
    state: State,
    load_balancer_arn: str,
    protocol: ProtocolName,
    raw: Sequence[Mapping[str, Any]],
    existing: Sequence[Action] = (),
) -> tuple[Action, ...]:
    """Typed, validated actions for a rule (or a listener's default actions) on one load balancer, in Order.
    ``existing``: the actions they replace (Modify*), for UseExistingClientSecret.

    As on ALB: exactly one forward, redirect or fixed-response, performed last; with several actions each has a
    distinct Order (1-50000); one jwt-validation or authenticate-oidc before it, only on HTTPS listeners."""
    if not raw:
        raise ValidationError("At least one action must be specified")
    actions = [_parse_one(a, protocol, existing) for a in raw]
    for action in actions:
        if action.order is not None and not 1 <= action.order <= MAX_ORDER:
            raise ValidationError(f"Action order '{action.order}' must be between 1 and {MAX_ORDER}")
    if len(actions) > 1:
        if any(a.order is None for a in actions):
            raise ValidationError("Each action must have an order when a rule has more than one action")
        if len({a.order for a in actions}) != len(actions):
            raise ValidationError("Each action of a rule must have a different order")
        actions.sort(key=lambda a: a.order or 0)
    terminal = [a for a in actions if a.type in TERMINAL_ACTIONS]
    if len(terminal) != 1:
        raise InvalidLoadBalancerAction("A rule must have exactly one forward, redirect or fixed-response action")
    if actions[-1] is not terminal[0]:
        raise InvalidLoadBalancerAction(
            f"The {terminal[0].type.value} action must be the last action to be performed (the highest order)"
        )
    if len(actions) > 2:
        raise InvalidLoadBalancerAction("A rule can have at most one authenticate or jwt-validation action")
    if len(actions) == 2 and protocol is not ProtocolName.HTTPS:
        raise InvalidLoadBalancerAction(https_only(actions[0]))
    if terminal[0].forward:
        check_target_groups(state, load_balancer_arn, terminal[0].forward)
    return tuple(actions)


def check_protocol(rules: Sequence[Rule], protocol: ProtocolName) -> None:
    """A listener that stops being HTTPS may keep no jwt-validation or authenticate action."""
    if protocol is ProtocolName.HTTPS:
        return
    for rule in rules:
        if len(rule.actions) > 1:
            raise InvalidLoadBalancerAction(https_only(rule.actions[0]))


def _parse_one(raw: Mapping[str, Any], protocol: ProtocolName, existing: Sequence[Action]) -> Action:
    kind = raw.get("type")
    try:
        action_type = ActionType(str(kind))
    except ValueError:
        allowed = ", ".join(t.value for t in ActionType)
        raise ValidationError(f"Action type '{kind}' must be one of [{allowed}]") from None
    order = raw.get("order")
    if action_type is ActionType.FORWARD:
        return Action(action_type, order, forward=_forward(raw))
    if action_type is ActionType.REDIRECT:
        return Action(action_type, order, redirect=_redirect(raw.get("redirect_config"), protocol))
    if action_type is ActionType.JWT_VALIDATION:
        return Action(action_type, order, jwt_validation=parse_jwt_validation(raw.get("jwt_validation_config")))
    if action_type is ActionType.AUTHENTICATE_OIDC:
        oidc = parse_authenticate_oidc(raw.get("authenticate_oidc_config"), existing)
        return Action(action_type, order, authenticate_oidc=oidc)
    if action_type is ActionType.AUTHENTICATE_COGNITO:
        cognito = parse_authenticate_cognito(raw.get("authenticate_cognito_config"))
        return Action(action_type, order, authenticate_cognito=cognito)
    return Action(action_type, order, fixed_response=_fixed_response(raw.get("fixed_response_config")))


def _forward(raw: Mapping[str, Any]) -> Forward:
    arn: str | None = raw.get("target_group_arn")
    config: Mapping[str, Any] | None = raw.get("forward_config")
    if config is None:
        if not arn:
            raise ValidationError("A forward action needs a 'TargetGroupArn' or a 'ForwardConfig'")
        return Forward((TargetGroupTuple(arn),))
    groups = tuple(
        TargetGroupTuple(g.get("target_group_arn") or "", 1 if g.get("weight") is None else g["weight"])
        for g in config.get("target_groups") or ()
    )
    if not groups:
        raise ValidationError("A 'ForwardConfig' needs at least one target group")
    if arn and (len(groups) != 1 or groups[0].arn != arn):
        raise ValidationError(
            "When both 'TargetGroupArn' and 'ForwardConfig' are given, ForwardConfig must hold only that target group"
        )
    if len(groups) > limits.TARGET_GROUPS_PER_ACTION:
        raise ValidationError(
            f"A forward action can have at most {limits.TARGET_GROUPS_PER_ACTION} target groups, not {len(groups)}"
        )
    for group in groups:
        if not group.arn:
            raise ValidationError("Every target group in a 'ForwardConfig' needs a 'TargetGroupArn'")
        if not 0 <= group.weight <= limits.MAX_WEIGHT:
            raise ValidationError(f"Target group weight '{group.weight}' must be between 0 and {limits.MAX_WEIGHT}")
    if len({g.arn for g in groups}) != len(groups):
        raise ValidationError("A target group can appear only once in a 'ForwardConfig'")
    stickiness = config.get("target_group_stickiness_config") or {}
    enabled = bool(stickiness.get("enabled"))
    duration = stickiness.get("duration_seconds")
    if enabled and duration is None:
        raise ValidationError("'DurationSeconds' is required when target group stickiness is enabled")
    if duration is not None and not 1 <= duration <= limits.MAX_STICKINESS_SECONDS:
        raise ValidationError(
            f"Stickiness 'DurationSeconds' must be between 1 and {limits.MAX_STICKINESS_SECONDS}, not {duration}"
        )
    return Forward(groups, enabled, duration)


def check_target_groups(state: State, load_balancer_arn: str, forward: Forward) -> None:
    """Every group exists and belongs to no other load balancer (a target group serves at most one)."""
    for group in forward.target_groups:
        lookup.target_group(state, group.arn)
    for group in forward.target_groups:
        owner = state.load_balancer_of_target_group(group.arn)
        if owner is not None and owner != load_balancer_arn:
            raise TargetGroupAssociationLimit(
                f"The following target groups cannot be associated with more than one load balancer: {group.arn}"
            )


def _redirect(raw: Mapping[str, Any] | None, listener_protocol: ProtocolName) -> Redirect:
    if raw is None:
        raise ValidationError("A redirect action needs a 'RedirectConfig'")
    given = {k: raw[k] for k in ("protocol", "port", "host", "path", "query") if raw.get(k) is not None}
    redirect = Redirect(status_code=raw["status_code"], **given)
    if redirect.port != "#{port}" and not (redirect.port.isdigit() and 1 <= int(redirect.port) <= 65535):
        raise ValidationError(f"Redirect port '{redirect.port}' must be 1-65535 or #{{port}}")
    if not 1 <= len(redirect.host) <= 128:
        raise ValidationError("Redirect host must be 1-128 characters")
    if not redirect.path.startswith("/") or len(redirect.path) > 128:
        raise ValidationError("Redirect path must start with '/' and be at most 128 characters")
    if redirect.query.startswith("?") or len(redirect.query) > 128:
        raise ValidationError("Redirect query must not start with '?' and be at most 128 characters")
    if listener_protocol is ProtocolName.HTTPS and redirect.protocol == "HTTP":
        raise InvalidLoadBalancerAction("You cannot redirect from HTTPS to HTTP")
    default = Redirect(status_code=redirect.status_code)
    if (redirect.protocol, redirect.port, redirect.host, redirect.path) == (
        default.protocol,
        default.port,
        default.host,
        default.path,
    ):
        raise InvalidLoadBalancerAction("The redirect would loop: change at least one of protocol, port, host or path")
    return redirect


def _fixed_response(raw: Mapping[str, Any] | None) -> FixedResponse:
    if raw is None:
        raise ValidationError("A fixed-response action needs a 'FixedResponseConfig'")
    content_type = raw.get("content_type")
    if content_type is not None and content_type not in CONTENT_TYPES:
        raise ValidationError(f"Content type '{content_type}' must be one of [{', '.join(CONTENT_TYPES)}]")
    body = raw.get("message_body")
    if body is not None and len(body) > limits.MESSAGE_BODY_LENGTH:
        most = limits.MESSAGE_BODY_LENGTH
        raise ValidationError(f"The fixed-response message body must be at most {most} characters")
    return FixedResponse(raw["status_code"], content_type, body)


def render_action(action: Action) -> dict[str, Any]:
    """The Action as the output shape wants it; single-group forwards carry both forms, as AWS answers."""
    out: dict[str, Any] = {"type": action.type.value, "order": action.order}
    if action.forward:
        groups = action.forward.target_groups
        if len(groups) == 1:
            out["target_group_arn"] = groups[0].arn
        stickiness: dict[str, Any] = {"enabled": action.forward.stickiness_enabled}
        if action.forward.stickiness_duration is not None:
            stickiness["duration_seconds"] = action.forward.stickiness_duration
        out["forward_config"] = {
            "target_groups": [{"target_group_arn": g.arn, "weight": g.weight} for g in groups],
            "target_group_stickiness_config": stickiness,
        }
    if action.redirect:  # the model's field names are the output shape's
        out["redirect_config"] = asdict(action.redirect)
    if action.fixed_response:
        out["fixed_response_config"] = asdict(action.fixed_response)
    if action.jwt_validation:
        out["jwt_validation_config"] = render_jwt_validation(action.jwt_validation)
    if action.authenticate_oidc:
        out["authenticate_oidc_config"] = render_authenticate_oidc(action.authenticate_oidc)
    if action.authenticate_cognito:
        out["authenticate_cognito_config"] = render_authenticate_cognito(action.authenticate_cognito)
    return out
