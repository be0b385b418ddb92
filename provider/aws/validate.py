"""Typing and validating a request against an operation's input shape, shared by every protocol.

A protocol hands over a document (query: its parse tree; json/cbor: the decoded body) and a scalar reader;
the Builder walks the input shape, collects every violation like AWS does, then raises in the service's style:

>>> from provider.aws.document import read_json
>>> from provider.aws.model import load
>>> Builder(read_json, "cloudwatch").params({}, load("cloudwatch").ops["ListMetrics"].input)
{}
>>> Builder(read_json, "cloudwatch").params({}, load("cloudwatch").ops["PutMetricData"].input)
Traceback (most recent call last):
provider.errors.MissingParameter: The parameter Namespace is required.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from provider import texts
from provider.aws.constraints import CoercionError, length_violation, violation
from provider.aws.model import Shape
from provider.errors import ApiError, InvalidParameterValue, MissingParameter, SerializationException, ValidationError

MAX_REPORTED = 10  # errors listed in one message; the count covers them all
MAX_SHOWN = 256  # characters of a rejected value echoed back

# Reads one scalar as the shape's type; raises CoercionError (text: the constraint) when it is not one.
ScalarReader = Callable[[Any, Shape], Any]


def pascal(path: str) -> str:
    """A validation path as CloudWatch's texts name it: 'metricData.1.member.value' -> 'MetricData.member.1.Value'."""
    path = re.sub(r"\.([0-9]+)\.member\b", r".member.\1", path)
    return ".".join(part if part == "member" else part[:1].upper() + part[1:] for part in path.split("."))


def shown(raw: object) -> str:
    text = raw if isinstance(raw, str) else repr(raw)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "..."


class Builder:
    """Turns a document into snake_case params for one input shape.

    `strict_types`: a value of the wrong JSON/CBOR type is a SerializationException at once (what AWS's json
    services answer); the query protocol instead reports it among the validation errors.
    """

    def __init__(self, scalar: ScalarReader, service: str, *, validate: bool = True, strict_types: bool = False):
        self.scalar = scalar
        self.service = service
        self.validate = validate
        self.strict_types = strict_types
        self.errors: list[str] = []
        self.missing: list[str] = []
        self.enum_failed = False

    def params(self, document: Any, shape: Shape) -> dict[str, Any]:
        params = self.structure(document, shape, "")
        self.raise_violations()
        return params

    def fail(self, shown_value: str, path: str, constraint: str) -> None:
        self.errors.append(f"Value {shown_value} at '{path}' failed to satisfy constraint: {constraint}")

    def wrong_type(self, raw: Any, path: str, constraint: str) -> None:
        if self.strict_types:
            raise SerializationException(f"Value {shown(raw)} at '{path}' cannot be read: {constraint}")
        self.fail(f"'{shown(raw)}'", path, constraint)

    def structure(self, node: Any, shape: Shape, prefix: str) -> dict[str, Any]:
        if not isinstance(node, Mapping):
            self.wrong_type(node, prefix.rstrip(".") or "body", "Member must be a structure")
            return {}
        out: dict[str, Any] = {}
        members = shape.members
        for wire, raw in node.items():
            member = members.get(wire) if isinstance(wire, str) else None
            if member is None or raw is None:  # unknown members and nulls are ignored, as AWS does
                continue
            out[member.snake] = self.value(raw, member.shape, prefix + member.camel)
        if self.validate:
            for wire in shape.required:
                if node.get(wire) is None:
                    member = members[wire]
                    self.missing.append(wire if not prefix else prefix + member.camel)
                    self.fail("null", prefix + member.camel, "Member must not be null")
        return out

    def items(self, raw: Any, path: str) -> list[Any]:
        if not isinstance(raw, list):
            self.wrong_type(raw, path, "Member must be a list")
            return []
        return [item for item in raw if item is not None]

    def value(self, raw: Any, shape: Shape, path: str) -> Any:
        kind = shape.type
        if kind == "structure":
            return self.structure(raw, shape, path + ".")
        if kind == "list":
            assert shape.member is not None
            items = self.items(raw, path)
            result = [self.value(item, shape.member, f"{path}.{n}.member") for n, item in enumerate(items, 1)]
            problem = length_violation(len(result), shape) if self.validate else None
            if problem:
                self.fail(f"'[{len(result)} items]'", path, problem)
            return result
        if kind == "map":
            return self.map(raw, shape, path)
        try:
            scalar = self.scalar(raw, shape)
        except CoercionError as error:
            self.wrong_type(raw, path, str(error))
            return raw
        if isinstance(scalar, float) and not math.isfinite(scalar):  # a number on every wire, refused as a value
            raise InvalidParameterValue(texts.VALUE_INVALID.format(value=texts.number_shown(scalar), name=pascal(path)))
        problem = violation(scalar, shape) if self.validate else None
        if problem:
            self.enum_failed = self.enum_failed or (shape.enum is not None and not self.errors)
            self.fail(f"'{shown(raw)}'", path, problem)
        return scalar

    def map(self, raw: Any, shape: Shape, path: str) -> dict[Any, Any]:
        assert shape.key is not None and shape.value is not None
        if not isinstance(raw, Mapping):
            self.wrong_type(raw, path, "Member must be a map")
            return {}
        out: dict[Any, Any] = {}
        for key, item in raw.items():
            if item is not None:
                out[self.value(key, shape.key, f"{path}.key")] = self.value(item, shape.value, f"{path}.value")
        problem = length_violation(len(out), shape) if self.validate else None
        if problem:
            self.fail(f"'[{len(out)} entries]'", path, problem)
        return out

    def raise_violations(self) -> None:
        if not self.errors:
            return
        error: ApiError
        noun = "error" if len(self.errors) == 1 else "errors"
        detected = texts.VALIDATION_ERRORS.format(count=len(self.errors), noun=noun,
                                                 joined="; ".join(self.errors[:MAX_REPORTED]))
        if self.service in ("cloudwatch", "ec2"):
            # CloudWatch and EC2 name a missing member with MissingParameter and any other violation with
            # InvalidParameterValue (CloudWatch in every protocol); a CloudWatch enum value outside its set was
            # recorded as a ValidationError in the generic form.
            if self.service == "cloudwatch" and self.enum_failed and not self.missing:
                error = ValidationError(detected)
            elif self.missing:
                error = MissingParameter(texts.PARAMETER_REQUIRED.format(name=self.missing[0]))
            else:
                error = InvalidParameterValue(self.errors[0])
            raise error
        raise ValidationError(detected)
