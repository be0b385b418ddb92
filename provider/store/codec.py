"""The JSON codec for the model's frozen dataclasses, driven by their type hints (used by provider/store/duck.py).

``encode`` turns a dataclass into plain JSON values; ``decoder(tp)`` builds, once per type, the function that
turns them back. A field added to model.py needs no change here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from enum import Enum
from functools import cache
from types import NoneType, UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

Json = None | bool | int | float | str | list["Json"] | dict[str, "Json"]


def encode(value: object) -> Json:
    """``HealthCheck(port="80")`` -> ``{"enabled": true, "port": "80", ...}``; datetimes as ISO-8601 UTC."""
    if isinstance(value, Enum):
        return encode(value.value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime cannot be stored: {value!r}")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, tuple):
        return [encode(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {name: encode(getattr(value, name)) for name in _field_names(type(value))}
    raise TypeError(f"cannot encode {type(value).__name__}")


@cache
def decoder(tp: Any) -> Callable[[Any], Any]:
    """The inverse of encode for the type ``tp``, built once per type; missing dataclass fields take defaults."""
    origin = get_origin(tp)
    if origin is Union or origin is UnionType:
        args = [a for a in get_args(tp) if a is not NoneType]
        if len(args) != 1:
            raise TypeError(f"cannot decode the union {tp}")
        inner = decoder(args[0])
        return lambda data: None if data is None else inner(data)
    if origin is tuple:
        items = get_args(tp)
        if len(items) == 2 and items[1] is Ellipsis:
            item = decoder(items[0])
            return lambda data: tuple(map(item, data))
        parts = tuple(decoder(a) for a in items)
        return lambda data: tuple(part(v) for part, v in zip(parts, data, strict=True))
    if isinstance(tp, type) and is_dataclass(tp):
        hints = get_type_hints(tp)
        members = tuple((f.name, decoder(hints[f.name])) for f in fields(tp) if f.init)
        return lambda data: tp(**{name: decode(data[name]) for name, decode in members if name in data})
    if tp is datetime:
        return datetime.fromisoformat
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp
    if tp in (str, int, bool, float):
        return _same
    raise TypeError(f"cannot decode {tp}")


def _same(data: Any) -> Any:
    return data


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def dumps(data: Json) -> str:
    """The stored text of a doc: sorted keys, no spaces, so equal docs are equal strings."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"))
