"""The rollout's pure parts, table-driven: judging a step, the step list, durations, dimension values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from provider.rollout.client.api import dimension
from provider.rollout.client.judge import check_steps, judge, parse_duration
from provider.rollout.model import Outcome, Record, Status, StepMetrics, Thresholds, shown_status

GATES = Thresholds(max_error_rate=0.01, max_p99_s=0.5, min_requests=50)


@pytest.mark.parametrize(("m", "t", "firing", "final", "want", "reason"), [
    pytest.param(StepMetrics(200, 0, 0.01), GATES, (), True, Outcome.PASS, None, id="healthy-final"),
    pytest.param(StepMetrics(200, 0, 0.01), GATES, (), False, Outcome.WAIT, None, id="healthy-mid-step"),
    pytest.param(StepMetrics(200, 2, 0.01), GATES, (), True, Outcome.PASS, None, id="rate-at-max-passes"),
    pytest.param(StepMetrics(200, 10, 0.01), GATES, (), False, Outcome.FAIL,
                 "error rate 5.00% (10/200) > max 1.00%", id="5xx-fails-early"),
    pytest.param(StepMetrics(200, 0, 0.8), GATES, (), True, Outcome.FAIL, "p99 800 ms > max 500 ms", id="slow"),
    pytest.param(StepMetrics(10, 10, 2.0), GATES, (), True, Outcome.WAIT, "10 requests < min 50",
                 id="too-few-not-judged"),
    pytest.param(StepMetrics(0, 0, None), GATES, ("canary-5xx",), False, Outcome.FAIL,
                 "alarm canary-5xx is in ALARM", id="alarm-without-traffic"),
    pytest.param(StepMetrics(0, 0, None), Thresholds(min_requests=0), (), True, Outcome.PASS, None,
                 id="no-gates-no-minimum"),
    pytest.param(StepMetrics(100, 100, None), Thresholds(min_requests=0), (), True, Outcome.PASS, None,
                 id="no-rate-gate"),
])
def test_judge(m: StepMetrics, t: Thresholds, firing: tuple[str, ...], final: bool, want: Outcome,
               reason: str | None) -> None:
    verdict = judge(m, t, firing, final)
    assert verdict.outcome is want
    assert (verdict.reasons[0] if verdict.reasons else None) == reason


@pytest.mark.parametrize(("steps", "wrong"), [
    pytest.param((5, 10, 25, 50, 100), None, id="ok"),
    pytest.param((100,), None, id="all-at-once"),
    pytest.param((10, 10, 100), "--steps must increase, got 10,10,100", id="repeat"),
    pytest.param((50, 25, 100), "--steps must increase, got 50,25,100", id="decrease"),
    pytest.param((50, 150), "--steps must each be between 1 and 100, got 50,150", id="over-100"),
    pytest.param((0, 100), "--steps must each be between 1 and 100, got 0,100", id="zero"),
    pytest.param((10, 50), "--steps must end at 100 (the canary takes all traffic), got 50", id="short"),
])
def test_check_steps(steps: tuple[int, ...], wrong: str | None) -> None:
    assert check_steps(steps) == wrong


@pytest.mark.parametrize(("text", "seconds"), [
    pytest.param("30s", 30.0, id="s"), pytest.param("2m", 120.0, id="m"), pytest.param("500ms", 0.5, id="ms"),
    pytest.param("7", 7.0, id="bare"), pytest.param("1.5h", 5400.0, id="h"), pytest.param("soon", None, id="bad"),
    pytest.param("-5s", None, id="negative"),
])
def test_parse_duration(text: str, seconds: float | None) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(("arn", "value"), [
    pytest.param("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/v2/0f3a", "targetgroup/v2/0f3a",
                 id="group"),
    pytest.param("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/50dc/6d0e/9683",
                 "app/web/50dc", id="rule"),
    pytest.param("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc/6d0e", "app/web/50dc",
                 id="listener"),
])
def test_dimension(arn: str, value: str) -> None:
    assert dimension(arn) == value


NOW = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize(("status", "quiet_s", "shown"), [
    pytest.param(Status.RUNNING, 2, Status.RUNNING, id="running-reporting"),
    pytest.param(Status.RUNNING, 60, Status.ABANDONED, id="running-silent"),
    pytest.param(Status.ROLLED_BACK, 3600, Status.ROLLED_BACK, id="finished-stays"),
])
def test_status_tells_a_dead_command(status: Status, quiet_s: int, shown: Status) -> None:
    then = NOW - timedelta(seconds=quiet_s)
    record = Record("r1", "rule", "v2", "v1", (50, 100), 5.0, status, 0, 50, 50, then, then)
    assert shown_status(record, NOW) is shown
