"""Rules in words, as the page shows them: conditions AND-ed, values OR-ed, as ALB evaluates them.

>>> conditions_in_words((Condition(ConditionField.PATH_PATTERN, ("/app/*",)),))
'path matches /app/*'
"""

from __future__ import annotations

from collections.abc import Iterable

from provider.elbv2.model import Action, ActionType, Condition, ConditionField, QueryPair

_SUBJECT = {
    ConditionField.HOST_HEADER: "host",
    ConditionField.PATH_PATTERN: "path",
    ConditionField.HTTP_REQUEST_METHOD: "method",
    ConditionField.SOURCE_IP: "source IP",
}


def _any(values: Iterable[str]) -> str:
    return " or ".join(values)


def _verb(values: tuple[str, ...]) -> str:
    return "matches" if any("*" in v or "?" in v for v in values) else "is"


def _pair(pair: QueryPair) -> str:
    return pair.value if pair.key is None else f"{pair.key}={pair.value}"


def condition_in_words(condition: Condition) -> str:
    """``http-header X-Canary: on|yes`` -> ``header X-Canary is on or yes``."""
    values = condition.values
    if condition.regex_values:
        subject = f"header {condition.header_name}" if condition.header_name else _SUBJECT[condition.field]
        return f"{subject} matches regex {_any(condition.regex_values)}"
    match condition.field:
        case ConditionField.HTTP_HEADER:
            return f"header {condition.header_name} {_verb(values)} {_any(values)}"
        case ConditionField.QUERY_STRING:
            return f"query has {_any(_pair(p) for p in condition.query)}"
        case ConditionField.SOURCE_IP:
            return f"source IP in {_any(values)}"
        case ConditionField.HTTP_REQUEST_METHOD:
            return f"method is {_any(values)}"
        case _:
            return f"{_SUBJECT[condition.field]} {_verb(values)} {_any(values)}"


def conditions_in_words(conditions: tuple[Condition, ...], default: bool = False) -> str:
    if default:
        return "every other request (default rule)"
    return " and ".join(condition_in_words(c) for c in conditions) or "every request"


def action_in_words(action: Action) -> str:
    """Redirects, fixed responses and token checks in words; a forward's groups get their own rows on the page."""
    if action.type is ActionType.REDIRECT and action.redirect is not None:
        r = action.redirect
        code = r.status_code.removeprefix("HTTP_")
        return f"redirect {code} to {r.protocol.lower()}://{r.host}:{r.port}{r.path}?{r.query}"
    if action.type is ActionType.FIXED_RESPONSE and action.fixed_response is not None:
        f = action.fixed_response
        kind = f" ({f.content_type})" if f.content_type else ""
        return f"fixed response {f.status_code}{kind}"
    if action.jwt_validation is not None:
        claims = "".join(f", {c.name}" for c in action.jwt_validation.additional_claims)
        return f"check the bearer token (RS256, issuer {action.jwt_validation.issuer}{claims})"
    unsigned = {"authenticate": "send to sign in", "allow": "let through", "deny": "answer 401"}
    if action.authenticate_oidc is not None:
        oidc = action.authenticate_oidc
        return (
            f"sign users in at {oidc.issuer} (client {oidc.client_id}, scope {oidc.scope}; "
            f"without a session: {unsigned[oidc.on_unauthenticated_request.value]})"
        )
    if action.authenticate_cognito is not None:
        pool = action.authenticate_cognito
        where = pool.user_pool_domain if "://" in pool.user_pool_domain else "the built-in development sign-in"
        return (
            f"sign users in at user pool {pool.user_pool_arn.rsplit('/', 1)[-1]} ({where}; client "
            f"{pool.user_pool_client_id}, scope {pool.scope}; without a session: "
            f"{unsigned[pool.on_unauthenticated_request.value]})"
        )
    forward = action.forward
    if forward is not None and forward.stickiness_enabled:
        return f"forward, sticky for {forward.stickiness_duration} s"
    return "forward"
