"""botocore service models (service-2.json), each compiled once into small shape tables.

Everything else in `provider.aws` walks these tables; nothing is hand-coded per operation.

>>> load("elbv2").ops["CreateRule"].input.members["Priority"].snake
'priority'
>>> load("cloudwatch").target_prefix
'GraniteServiceVersion20100801'
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

SCALARS = frozenset({"string", "integer", "long", "boolean", "timestamp", "double", "float", "blob"})

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
    """One model shape. `type` is the botocore type name; only the attributes for that type are set.
    Shapes hash by identity: the serializers key their caches by them."""

    __slots__ = (
        *("name", "type", "members", "ec2_members", "required", "member", "item", "key", "value"),
        *("enum", "min", "max", "pattern"),
    )

    def __init__(self, name: str, spec: dict[str, Any]) -> None:
        self.name = name
        self.type: str = spec["type"]
        self.members: dict[str, Member] = {}  # wire name -> member, in model order
        self.ec2_members: dict[str, Member] = {}  # the ec2 protocol's input name -> member
        self.required: tuple[str, ...] = tuple(spec.get("required", ()))
        self.member: Shape | None = None  # list element
        self.item: str | None = spec.get("member", {}).get("locationName")  # list element's XML name
        self.key: Shape | None = None  # map key
        self.value: Shape | None = None  # map value
        enum = spec.get("enum")
        self.enum: tuple[str, ...] | None = tuple(enum) if enum else None  # in the model's order
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
    wire: str  # PascalCase member name: query input, json/cbor keys
    snake: str  # params/result key
    camel: str  # validation message path segment
    shape: Shape
    xml: str  # element name in XML responses: the locationName if any ('vpcSet'), else the member name
    ec2: str  # ec2 protocol input name: queryName, else the capitalized locationName ('Filter'), else wire


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    input: Shape
    output: Shape


@dataclass(frozen=True, slots=True)
class ServiceModel:
    """One service: its operations plus the metadata the dispatch and the envelopes need."""

    name: str  # botocore's name: "elbv2", "cloudwatch"
    api_version: str  # the query protocol's Version
    namespace: str  # xmlNamespace of query/ec2 responses
    target_prefix: str | None  # X-Amz-Target prefix and rpc-v2-cbor path segment
    signing_name: str  # the SigV4 credential scope's service
    protocols: tuple[str, ...]
    query_compatible: bool  # awsQueryCompatible: errors also carry x-amzn-query-error
    ops: dict[str, Operation]  # the compiled operations (see load's `only`)
    names: frozenset[str]  # every operation the model has
    error_types: dict[str, str]  # query error code -> modeled exception shape name
    error_shapes: dict[str, Shape]  # error code -> its exception's shape, for those with members beyond a message
    json_version: str = "1.0"  # awsJson1_0 or awsJson1_1: the json protocol's content type

    def error_type(self, code: str) -> str:
        return self.error_types.get(code, code)


def _read(name: str) -> dict[str, Any]:
    """A botocore model, read straight from the wheel's data folder: botocore.loaders would pull in
    ~9 MB of modules for one JSON file."""
    folder = Path(botocore.__file__).parent / "data" / name
    newest = max(folder.iterdir(), key=lambda p: p.name)  # API versions are dated folders
    plain, packed = newest / "service-2.json", newest / "service-2.json.gz"
    raw = plain.read_bytes() if plain.exists() else gzip.decompress(packed.read_bytes())
    model: dict[str, Any] = json.loads(raw)
    return model


def _compile(model: dict[str, Any], only: frozenset[str] | None) -> tuple[dict[str, Operation], dict[str, Shape]]:
    """The operations in `only` (all when None), with just the shapes they reach; and the exceptions that carry
    members besides their message, by error code."""
    specs: dict[str, Any] = model["shapes"]
    shapes: dict[str, Shape] = {}

    def shape_of(name: str) -> Shape:
        known = shapes.get(name)
        if known is not None:
            return known
        spec = specs[name]
        shape = shapes[name] = Shape(name, spec)  # registered before linking, so recursive shapes terminate
        for wire, ref in spec.get("members", {}).items():
            location = ref.get("locationName", wire)
            ec2 = ref.get("queryName") or location[:1].upper() + location[1:]
            member = Member(wire, snake(wire), _camel(wire), shape_of(ref["shape"]), location, ec2)
            shape.members[wire] = shape.ec2_members[ec2] = member
        if "member" in spec:
            shape.member = shape_of(spec["member"]["shape"])
        if "key" in spec:
            shape.key = shape_of(spec["key"]["shape"])
            shape.value = shape_of(spec["value"]["shape"])
        return shape

    empty = Shape("Empty", {"type": "structure"})
    ops = {}
    for name, op in model["operations"].items():
        if only is None or name in only:
            in_ref, out_ref = op.get("input"), op.get("output")
            ops[name] = Operation(
                name,
                shape_of(in_ref["shape"]) if in_ref else empty,
                shape_of(out_ref["shape"]) if out_ref else empty,
            )
    detailed = {
        spec.get("error", {}).get("code", name): shape_of(name)
        for name, spec in specs.items()
        if spec.get("exception") and set(spec.get("members", {})) - {"message", "Message"}
    }
    return ops, detailed


def _build(name: str, model: dict[str, Any], only: frozenset[str] | None) -> ServiceModel:
    meta: dict[str, Any] = model["metadata"]
    errors = {
        spec.get("error", {}).get("code", shape): shape
        for shape, spec in model["shapes"].items()
        if spec.get("exception")
    }
    ops, detailed = _compile(model, only)
    return ServiceModel(
        name=name,
        api_version=meta["apiVersion"],
        namespace=meta.get("xmlNamespace", ""),
        target_prefix=meta.get("targetPrefix"),
        signing_name=meta.get("signingName", meta["endpointPrefix"]),
        protocols=tuple(meta.get("protocols", (meta["protocol"],))),
        query_compatible="awsQueryCompatible" in meta,
        ops=ops,
        names=frozenset(model["operations"]),
        error_types=errors,
        error_shapes=detailed,
        json_version=meta.get("jsonVersion", "1.0"),
    )


_models: dict[tuple[str, frozenset[str] | None], ServiceModel] = {}


def load(name: str, only: frozenset[str] | None = None) -> ServiceModel:
    """The compiled model of botocore service `name`; compiled on first use, then shared.

    `only` compiles just those operations (EC2's whole model costs ~135 ms and ~6 MB for the ~20 operations
    served here); the others stay known by name, so that they are told apart from names no model has.
    """
    model = _models.get((name, only))
    if model is None:
        raw = _read(name)
        whole = only is None or only.issuperset(raw["operations"])
        model = _models.get((name, None)) if whole else None
        if model is None:
            model = _models[(name, None if whole else only)] = _build(name, raw, None if whole else only)
        _models[(name, only)] = model
    return model


# The elbv2 model under its historical names (the query endpoint spoke only elbv2 at first).
ELBV2 = load("elbv2")
API_VERSION = ELBV2.api_version
NAMESPACE = ELBV2.namespace
OPS: dict[str, Operation] = ELBV2.ops
OPERATIONS: frozenset[str] = frozenset(OPS)
