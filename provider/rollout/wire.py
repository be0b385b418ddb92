"""A Record as JSON on /rollouts, both ways: what the command PUTs and what the server and `rollout status` read.
Written out here, not borrowed from the store's codec, so the wire form is a contract of its own: the command
loads no store code, and the store may change how it keeps a record without changing what goes over HTTP.

>>> from datetime import UTC, datetime
>>> t = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
>>> r = Record("r1", "rule", "tg-2", "tg-1", (50, 100), 5.0, Status.RUNNING, 0, 50, 50, t, t)
>>> record_json(r)["started_at"], record_of(record_json(r)) == r
('2025-01-02T03:04:05+00:00', True)
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from provider.rollout.model import Record, Status, StepMetrics, Thresholds


class NotARecord(ValueError):
    """The body is not a rollout record (a field missing, unknown or of the wrong kind)."""


def record_json(record: Record) -> dict[str, Any]:
    """Plain JSON values: nested dataclasses as objects, tuples as lists, datetimes as ISO-8601 UTC."""
    return {name: _plain(value) for name, value in asdict(record).items()}


def record_of(body: Any) -> Record:
    """The inverse of record_json; NotARecord says what does not fit."""
    try:
        fields = dict(body)
        fields.update(status=Status(fields["status"]), steps=tuple(fields["steps"]),
                      started_at=_time(fields["started_at"]), updated_at=_time(fields["updated_at"]))
        if "thresholds" in fields:
            gates = dict(fields["thresholds"])
            fields["thresholds"] = Thresholds(**{**gates, "alarms": tuple(gates.get("alarms", ()))})
        if fields.get("last") is not None:
            fields["last"] = StepMetrics(**fields["last"])
        if fields.get("step_ends_at") is not None:
            fields["step_ends_at"] = _time(fields["step_ends_at"])
        fields["alarms_firing"] = tuple(fields.get("alarms_firing", ()))
        return Record(**fields)
    except (KeyError, TypeError, ValueError) as e:
        raise NotARecord(f"{type(e).__name__}: {e}") from None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"a time without its zone: {text!r}")
    return moment
