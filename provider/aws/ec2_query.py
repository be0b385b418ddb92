"""The `ec2` query dialect, driven by botocore's ec2 model: form fields in, XML out, errors in EC2's envelope.

It differs from the query protocol in three ways, all read from the model rather than written per operation:
- input keys are each member's queryName, else its locationName capitalised, and lists are flattened as
  `Name.N` (no `member` segment): `Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1`;
- output members sit straight under `<ActionResponse>` (no Result wrapper) with `<requestId>`, tags named by
  locationName (`<vpcSet>`), list elements as the list's member locationName (`<item>`);
- errors are `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`.

A model whose protocol is plain `query` (STS) is read the same way with the query protocol's three differences
back (`Name.member.N` lists, a `<ActionResult>` wrapper, `<ResponseMetadata>`), so a service the elbv2 tables
do not cover can be served before the generic query dispatch lands.

>>> parse_request(b"Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1")
Request(action='DescribeVpcs', params={'filters': [{'name': 'vpc-id', 'values': ['vpc-1']}]})
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from provider.aws.errors_xml import render_error as render_query_error
from provider.aws.form import decode_form
from provider.aws.model import Operation, Shape, compile_operations, load_spec
from provider.aws.parse import Node, Request, _Builder, _contradiction, _index, _shown
from provider.aws.serialize import _SCALAR_WRITERS, Emit, Writer
from provider.aws.xmltext import escape
from provider.errors import ApiError, InvalidAction, InvalidParameterValue, MissingAction, UnsupportedOperation

SERVICE = "ec2"


class MissingParameter(ApiError):
    code = "MissingParameter"


@dataclass
class Dialect:
    """One service model in the ec2 dialect: its operations plus the wire names the Shape tables do not carry."""

    operations: dict[str, Operation]
    protocol: str  # "ec2" or "query"
    version: str
    namespace: str
    query_keys: dict[str, dict[str, str]]  # structure shape -> input key -> member wire name
    tags: dict[str, dict[str, str]]  # structure shape -> member wire name -> output XML tag
    items: dict[str, str]  # list shape -> element tag
    writers: dict[str, Writer] = field(default_factory=dict)


def _query_key(wire: str, ref: Mapping[str, Any]) -> str:
    """botocore's EC2Serializer naming: queryName, else locationName capitalised, else the member name."""
    if "queryName" in ref:
        return str(ref["queryName"])
    location = ref.get("locationName")
    return str(location[:1].upper() + location[1:]) if location else wire


@cache
def dialect(service: str = SERVICE) -> Dialect:
    """Compiled once, on first use (~0.2 s for ec2's 830 operations)."""
    spec = load_spec(service)
    keys: dict[str, dict[str, str]] = {}
    tags: dict[str, dict[str, str]] = {}
    items: dict[str, str] = {}
    for name, shape in spec["shapes"].items():
        if shape["type"] == "structure":
            members = shape.get("members", {})
            keys[name] = {_query_key(wire, ref): wire for wire, ref in members.items()}
            tags[name] = {wire: str(ref.get("locationName", wire)) for wire, ref in members.items()}
        elif shape["type"] == "list":
            items[name] = str(shape["member"].get("locationName", "member"))
    meta = spec["metadata"]
    query = meta["protocol"] == "query"
    if query:  # the query serializer names members by locationName as given, not capitalised
        keys = {name: {tags[name][wire]: wire for wire in by_key.values()} for name, by_key in keys.items()}
    namespace = meta["xmlNamespace"].rstrip("/") + "/"
    return Dialect(compile_operations(spec), meta["protocol"], meta["apiVersion"], namespace, keys, tags, items)


def _path(d: Dialect, shape: Shape, key: str) -> list[tuple[Any, Shape]]:
    """The (slot, shape) each segment of a form key leads to; [] for a member the model does not have."""
    segments, i = key.split("."), 0
    path: list[tuple[Any, Shape]] = []
    while i < len(segments):
        if shape.type == "structure":
            wire = d.query_keys[shape.name].get(segments[i])
            if wire is None:
                return []  # unknown members are ignored, as AWS does
            path.append((wire, shape.members[wire].shape))
        elif shape.type == "list" and shape.member is not None:
            if d.protocol == "query":  # Name.member.N
                if segments[i] != "member" or i + 1 == len(segments):
                    raise _contradiction(key, shape)
                i += 1
            path.append((_index(segments[i], key), shape.member))
        else:
            raise _contradiction(key, shape)
        shape = path[-1][1]
        i += 1
    return path


