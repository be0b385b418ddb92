"""The wire protocols: each reads a request into (operation, params) and writes results and errors in its own
envelope. The operation's shapes come from the service model; nothing here is per operation.

| protocol           | request                                    | response / error                          |
|--------------------|--------------------------------------------|-------------------------------------------|
| query              | form: Action=..&Version=..                 | text/xml; <ErrorResponse>                 |
| ec2                | form: Filter.1.Value.1=..                  | text/xml, no Result wrapper; <Response>   |
| json (awsJson1_0)  | X-Amz-Target: <prefix>.<Op>, JSON body      | JSON; {"__type", "message"}               |
| smithy-rpc-v2-cbor | POST /service/<prefix>/operation/<Op>, CBOR | CBOR; {"__type", "message"}               |

A service with awsQueryCompatible also gets `x-amzn-query-error: <Code>;<Sender|Receiver>` on json/cbor
errors: botocore reads the query-era error code from it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Any

import cbor2
import orjson

from provider.aws import document
from provider.aws.errors_xml import render_ec2_error, render_error
from provider.aws.model import ELBV2, ServiceModel
from provider.aws.parse import Request, parse_query, query_fields
from provider.aws.serialize import render_ec2_result, render_result
from provider.aws.validate import Builder, shown
from provider.errors import ApiError, SerializationException, UnknownOperation, UnsupportedOperation


@dataclass
class Incoming:
    """What a protocol reads from one HTTP request; `target` is the operation named outside the body."""

    body: bytes
    query_string: bytes = b""
    target: str = ""

    @cached_property
    def fields(self) -> dict[str, str]:
        return query_fields(self.body, self.query_string)


@dataclass(frozen=True)
class Rendered:
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


class Query:
    name = "query"
    content_type = "text/xml"

    def parse(self, model: ServiceModel, incoming: Incoming) -> Request:
        return parse_query(dict(incoming.fields), model)

    def render(self, model: ServiceModel, action: str, result: Mapping[str, Any], request_id: str) -> Rendered:
        return Rendered(render_result(action, result, request_id, model), self.content_type)

    def error(self, model: ServiceModel | None, error: ApiError, request_id: str) -> Rendered:
        return Rendered(render_error(error, request_id, model or ELBV2), self.content_type)


class Ec2(Query):
    """EC2's query dialect: `Filter.1.Value.1` in, no Result wrapper and lists as <item> out."""

    name = "ec2"

    def parse(self, model: ServiceModel, incoming: Incoming) -> Request:
        return parse_query(dict(incoming.fields), model, ec2=True)

    def render(self, model: ServiceModel, action: str, result: Mapping[str, Any], request_id: str) -> Rendered:
        return Rendered(render_ec2_result(action, result, request_id, model), self.content_type)

    def error(self, model: ServiceModel | None, error: ApiError, request_id: str) -> Rendered:
        return Rendered(render_ec2_error(error, request_id), self.content_type)


class _Document:
    """awsJson1_0 and rpc-v2-cbor: one document per body, errors as {"__type", "message"}."""

    name = ""
    content_type = ""
    headers: dict[str, str] = {}
    encoding = document.JSON
    reader: Callable[[Any, Any], Any] = staticmethod(document.read_json)

    def decode(self, body: bytes) -> Any:
        raise NotImplementedError

    def encode(self, doc: Any) -> bytes:
        raise NotImplementedError

    def parse(self, model: ServiceModel, incoming: Incoming) -> Request:
        operation = model.ops.get(incoming.target)
        if operation is None and incoming.target in model.names:
            raise UnsupportedOperation.named(incoming.target)
        if operation is None:
            raise UnknownOperation(f"The operation {shown(incoming.target)} is not an operation of {model.name}.")
        try:
            doc = self.decode(incoming.body) if incoming.body else {}
        except (ValueError, RecursionError, TypeError, LookupError, OverflowError, MemoryError):
            raise SerializationException(f"The request body is not valid {self.name}.") from None
        builder = Builder(self.reader, model.name, strict_types=True)
        return Request(operation.name, builder.params(doc, operation.input))

    def render(self, model: ServiceModel, action: str, result: Mapping[str, Any], request_id: str) -> Rendered:
        doc = document.to_document(result, model.ops[action].output, self.encoding)
        return Rendered(self.encode(doc), self.content_type, dict(self.headers))

    def error(self, model: ServiceModel | None, error: ApiError, request_id: str) -> Rendered:
        type_name = model.error_type(error.code) if model else error.code
        headers = dict(self.headers)
        if model is not None and model.query_compatible:
            headers["x-amzn-query-error"] = f"{error.code};{error.fault}"
        doc = {"__type": type_name, "message": error.message}
        shape = model.error_shapes.get(error.code) if model is not None else None
        if shape is not None and error.details:
            doc |= document.to_document(error.details, shape, self.encoding)
        return Rendered(self.encode(doc), self.content_type, headers)


class Json(_Document):
    name = "json"
    content_type = "application/x-amz-json-1.0"

    def decode(self, body: bytes) -> Any:
        return json.loads(body)

    def render(self, model: ServiceModel, action: str, result: Mapping[str, Any], request_id: str) -> Rendered:
        rendered = super().render(model, action, result, request_id)
        return replace(rendered, content_type=f"application/x-amz-json-{model.json_version}")

    def error(self, model: ServiceModel | None, error: ApiError, request_id: str) -> Rendered:
        rendered = super().error(model, error, request_id)
        version = model.json_version if model is not None else "1.0"
        return replace(rendered, content_type=f"application/x-amz-json-{version}")

    def encode(self, doc: Any) -> bytes:
        return orjson.dumps(doc)


class Cbor(_Document):
    name = "smithy-rpc-v2-cbor"
    content_type = "application/cbor"
    headers = {"smithy-protocol": "rpc-v2-cbor"}
    encoding = document.CBOR
    reader = staticmethod(document.read_cbor)

    def decode(self, body: bytes) -> Any:
        try:
            return cbor2.loads(body, max_depth=64)
        except Exception as error:  # any byte string a client sends that cbor2 cannot read is the client's
            raise ValueError(str(error)) from None

    def encode(self, doc: Any) -> bytes:
        return bytes(cbor2.dumps(doc, datetime_as_timestamp=True, default=_timestamps))


def _timestamps(encoder: cbor2.CBOREncoder, value: Any) -> None:
    """A list of timestamps as cbor2 writes it, each distinct moment encoded once: cbor2 takes about a microsecond a
    datetime, and the periods of a day are shared by every series of a response."""
    if not isinstance(value, document.Timestamps):
        raise cbor2.CBOREncodeTypeError(f"cannot serialize type {type(value).__name__}")
    encoder.encode_length(4, len(value.millis))
    encoder.write(b"".join(map(_tagged, value.millis)))


@lru_cache(maxsize=8192)
def _tagged(ms: int) -> bytes:
    return bytes(cbor2.dumps(document.Millis.moment(ms), datetime_as_timestamp=True))


QUERY, EC2, JSON, CBOR = Query(), Ec2(), Json(), Cbor()
Protocol = Query | Json | Cbor
