"""Query-protocol request -> (action, snake_case params), typed and validated by the operation's input shape.

>>> parse_request(b"Action=DescribeRules&Version=2015-12-01&RuleArns.member.1=arn:r1&PageSize=5")
Request(action='DescribeRules', params={'rule_arns': ['arn:r1'], 'page_size': 5})

The parser raises only provider.errors.ApiError subclasses, whatever the bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from provider.aws.constraints import CoercionError, coerce, length_violation, violation
from provider.aws.form import decode_form
from provider.aws.model import API_VERSION, OPS, Shape
from provider.errors import InvalidAction, InvalidParameterValue, MissingAction, ValidationError

_INDEX = re.compile(r"[0-9]{1,18}")  # a dict keyed by index, never a list sized by it
_MAX_REPORTED = 10  # errors listed in one message; the count covers them all
_MAX_SHOWN = 256  # characters of a rejected value echoed back


class _Empty:
    """`Name=` for a list shape: the list was given and is empty."""

    __slots__ = ()


_EMPTY = _Empty()
# A parse tree node: structure -> {wire: node}, list -> {index: node}, map -> {index: {"key"/"value": node}}.
Node = dict[Any, Any]


@dataclass(frozen=True, slots=True)
class Request:
    action: str
    params: dict[str, Any]


def _shown(raw: str) -> str:
    return raw if len(raw) <= _MAX_SHOWN else raw[:_MAX_SHOWN] + "..."


def _index(segment: str, key: str) -> int:
    if not _INDEX.fullmatch(segment) or int(segment) < 1:
        raise ValidationError(f"Parameter '{_shown(key)}' has an invalid list index '{_shown(segment)}'.")
    return int(segment)


def _insert(root: Node, shape: Shape, key: str, value: str) -> None:
    """Place one form field into the parse tree, walking `shape`; unknown members are ignored like AWS does."""
    segments = key.split(".")
    node, i, count = root, 0, len(segments)
    while True:
        segment = segments[i]
        slot: Any
        if shape.type == "structure":
            member = shape.members.get(segment)
            if member is None:
                return
            slot, child, i = segment, member.shape, i + 1
        elif shape.type == "list" and segment == "member" and i + 1 < count:
            assert shape.member is not None
            slot, child, i = _index(segments[i + 1], key), shape.member, i + 2
        elif shape.type == "map" and segment == "entry" and i + 2 < count and segments[i + 2] in ("key", "value"):
            assert shape.key is not None and shape.value is not None
            entry = node.setdefault(_index(segments[i + 1], key), {})
            node, slot = entry, segments[i + 2]
            child, i = (shape.key if slot == "key" else shape.value), i + 3
        else:
            raise _contradiction(key, shape)
        if i == count:
            if child.is_scalar:
                node[slot] = value
            elif child.type == "list" and value == "":
                node.setdefault(slot, _EMPTY)
            else:
                raise _contradiction(key, child)
            return
        if child.is_scalar:
            raise _contradiction(key, child)
        existing = node.get(slot)
        if not isinstance(existing, dict):
            existing = node[slot] = {}
        node, shape = existing, child


def _contradiction(key: str, shape: Shape) -> ValidationError:
    return ValidationError(f"Parameter '{_shown(key)}' does not match the model: {shape.name} is a {shape.type}.")


class _Builder:
    """Turns a parse tree into params, collecting every validation error like AWS does."""

    def __init__(self, validate: bool) -> None:
        self.validate = validate
        self.errors: list[str] = []

    def fail(self, shown: str, path: str, constraint: str) -> None:
        self.errors.append(f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}")

    def structure(self, node: Node, shape: Shape, prefix: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        members = shape.members
        for wire, raw in node.items():
            member = members[wire]
            out[member.snake] = self.value(raw, member.shape, prefix + member.camel)
        if self.validate:
            for wire in shape.required:
                if wire not in node:
                    self.fail("null", prefix + members[wire].camel, "Member must not be null")
        return out

    def value(self, raw: Any, shape: Shape, path: str) -> Any:
        kind = shape.type
        if kind == "structure":
            return self.structure(raw, shape, path + ".")
        if kind == "list":
            assert shape.member is not None
            items = [] if raw is _EMPTY else [raw[index] for index in sorted(raw)]
            result = [self.value(item, shape.member, f"{path}.{n}.member") for n, item in enumerate(items, 1)]
            problem = length_violation(len(result), shape) if self.validate else None
            if problem:
                self.fail(f"'[{len(result)} items]'", path, problem)
            return result
        if kind == "map":
            return self.map(raw, shape, path)
        try:
            scalar = coerce(raw, shape)
        except CoercionError as error:
            self.fail(f"'{_shown(raw)}'", path, str(error))
            return raw
        problem = violation(scalar, shape) if self.validate else None
        if problem:
            self.fail(f"'{_shown(raw)}'", path, problem)
        return scalar

    def map(self, raw: Node, shape: Shape, path: str) -> dict[Any, Any]:
        assert shape.key is not None and shape.value is not None
        out: dict[Any, Any] = {}
        for index in sorted(raw):
            entry = raw[index]
            if "key" not in entry or "value" not in entry:
                part = "value" if "key" in entry else "key"
                self.fail("null", f"{path}.entry.{index}.{part}", "Member must not be null")
                continue
            key = self.value(entry["key"], shape.key, f"{path}.entry.{index}.key")
            out[key] = self.value(entry["value"], shape.value, f"{path}.entry.{index}.value")
        return out


def parse_request(body: bytes, query_string: bytes = b"", *, validate: bool = True) -> Request:
    """Parse a form-encoded ELBv2 request; `Action`/`Version` may also come in the query string (body wins).

    `validate=False` skips the model's constraints (required, enum, ranges, lengths, patterns) but still
    types every value.
    """
    fields = decode_form(query_string) if query_string else {}
    fields.update(decode_form(body))
    action = fields.pop("Action", "")
    if not action:
        raise MissingAction("The request must contain the parameter Action.")
    operation = OPS.get(action)
    if operation is None:
        raise InvalidAction(f"The action {_shown(action)} is not valid for this web service.")
    version = fields.pop("Version", None)
    if version is None:
        raise ValidationError("The request must contain the parameter Version.")
    if version != API_VERSION:
        raise InvalidParameterValue(f"Version '{_shown(version)}' is not supported; this service speaks {API_VERSION}.")
    tree: Node = {}
    for key, value in fields.items():
        _insert(tree, operation.input, key, value)
    builder = _Builder(validate)
    params = builder.structure(tree, operation.input, "")
    errors = builder.errors
    if errors:
        noun = "error" if len(errors) == 1 else "errors"
        raise ValidationError(f"{len(errors)} validation {noun} detected: " + "; ".join(errors[:_MAX_REPORTED]))
    return Request(action, params)
