"""Rule conditions: parse the wire form into typed Conditions, enforce ALB's rules, render them back.

>>> parse_conditions([{"field": "path-pattern", "values": ["/api/*"]}])
(Condition(field=<ConditionField.PATH_PATTERN: 'path-pattern'>, values=('/api/*',), ..., legacy=True, regex_values=()),)
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import Any

from provider.elbv2 import limits, regex, wildcards
from provider.elbv2.checks import one_of, repeated, stray_config
from provider.elbv2.model import Condition, ConditionField, QueryPair
from provider.errors import ValidationError

CONFIG_KEY = {
    ConditionField.HOST_HEADER: "host_header_config",
    ConditionField.PATH_PATTERN: "path_pattern_config",
    ConditionField.HTTP_HEADER: "http_header_config",
    ConditionField.HTTP_REQUEST_METHOD: "http_request_method_config",
    ConditionField.QUERY_STRING: "query_string_config",
    ConditionField.SOURCE_IP: "source_ip_config",
}
LEGACY_FIELDS = (ConditionField.HOST_HEADER, ConditionField.PATH_PATTERN)
REGEX_FIELDS = (ConditionField.HOST_HEADER, ConditionField.PATH_PATTERN, ConditionField.HTTP_HEADER)
ONCE_PER_RULE = (
    ConditionField.HOST_HEADER,
    ConditionField.PATH_PATTERN,
    ConditionField.HTTP_REQUEST_METHOD,
    ConditionField.SOURCE_IP,
)

_HOST = re.compile(r"[A-Za-z0-9*?\-]([A-Za-z0-9*?.\-]*)\.[A-Za-z*?]+")
_PATH = re.compile(r"[A-Za-z0-9_\-.$/~\"'@:+&*?]+")
_METHOD = re.compile(r"[A-Z_\-]{1,40}")
HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,40}")  # an RFC 7230 token


def parse_conditions(raw: Sequence[Mapping[str, Any]]) -> tuple[Condition, ...]:
    """Typed, validated conditions of one rule (the per-rule limits included)."""
    conditions = tuple(_parse_one(c) for c in raw)
    once = repeated([c.field for c in conditions], ONCE_PER_RULE)
    if once is not None:
        raise ValidationError(f"A rule can only have one '{once}' condition")
    values = sum(_value_count(c) for c in conditions)
    if values > limits.VALUES_PER_RULE:
        raise ValidationError(
            f"A rule can only have '{limits.VALUES_PER_RULE}' condition values in total, but {values} were given"
        )
    wildcards = sum(wildcard_count(c) for c in conditions)
    if wildcards > limits.WILDCARDS_PER_RULE:
        raise ValidationError(
            f"A rule can only have '{limits.WILDCARDS_PER_RULE}' wildcards, but {wildcards} were given"
        )
    return conditions


def _parse_one(raw: Mapping[str, Any]) -> Condition:
    field = one_of(ConditionField, raw.get("field"), "Condition field")
    if stray := stray_config(raw, CONFIG_KEY, field):
        raise ValidationError(f"A '{key_name(stray)}' cannot be given for a '{field}' condition")
    config: Mapping[str, Any] | None = raw.get(CONFIG_KEY[field])
    regexes = _regex_values(field, raw, config)
    legacy = raw.get("values")
    if legacy is not None and config is not None:
        raise ValidationError(f"You cannot specify both 'Values' and '{key_name(CONFIG_KEY[field])}'")
    if regexes is not None:
        header = config.get("http_header_name") if config is not None else None
        condition = Condition(field, header_name=header, legacy=config is None, regex_values=regexes)
    elif legacy is not None:
        if field not in LEGACY_FIELDS:
            raise ValidationError(f"The '{field}' condition needs '{key_name(CONFIG_KEY[field])}', not 'Values'")
        if len(legacy) != 1:
            raise ValidationError(
                f"The 'Values' field of a '{field}' condition must hold exactly one value; the limit is '1'"
            )
        condition = Condition(field, tuple(legacy), legacy=True)
    elif config is None:
        raise ValidationError(f"The '{field}' condition needs '{key_name(CONFIG_KEY[field])}'")
    elif field is ConditionField.QUERY_STRING:
        pairs = tuple(QueryPair(p.get("key"), p.get("value") or "") for p in config.get("values") or ())
        condition = Condition(field, query=pairs)
    elif field is ConditionField.HTTP_HEADER:
        condition = Condition(field, tuple(config.get("values") or ()), header_name=config.get("http_header_name"))
    else:
        condition = Condition(field, tuple(config.get("values") or ()))
    _check_values(condition)
    return condition


def _regex_values(
    field: ConditionField, raw: Mapping[str, Any], config: Mapping[str, Any] | None
) -> tuple[str, ...] | None:
    """The condition's RegexValues, checked: exactly one of Values and RegexValues, each an RE2 regex."""
    top, inner = raw.get("regex_values"), (config or {}).get("regex_values")
    if top is None and inner is None:
        return None
    if field not in REGEX_FIELDS:
        raise ValidationError(f"RegexValues can only be given for {', '.join(REGEX_FIELDS)} conditions, not '{field}'")
    if top is not None and config is not None or raw.get("values") is not None or (config or {}).get("values"):
        raise ValidationError("You must specify exactly one of 'Values' and 'RegexValues'")
    regexes: tuple[str, ...] = tuple(top if top is not None else inner or ())
    for pattern in regexes:
        if not 1 <= len(pattern) <= limits.CONDITION_VALUE_LENGTH:
            raise ValidationError(f"RegexValues must be 1 to {limits.CONDITION_VALUE_LENGTH} characters long")
        why = regex.problem(pattern)
        if why is not None:
            raise ValidationError(f"'{pattern}' is not a valid regular expression: {why}")
    return regexes


