"""A rollout Record as JSON on /rollouts: every field survives the round trip, and a body that is not a record
is refused with the reason (the server answers 400 with it)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from provider.rollout.model import Record, Status, StepMetrics, Thresholds
from provider.rollout.wire import NotARecord, record_json, record_of

T = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
FULL = Record("r1", "rule", "v2", "v1", (25, 100), 5.0, Status.ROLLED_BACK, 1, 0, 100, T, T + timedelta(seconds=9),
              "alarm a is in ALARM", Thresholds(0.01, 0.5, 20, ("a", "b")), StepMetrics(40, 3, 0.25), ("a",),
              T + timedelta(seconds=10))


def test_every_field_survives_json() -> None:
    body = json.loads(json.dumps(record_json(FULL)))
    assert record_of(body) == FULL
    assert (body["status"], body["steps"], body["last"]) == ("rolled-back", [25, 100],
                                                            {"requests": 40, "errors": 3, "p99_s": 0.25})


def test_optional_fields_take_their_defaults() -> None:
    optional = ("reason", "thresholds", "last", "alarms_firing", "step_ends_at")
    body = {k: v for k, v in record_json(FULL).items() if k not in optional}
    assert record_of(body) == dataclasses.replace(FULL, reason="", thresholds=Thresholds(), last=None,
                                                  alarms_firing=(), step_ends_at=None)


@pytest.mark.parametrize(("change", "says"), [
    pytest.param({"status": "paused"}, "ValueError", id="unknown-status"),
    pytest.param({"started_at": "yesterday"}, "ValueError", id="not-a-time"),
    pytest.param({"started_at": "2026-11-30T05:00:00"}, "without its zone", id="naive-time"),
    pytest.param({"colour": "red"}, "colour", id="unknown-field"),
    pytest.param({"id": None, "target": None, "steps": 5}, "TypeError", id="steps-not-a-list"),
])
def test_not_a_record(change: dict[str, Any], says: str) -> None:
    with pytest.raises(NotARecord, match=says):
        record_of(record_json(FULL) | change)


def test_a_missing_field_is_named() -> None:
    body = record_json(FULL)
    del body["target"]
    with pytest.raises(NotARecord, match="target"):
        record_of(body)
