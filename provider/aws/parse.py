"""Query-protocol request -> (action, snake_case params), typed and validated by the operation's input shape.

>>> parse_request(b"Action=DescribeRules&Version=2015-12-01&RuleArns.member.1=arn:r1&PageSize=5")
Request(action='DescribeRules', params={'rule_arns': ['arn:r1'], 'page_size': 5})

The parser raises only provider.errors.ApiError subclasses, whatever the bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from provider.aws.constraints import coerce
from provider.aws.form import decode_form
from provider.aws.model import ELBV2, ServiceModel, Shape
from provider.aws.validate import Builder, shown
from provider.errors import InvalidAction, InvalidParameterValue, MissingAction, UnsupportedOperation, ValidationError

_INDEX = re.compile(r"[0-9]{1,18}")  # a dict keyed by index, never a list sized by it


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


def _index(segment: str, key: str) -> int:
    if not _INDEX.fullmatch(segment) or int(segment) < 1:
        raise ValidationError(f"Parameter '{shown(key)}' has an invalid list index '{shown(segment)}'.")
    return int(segment)


def _insert(root: Node, shape: Shape, key: str, value: str, ec2: bool) -> None:
    """Place one form field into the parse tree, walking `shape`; unknown members are ignored like AWS does.

    The ec2 dialect names members by their ec2 name and numbers list elements directly: `Filter.1.Value.2`
    where query says `Filters.member.1.Values.member.2`.
    """
    segments = key.split(".")
    node, i, count = root, 0, len(segments)
    while True:
        segment = segments[i]
        slot: Any
        if shape.type == "structure":
            member = (shape.ec2_members if ec2 else shape.members).get(segment)
            if member is None:
                return
            slot, child, i = member.wire, member.shape, i + 1
        elif shape.type == "list" and ec2:
            assert shape.member is not None
            slot, child, i = _index(segment, key), shape.member, i + 1
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
    return ValidationError(f"Parameter '{shown(key)}' does not match the model: {shape.name} is a {shape.type}.")


class _QueryBuilder(Builder):
    """The parse tree holds lists as {index: node} and maps as {index: {"key"/"value": node}}."""

    def items(self, raw: Any, path: str) -> list[Any]:
        return [] if raw is _EMPTY else [raw[index] for index in sorted(raw)]

    def map(self, raw: Any, shape: Shape, path: str) -> dict[Any, Any]:
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


def query_fields(body: bytes, query_string: bytes = b"") -> dict[str, str]:
    """The form fields of a query-protocol request; the body wins over the URL's query string."""
    fields = decode_form(query_string) if query_string else {}
    fields.update(decode_form(body))
    return fields


def parse_query(fields: dict[str, str], model: ServiceModel, *, validate: bool = True, ec2: bool = False) -> Request:
    """Typed, validated params from form fields for `model` (which pops Action and Version from `fields`)."""
    action = fields.pop("Action", "")
    if not action:
        raise MissingAction("The request must contain the parameter Action.")
    operation = model.ops.get(action)
    if operation is None and action in model.names:
        raise UnsupportedOperation.named(action)
    if operation is None:
        raise InvalidAction(f"The action {shown(action)} is not valid for this web service.")
    version = fields.pop("Version", None)
    if version is None:
        raise ValidationError("The request must contain the parameter Version.")
    if version != model.api_version:
        raise InvalidParameterValue(
            f"Version '{shown(version)}' is not supported; this service speaks {model.api_version}."
        )
    tree: Node = {}
    for key, value in fields.items():
        _insert(tree, operation.input, key, value, ec2)
    return Request(action, _QueryBuilder(coerce, model.name, validate=validate).params(tree, operation.input))


def parse_request(body: bytes, query_string: bytes = b"", *, validate: bool = True) -> Request:
    """Parse a form-encoded ELBv2 request; `Action`/`Version` may also come in the query string (body wins).

    `validate=False` skips the model's constraints (required, enum, ranges, lengths, patterns) but still
    types every value.
    """
    return parse_query(query_fields(body, query_string), ELBV2, validate=validate)
