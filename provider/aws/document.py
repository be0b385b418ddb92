"""JSON and CBOR documents <-> params: the scalar rules of awsJson1_0 and smithy-rpc-v2-cbor.

Both protocols carry a structure keyed by member names (PascalCase); they differ only in scalars:

| shape     | json                         | cbor                                  |
|-----------|------------------------------|---------------------------------------|
| timestamp | epoch seconds (number)       | tag 1 (epoch seconds), read as datetime |
| blob      | base64 string                | byte string                           |

>>> from provider.aws.model import load
>>> output = load("cloudwatch").ops["GetMetricStatistics"].output
>>> to_document({"label": "x", "datapoints": [{"timestamp": datetime(2026, 1, 1, tzinfo=UTC)}]}, output, JSON)
{'Label': 'x', 'Datapoints': [{'Timestamp': 1767225600.0}]}
"""

from __future__ import annotations

from base64 import b64decode, b64encode
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from provider.aws.constraints import CoercionError, expected
from provider.aws.model import Shape

_INT_RANGE = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


def _timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (ValueError, OverflowError, OSError):
            pass
    raise CoercionError(expected("timestamp"))


_SPECIAL_NUMBERS = ("NaN", "Infinity", "-Infinity")


def _common(raw: Any, shape: Shape) -> Any:
    """Scalars both protocols encode alike; timestamps and blobs are left to the caller."""
    kind = shape.type
    if kind == "string" and isinstance(raw, str):
        return raw
    if kind == "boolean" and isinstance(raw, bool):
        return raw
    if kind in _INT_RANGE and isinstance(raw, int) and not isinstance(raw, bool):
        low, high = _INT_RANGE[kind]
        if low <= raw <= high:
            return raw
    if kind in ("double", "float") and isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)  # NaN and Infinity too: the validation refuses them with AWS's text
    raise CoercionError(expected(kind))


def read_json(raw: Any, shape: Shape) -> Any:
    if shape.type in ("double", "float") and raw in _SPECIAL_NUMBERS:  # how awsJson writes them (botocore does)
        return float(raw)
    if shape.type == "timestamp":
        return _timestamp(raw)
    if shape.type == "blob":
        try:
            return b64decode(raw, validate=True) if isinstance(raw, str) else _common(raw, shape)
        except ValueError:
            raise CoercionError(expected("blob")) from None
    return _common(raw, shape)


def read_cbor(raw: Any, shape: Shape) -> Any:
    if shape.type == "timestamp":
        return _timestamp(raw)
    if shape.type == "blob" and isinstance(raw, bytes):
        return raw
    return _common(raw, shape)


class Millis(list[int]):
    """Timestamps as epoch milliseconds, the store's own time: a day of datapoints' period starts (10,000s in one
    answer), which every protocol writes from these ints at once, never through a datetime each."""

    @staticmethod
    def moment(ms: int) -> datetime:
        """One of them as the aware datetime a protocol's writer formats (each writer caches its own text)."""
        return datetime.fromtimestamp(ms / 1000, UTC)


@dataclass(frozen=True, slots=True)
class Timestamps:
    """A list of timestamps left for the CBOR writer to encode at once (protocols.Cbor)."""

    millis: Millis


@dataclass(frozen=True, slots=True)
class Encoding:
    """How a document carries the two scalars that differ (and a list of timestamps, a day of datapoints)."""

    timestamp: Callable[[datetime], Any]
    blob: Callable[[bytes], Any]
    timestamps: Callable[[Millis], Any]


JSON = Encoding(timestamp=lambda moment: moment.timestamp(), blob=lambda data: b64encode(data).decode(),
                timestamps=lambda millis: [ms / 1000 for ms in millis])
CBOR = Encoding(timestamp=lambda moment: moment, blob=lambda data: data,  # cbor2 writes datetimes as tag 1
                timestamps=Timestamps)


def _moment(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromtimestamp(float(value), UTC)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _scalar(value: Any, shape: Shape, encoding: Encoding) -> Any:
    kind = shape.type
    if isinstance(value, Enum):
        value = value.value
    if kind == "timestamp":
        return encoding.timestamp(_moment(value))
    if kind == "blob":
        return encoding.blob(value if isinstance(value, bytes) else str(value).encode())
    if kind == "boolean":
        return value.lower() == "true" if isinstance(value, str) else bool(value)
    if kind in _INT_RANGE:
        return int(value)
    if kind in ("double", "float"):
        return float(value)
    return value if type(value) is str else str(value)


def to_document(value: Any, shape: Shape, encoding: Encoding) -> Any:
    """A result (snake_case keys) -> the protocol's document (member names), walking `shape`; None is left out."""
    kind = shape.type
    if kind == "structure":
        out: dict[str, Any] = {}
        for member in shape.members.values():
            item = value.get(member.snake) if isinstance(value, Mapping) else None
            if item is not None:
                out[member.wire] = to_document(item, member.shape, encoding)
        return out
    if kind == "list":
        each = shape.member
        assert each is not None
        # long lists of scalars (a day of datapoints is 10,000s) skip the per-item walk
        if each.type in ("double", "float"):
            return [float(item) for item in value if item is not None]
        if each.type == "timestamp":
            return encoding.timestamps(value if isinstance(value, Millis) else Millis(
                round(_moment(m).timestamp() * 1000) for m in value if m is not None))
        return [to_document(item, each, encoding) for item in value if item is not None]
    if kind == "map":
        assert shape.key is not None and shape.value is not None
        return {
            _scalar(key, shape.key, encoding): to_document(item, shape.value, encoding)
            for key, item in value.items()
            if item is not None
        }
    return _scalar(value, shape, encoding)