def _check_values(c: Condition) -> None:
    count = _value_count(c)
    if count == 0:
        raise ValidationError(f"A '{c.field}' condition must have at least one value")
    per_condition = (
        limits.SOURCE_IP_VALUES_PER_CONDITION if c.field is ConditionField.SOURCE_IP else limits.VALUES_PER_CONDITION
    )
    if count > per_condition:
        raise ValidationError(f"A '{c.field}' condition can only have '{per_condition}' values, but {count} were given")
    texts = [v for p in c.query for v in (p.key or "", p.value)] if c.query else list(c.values)
    for text in texts:
        if len(text) > limits.CONDITION_VALUE_LENGTH:
            raise ValidationError(f"Condition values must be at most {limits.CONDITION_VALUE_LENGTH} characters long")
    for value in c.values:
        _check_value(c.field, value)
    if c.field is ConditionField.HTTP_HEADER and not HEADER_NAME.fullmatch(c.header_name or ""):
        raise ValidationError(f"'{c.header_name}' is not a valid HTTP header name (1-40 token characters)")
    if c.field is ConditionField.QUERY_STRING and any(not p.value for p in c.query):
        raise ValidationError("Every query-string condition value needs a 'Value'")


def _check_value(field: ConditionField, value: str) -> None:
    if not value:
        raise ValidationError(f"'{field}' condition values cannot be empty")
    if field is ConditionField.HOST_HEADER and not _HOST.fullmatch(value):
        raise ValidationError(
            f"'{value}' is not a valid host-header value: letters, digits, '-', '.', '*', '?' with a dot and a "
            "top-level name of letters"
        )
    if field is ConditionField.PATH_PATTERN and not _PATH.fullmatch(value):
        raise ValidationError(f"'{value}' is not a valid path-pattern value: A-Z a-z 0-9 _ - . $ / ~ \" ' @ : + & * ?")
    if field is ConditionField.HTTP_REQUEST_METHOD and not _METHOD.fullmatch(value):
        raise ValidationError(f"'{value}' is not a valid HTTP request method: A-Z, '-' and '_', at most 40")
    if field is ConditionField.SOURCE_IP:
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ValidationError(f"'{value}' is not a valid CIDR block") from None
        if "/" not in value or str(network) == "255.255.255.255/32":
            raise ValidationError(f"'{value}' is not a valid source-ip CIDR block")


def _value_count(c: Condition) -> int:
    return len(c.query) if c.field is ConditionField.QUERY_STRING else len(c.values) + len(c.regex_values)


def wildcard_count(c: Condition) -> int:
    """How many wildcards the condition holds (provider/elbv2/wildcards.py), toward the per-rule limit."""
    if c.field in (ConditionField.SOURCE_IP, ConditionField.HTTP_REQUEST_METHOD):
        return 0
    texts = [v for p in c.query for v in (p.key or "", p.value)] if c.query else list(c.values)
    escapes = wildcards.escapes_apply(c.field)
    return sum(wildcards.count(t, escapes=escapes) for t in texts)


def key_name(snake: str) -> str:
    """``host_header_config`` -> ``HostHeaderConfig`` for messages."""
    return "".join(part.title() for part in snake.split("_"))


def render_condition(c: Condition) -> dict[str, Any]:
    """The Condition as the output shape wants it (snake_case keys)."""
    out: dict[str, Any] = {"field": c.field.value}
    if c.regex_values:
        config: dict[str, Any] = {"regex_values": list(c.regex_values)}
        if c.header_name is not None:
            config["http_header_name"] = c.header_name
        if c.legacy:
            out["regex_values"] = list(c.regex_values)
        out[CONFIG_KEY[c.field]] = config
        return out
    if c.legacy:
        out["values"] = list(c.values)
    if c.field is ConditionField.QUERY_STRING:
        out[CONFIG_KEY[c.field]] = {"values": [{"key": p.key, "value": p.value} for p in c.query]}
    elif c.field is ConditionField.HTTP_HEADER:
        out[CONFIG_KEY[c.field]] = {"http_header_name": c.header_name, "values": list(c.values)}
    else:
        out[CONFIG_KEY[c.field]] = {"values": list(c.values)}
    return out
