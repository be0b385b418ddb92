"""Validation helpers that a rule's conditions and transforms share (no model imports: the model imports them).

>>> from provider.elbv2.model import ConditionField
>>> one_of(ConditionField, "path-pattern", "Condition field"), repeated(["a", "b", "a"], ["b", "a"])
(<ConditionField.PATH_PATTERN: 'path-pattern'>, 'a')
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any, TypeVar

from provider.errors import ValidationError

E = TypeVar("E", bound=StrEnum)
K = TypeVar("K", bound=Hashable)


def one_of(kind: type[E], value: object, what: str) -> E:
    """``value`` as a member of ``kind``, else AWS's ValidationError naming the members."""
    try:
        return kind(str(value))
    except ValueError:
        known = ", ".join(m.value for m in kind)
        raise ValidationError(f"{what} '{value}' must be one of [{known}]") from None


def stray_config(raw: Mapping[str, Any], config_keys: Mapping[E, str], chosen: E) -> str | None:
    """The key of a config given for another kind than ``chosen`` (each kind has its own config key), or None."""
    return next((key for kind, key in config_keys.items() if kind is not chosen and raw.get(key) is not None), None)


def repeated(seen: Sequence[K], once_each: Iterable[K]) -> K | None:
    """The first of ``once_each`` that ``seen`` holds more than once (a rule's one-per-kind limits), or None."""
    return next((kind for kind in once_each if seen.count(kind) > 1), None)
