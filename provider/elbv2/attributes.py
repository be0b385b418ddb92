"""Key/value attribute tables (load balancers, target groups): one spec per known key, values as AWS strings.

>>> specs = {"stickiness.enabled": boolean("false"), "deregistration_delay.timeout_seconds": integer("300", 0, 3600)}
>>> merge(specs, current=(), changes=[{"key": "stickiness.enabled", "value": "true"}])   # every key, sorted
(('deregistration_delay.timeout_seconds', '300'), ('stickiness.enabled', 'true'))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from provider.elbv2.context import Context, Params, Result
from provider.elbv2.model import Attributes, Listener, LoadBalancer, State, TargetGroup
from provider.errors import InvalidConfigurationRequest, ValidationError

Owner = TypeVar("Owner", LoadBalancer, TargetGroup, Listener)


@dataclass(frozen=True)
class Spec:
    default: str
    valid: Callable[[str], bool]
    expected: str  # what a valid value looks like, for the error message
    fixed: str = ""  # when set, the key cannot be changed: the error text for a change


Specs = Mapping[str, Spec]


def boolean(default: str) -> Spec:
    return Spec(default, lambda v: v in ("true", "false"), "'true' or 'false'")


def integer(default: str, low: int, high: int, *extra: str) -> Spec:
    """An integer in [low, high], or one of the ``extra`` literals (e.g. ``off``)."""

    def valid(value: str) -> bool:
        return value in extra or (value.isdigit() and low <= int(value) <= high)

    words = "".join(f" or '{e}'" for e in extra)
    return Spec(default, valid, f"an integer from {low} to {high}{words}")


def fixed(value: str, refusal: str) -> Spec:
    """A key that is listed with `value` and cannot be changed; setting it to `value` again is accepted."""
    return Spec(value, lambda v: v == value, f"'{value}'", refusal)


def choice(default: str, *values: str) -> Spec:
    return Spec(default, lambda v: v in values, "one of " + ", ".join(f"'{v}'" for v in values))


def text(default: str, max_length: int = 1024) -> Spec:
    return Spec(default, lambda v: len(v) <= max_length, f"at most {max_length} characters")


def defaults(specs: Specs) -> Attributes:
    return tuple(sorted((key, spec.default) for key, spec in specs.items()))


def effective(specs: Specs, current: Attributes) -> dict[str, str]:
    """Every known key: the stored value where there is one, else the default."""
    return {key: spec.default for key, spec in specs.items()} | {k: v for k, v in current if k in specs}


def merge(specs: Specs, current: Attributes, changes: Iterable[Mapping[str, object]]) -> Attributes:
    """Validate each change against its key's spec and apply it; the full set comes back sorted."""
    values = effective(specs, current)
    for change in changes:
        key = str(change.get("key") or "")
        value = str(change.get("value") if change.get("value") is not None else "")
        spec = specs.get(key)
        if spec is None:
            raise ValidationError(f"Attribute key '{key}' is not recognized")
        if spec.fixed and not spec.valid(value):
            raise InvalidConfigurationRequest(spec.fixed.format(key=key))
        if not spec.valid(value):
            raise ValidationError(f"Attribute '{key}' value '{value}' is not valid: expected {spec.expected}")
        values[key] = value
    return tuple(sorted(values.items()))


def described(specs: Specs, current: Attributes) -> list[dict[str, str]]:
    """Every known key with its effective value, sorted, as the Describe*Attributes output shape wants it."""
    return shape(tuple(sorted(effective(specs, current).items())))


def shape(attributes: Attributes) -> list[dict[str, str]]:
    return [{"key": key, "value": value} for key, value in attributes]


def _no_rules_across_keys(owner: object, values: Mapping[str, str]) -> None:
    return None


@dataclass(frozen=True)
class Operations(Generic[Owner]):
    """Describe*Attributes and Modify*Attributes of one resource kind (load balancer, target group, listener)."""

    arn: str  # the request's ARN parameter: "listener_arn"
    find: Callable[[State, str], Owner]  # by ARN, or the NotFound error
    specs: Specs
    check: Callable[[Owner, Mapping[str, str]], None] = _no_rules_across_keys  # rules across keys, merged values

    def describe(self, ctx: Context, p: Params) -> Result:
        owner = self.find(ctx.store.snapshot(), p[self.arn])
        return {"attributes": described(self.specs, owner.attributes)}

    def modify(self, ctx: Context, p: Params) -> Result:
        with ctx.store.write() as tx:
            owner = self.find(tx.state, p[self.arn])
            merged = merge(self.specs, owner.attributes, p.get("attributes") or [])
            self.check(owner, dict(merged))
            tx.put(replace(owner, attributes=merged))
        return {"attributes": shape(merged)}
