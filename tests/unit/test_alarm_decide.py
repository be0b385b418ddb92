"""The alarm decision, table-driven: comparison, EvaluationPeriods, DatapointsToAlarm, TreatMissingData."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from provider.cloudwatch.alarm_eval import Point, decide
from provider.cloudwatch.alarm_model import Alarm, Comparison, StateValue, TreatMissing

NOW = datetime(2026, 11, 30, 4, 1, tzinfo=UTC)
T = int(datetime(2026, 11, 30, 4, 0, tzinfo=UTC).timestamp() * 1000)


def alarm(m: int = 3, n: int | None = None, treat: TreatMissing = TreatMissing.MISSING,
          op: Comparison = Comparison.GREATER_OR_EQUAL, state: StateValue = StateValue.OK) -> Alarm:
    return Alarm("a", "arn:aws:cloudwatch:us-east-1:123456789012:alarm:a", m, op, 1.0, 10, NOW, NOW,
                 datapoints_to_alarm=n, treat_missing=treat, state=state)


def pts(*values: float | None) -> list[Point]:
    return [(T + i * 10_000, v) for i, v in enumerate(values)]


@pytest.mark.parametrize(("a", "points", "want"), [
    pytest.param(alarm(), pts(1, 2, 3), StateValue.ALARM, id="all-breach"),
    pytest.param(alarm(), pts(1, 0, 3), StateValue.OK, id="3-of-3-needed"),
    pytest.param(alarm(n=2), pts(1, 0, 3), StateValue.ALARM, id="2-of-3"),
    pytest.param(alarm(op=Comparison.GREATER), pts(1, 1, 1), StateValue.OK, id="greater-not-equal"),
    pytest.param(alarm(op=Comparison.LESS), pts(0, 0, 0), StateValue.ALARM, id="less"),
    pytest.param(alarm(op=Comparison.LESS_OR_EQUAL), pts(1, 1, 2), StateValue.OK, id="less-or-equal-2-of-3"),
    pytest.param(alarm(), pts(None, None, None), StateValue.INSUFFICIENT_DATA, id="missing-all"),
    pytest.param(alarm(n=1), pts(None, 5, None), StateValue.ALARM, id="missing-some-evaluates-present"),
    pytest.param(alarm(treat=TreatMissing.BREACHING), pts(None, None, None), StateValue.ALARM, id="breaching"),
    pytest.param(alarm(treat=TreatMissing.NOT_BREACHING), pts(None, 5, 5), StateValue.OK, id="not-breaching"),
    pytest.param(alarm(treat=TreatMissing.IGNORE, state=StateValue.ALARM), pts(None, None, None), None,
                 id="ignore-keeps"),
])
def test_decide(a: Alarm, points: list[Point], want: StateValue | None) -> None:
    got = decide(a, points, NOW)
    assert (got.state if got else None) == want


def test_reason_names_the_datapoints_and_the_transition_minimum() -> None:
    got = decide(alarm(n=2), pts(1, 0, 3), NOW)
    assert got is not None
    assert got.reason == ("Threshold Crossed: 2 out of the last 3 datapoints [3.0 (30/11/26 04:00:20), 1.0 "
                          "(30/11/26 04:00:00)] were greater than or equal to the threshold (1.0) (minimum 2 "
                          "datapoints for OK -> ALARM transition).")