def _insert(d: Dialect, root: Node, shape: Shape, key: str, value: str) -> None:
    """Place one form field into the parse tree (the query parser's tree: structure -> {wire: node}, list ->
    {index: node}), so the query parser's builder types and validates it."""
    path = _path(d, shape, key)
    if not path:
        return
    for _, child in path[:-1]:
        if child.is_scalar:
            raise _contradiction(key, child)
    if not path[-1][1].is_scalar:
        raise _contradiction(key, path[-1][1])
    node = root
    for slot, _ in path[:-1]:
        node = node.setdefault(slot, {})  # a slot's shape is fixed by the model: never a scalar here
    node[path[-1][0]] = value


def parse_request(
    body: bytes, query_string: bytes = b"", *, service: str = SERVICE, served: Container[str] | None = None
) -> Request:
    """A form-encoded EC2 request -> (action, snake_case params); raises only ApiError subclasses.

    An operation of the model that is not in `served` is UnsupportedOperation, before its parameters are read.
    """
    d = dialect(service)
    fields = decode_form(query_string) if query_string else {}
    fields.update(decode_form(body))
    action = fields.pop("Action", "")
    if not action:
        raise MissingAction("The request must contain the parameter Action.")
    operation = d.operations.get(action)
    if operation is None:
        raise InvalidAction(f"The action {_shown(action)} is not valid for this web service.")
    if served is not None and action not in served:
        raise UnsupportedOperation(f"{action} is not supported by elbv2-provider ({service})")
    version = fields.pop("Version", d.version)
    if version != d.version:
        raise InvalidParameterValue(f"Version '{_shown(version)}' is not supported; this service speaks {d.version}.")
    tree: Node = {}
    for key, value in fields.items():
        _insert(d, tree, operation.input, key, value)
    wire_keys = {wire: key for key, wire in d.query_keys[operation.input.name].items()}
    for wire in operation.input.required:
        if wire not in tree:
            raise MissingParameter(f"The request must contain the parameter {wire_keys[wire]}")
    builder = _Builder(validate=True)
    params = builder.structure(tree, operation.input, "")
    if builder.errors:
        raise InvalidParameterValue("; ".join(builder.errors[:10]))
    return Request(action, params)


def _writer(d: Dialect, shape: Shape) -> Writer:
    cached = d.writers.get(shape.name)
    if cached is not None:
        return cached
    scalar = _SCALAR_WRITERS.get(shape.type)
    if scalar is not None:
        d.writers[shape.name] = scalar
        return scalar
    d.writers[shape.name] = lambda value, emit: d.writers[shape.name](value, emit)  # recursive shapes
    if shape.type == "structure":
        writer = _structure_writer(d, shape)
    elif shape.type == "list":
        writer = _list_writer(d, shape)
    else:
        raise TypeError(f"shape {shape.name} has type {shape.type}, which the ec2 dialect does not render")
    d.writers[shape.name] = writer
    return writer


def _structure_writer(d: Dialect, shape: Shape) -> Writer:
    tags = d.tags[shape.name]
    fields = tuple(
        (member.snake, f"<{tags[wire]}>", f"</{tags[wire]}>", _writer(d, member.shape))
        for wire, member in shape.members.items()
    )

    def write(value: Mapping[str, Any], emit: Emit) -> None:
        for key, open_tag, close_tag, writer in fields:
            item = value.get(key)
            if item is not None:
                emit(open_tag)
                writer(item, emit)
                emit(close_tag)

    return write


def _list_writer(d: Dialect, shape: Shape) -> Writer:
    assert shape.member is not None
    element, tag = _writer(d, shape.member), d.items[shape.name]
    open_tag, close_tag = f"<{tag}>", f"</{tag}>"

    def write(value: Any, emit: Emit) -> None:
        for item in value:
            if item is not None:
                emit(open_tag)
                element(item, emit)
                emit(close_tag)

    return write


def render_result(action: str, result: Mapping[str, Any], request_id: str, *, service: str = SERVICE) -> bytes:
    """`<DescribeVpcsResponse xmlns=...><requestId>..</requestId><vpcSet><item>..` (an op without output
    answers `<return>true</return>`, as EC2 does)."""
    d = dialect(service)
    output = d.operations[action].output
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<{action}Response xmlns="{d.namespace}">']
    if d.protocol == "query":
        parts.append(f"<{action}Result>")
        _writer(d, output)(result, parts.append)
        parts.append(f"</{action}Result><ResponseMetadata><RequestId>{escape(request_id)}</RequestId></ResponseMetadata>")
    else:
        parts.append(f"<requestId>{escape(request_id)}</requestId>")
        if output.members:
            _writer(d, output)(result, parts.append)
        else:
            parts.append("<return>true</return>")
    parts.append(f"</{action}Response>")
    return "".join(parts).encode()


def render_error(error: ApiError, request_id: str, *, service: str = SERVICE) -> bytes:
    if dialect(service).protocol == "query":
        return render_query_error(error, request_id)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
        f"<Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message>"
        f"</Error></Errors><RequestID>{escape(request_id)}</RequestID></Response>"
    ).encode()
