"""Property: whatever JSON or CBOR a client sends to the endpoint, the answer is never a 5xx, and every error
is an envelope botocore reads."""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

import cbor2
import pytest
from botocore.parsers import create_parser
from hypothesis import given, settings
from hypothesis import strategies as st

from provider.aws import load
from tests.support.asgi import build_app

pytestmark = pytest.mark.slow

MODEL = load("cloudwatch")
CLIENT = build_app({name: lambda region, params: {} for name in MODEL.ops})
NAMES = sorted({wire for op in MODEL.ops.values() for wire in op.input.members} | {"Name", "Value", "Values"})
OPERATIONS = st.sampled_from([*sorted(MODEL.ops), "Nope", "", "ListMetrics.x", "%2e%2e"])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(["Sum", "p99", "Count", "AWS/ApplicationELB", "", "2026-11-30T00:00:00Z"]),
)
JSON_DOCS = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(NAMES), inner, max_size=5),
    max_leaves=25,
)
CBOR_DOCS = st.recursive(
    SCALARS | st.binary(max_size=8) | st.datetimes(timezones=st.just(UTC)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(NAMES), inner, max_size=5),
    max_leaves=25,
)


def _check(response: Any, protocol: str) -> None:
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        raw = {"body": response.content, "headers": dict(response.headers), "status_code": response.status_code}
        assert create_parser(protocol).parse(raw, None)["Error"]["Code"]


def _json(operation: str, body: bytes) -> None:
    headers = {"X-Amz-Target": f"GraniteServiceVersion20100801.{operation}"}
    _check(CLIENT.post("/", content=body, headers=headers), "json")


def _cbor(operation: str, body: bytes) -> None:
    path = f"/service/GraniteServiceVersion20100801/operation/{operation or 'x'}"
    _check(CLIENT.post(path, content=body, headers={"smithy-protocol": "rpc-v2-cbor"}), "smithy-rpc-v2-cbor")


@settings(max_examples=300, deadline=None, database=None)
@given(OPERATIONS, st.dictionaries(st.sampled_from(NAMES), JSON_DOCS, max_size=6))
def test_json_documents(operation: str, document: dict[str, Any]) -> None:
    _json(operation, json.dumps(document).encode())


@settings(max_examples=300, deadline=None, database=None)
@given(OPERATIONS, st.dictionaries(st.sampled_from(NAMES), CBOR_DOCS, max_size=6))
def test_cbor_documents(operation: str, document: dict[str, Any]) -> None:
    _cbor(operation, cbor2.dumps(document, datetime_as_timestamp=True))


@settings(max_examples=200, deadline=None, database=None)
@given(OPERATIONS, st.binary(max_size=200))
def test_arbitrary_bytes(operation: str, body: bytes) -> None:
    _json(operation, body)
    _cbor(operation, body)
