"""Scalar coercion and the model's constraints, phrased like AWS validation messages.

>>> from provider.aws.model import OPS
>>> priority = OPS["CreateRule"].input.members["Priority"].shape
>>> coerce("10", priority)
10
>>> violation(50001, priority)
'Member must have value less than or equal to 50000'
"""

from __future__ import annotations

import binascii
import re
from base64 import b64decode
from datetime import UTC, datetime
from typing import Any

from provider import texts
from provider.aws.model import Shape

_INT = re.compile(r"-?[0-9]{1,19}")
_INT_RANGE = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_KIND = {
    "integer": "an integer",
    "long": "a long",
    "boolean": "a boolean (true or false)",
    "timestamp": "an ISO-8601 timestamp",
    "double": "a number",
    "float": "a number",
    "blob": "base64-encoded bytes",
}


class CoercionError(ValueError):
    """The raw form value cannot be read as the shape's type; str(self) is the constraint text."""


def _timestamp(raw: str) -> datetime:
    try:
        if re.fullmatch(r"[0-9]{1,12}(\.[0-9]+)?", raw):
            return datetime.fromtimestamp(float(raw), UTC)
        parsed = datetime.fromisoformat(raw)
    except (ValueError, OverflowError, OSError):
        raise CoercionError from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def coerce(raw: str, shape: Shape) -> Any:
    """Read one form value as the scalar type of `shape`; raise CoercionError when it is not one."""
    kind = shape.type
    try:
        if kind == "string":
            return raw
        if kind in _INT_RANGE:
            if not _INT.fullmatch(raw):
                raise CoercionError
            number = int(raw)
            low, high = _INT_RANGE[kind]
            if not low <= number <= high:
                raise CoercionError
            return number
        if kind == "boolean":
            lowered = raw.lower()
            if lowered not in ("true", "false"):
                raise CoercionError
            return lowered == "true"
        if kind == "timestamp":
            return _timestamp(raw)
        if kind in ("double", "float"):
            return float(raw)  # NaN and Infinity too: the validation refuses them with AWS's text
        if kind == "blob":
            return b64decode(raw, validate=True)
    except (ValueError, OverflowError, binascii.Error):
        pass
    raise CoercionError(expected(kind))


def expected(kind: str) -> str:
    """The constraint text for a value that is not of the shape's type: 'Member must be an integer'."""
    return f"Member must be {_KIND.get(kind, kind)}"


def length_violation(length: int, shape: Shape) -> str | None:
    if shape.min is not None and length < shape.min:
        return f"Member must have length greater than or equal to {shape.min}"
    if shape.max is not None and length > shape.max:
        return f"Member must have length less than or equal to {shape.max}"
    return None


def violation(value: Any, shape: Shape) -> str | None:
    """The first constraint a coerced scalar breaks (enum, range, length, pattern), or None."""
    if isinstance(value, str):
        if shape.enum is not None and value not in shape.enum:
            order = texts.RECORDED_ENUM_ORDERS.get(shape.name, shape.enum)
            return texts.ENUM_CONSTRAINT.format(values=", ".join(order))
        problem = length_violation(len(value), shape)
        if problem:
            return problem
        if shape.pattern is not None and not shape.pattern.fullmatch(value):
            return f"Member must satisfy regular expression pattern: {shape.pattern.pattern}"
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if shape.min is not None and value < shape.min:
            return f"Member must have value greater than or equal to {shape.min}"
        if shape.max is not None and value > shape.max:
            return f"Member must have value less than or equal to {shape.max}"
    return None
