"""The elbv2 service model (botocore's service-2.json), compiled once into small shape tables.

Everything else in `provider.aws` walks these tables; nothing is hand-coded per operation.

>>> OPS["CreateRule"].input.members["Priority"].snake
'priority'
>>> OPS["CreateRule"].input.members["Priority"].shape.max
50000
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import botocore
from botocore import xform_name

API_VERSION = "2015-12-01"
NAMESPACE = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"

SCALARS = frozenset({"string", "integer", "long", "boolean", "timestamp", "double", "float"})

# Java regex classes that Python's `re` lacks; close-enough stand-ins (they only appear in tag patterns).
_JAVA_CLASSES = {r"\p{L}": r"\w", r"\p{N}": r"\w", r"\p{Z}": r"\s"}


@cache
def snake(member_name: str) -> str:
    """PascalCase member name -> snake_case params key: 'DNSName' -> 'dns_name'."""
    return str(xform_name(member_name))


def _camel(member_name: str) -> str:
    """The lowerCamel name AWS uses in validation paths: 'ForwardConfig' -> 'forwardConfig'."""
    return member_name[:1].lower() + member_name[1:]


def _compile_pattern(pattern: str | None) -> re.Pattern[str] | None:
    if pattern is None:
        return None
    for java, python in _JAVA_CLASSES.items():
        pattern = pattern.replace(java, python)
    try:
        return re.compile(pattern)
    except re.error:
        return None  # a pattern Python cannot express is skipped rather than guessed


class Shape:
    """One model shape. `type` is the botocore type name; only the attributes for that type are set."""

    __slots__ = ("name", "type", "members", "required", "member", "key", "value", "enum", "min", "max", "pattern")

    def __init__(self, name: str, spec: dict[str, Any]) -> None:
        self.name = name
        self.type: str = spec["type"]
        self.members: dict[str, Member] = {}  # wire name -> member, in model order
        self.required: tuple[str, ...] = tuple(spec.get("required", ()))
        self.member: Shape | None = None  # list element
        self.key: Shape | None = None  # map key
        self.value: Shape | None = None  # map value
        enum = spec.get("enum")
        self.enum: frozenset[str] | None = frozenset(enum) if enum else None
        self.min: int | float | None = spec.get("min")
        self.max: int | float | None = spec.get("max")
        self.pattern = _compile_pattern(spec.get("pattern"))

    @property
    def is_scalar(self) -> bool:
        return self.type in SCALARS

    def __repr__(self) -> str:
        return f"Shape({self.name!r}, {self.type!r})"


@dataclass(frozen=True, slots=True)
class Member:
    wire: str  # PascalCase, as on the wire and in XML
    snake: str  # params/result key
    camel: str  # validation message path segment
    shape: Shape


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    input: Shape
    output: Shape


def load_spec(service: str = "elbv2") -> dict[str, Any]:
    """botocore's model of `service`, read straight from the wheel's data folder: botocore.loaders would pull in
    ~9 MB of modules for one JSON file."""
    folder = Path(botocore.__file__).parent / "data" / service
    newest = max(folder.iterdir(), key=lambda p: p.name)  # API versions are dated folders
    plain, packed = newest / "service-2.json", newest / "service-2.json.gz"
    raw = plain.read_bytes() if plain.exists() else gzip.decompress(packed.read_bytes())
    model: dict[str, Any] = json.loads(raw)
    return model


def compile_operations(model: dict[str, Any]) -> dict[str, Operation]:
    specs: dict[str, Any] = model["shapes"]
    shapes = {name: Shape(name, spec) for name, spec in specs.items()}
    # Second pass links shapes by reference, so recursive shapes would also work.
    for name, spec in specs.items():
        shape = shapes[name]
        for wire, ref in spec.get("members", {}).items():
            shape.members[wire] = Member(wire, snake(wire), _camel(wire), shapes[ref["shape"]])
        if "member" in spec:
            shape.member = shapes[spec["member"]["shape"]]
        if "key" in spec:
            shape.key = shapes[spec["key"]["shape"]]
            shape.value = shapes[spec["value"]["shape"]]
    empty = Shape("Empty", {"type": "structure"})
    ops = {}
    for name, op in model["operations"].items():
        in_ref, out_ref = op.get("input"), op.get("output")
        ops[name] = Operation(
            name,
            shapes[in_ref["shape"]] if in_ref else empty,
            shapes[out_ref["shape"]] if out_ref else empty,
        )
    return ops


OPS: dict[str, Operation] = compile_operations(load_spec())
OPERATIONS: frozenset[str] = frozenset(OPS)
