"""The ALB health state machine as pure functions: thresholds, reasons, fail-open, draining, disabled checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from provider.elbv2.model import (
    HealthCheck,
    State,
    Target,
    TargetGroup,
)
from provider.elbv2.target_health import (
    DISABLED,
    DRAINING,
    HEALTHY,
    INITIAL_CHECKS,
    NOT_IN_USE,
    NOT_REGISTERED,
    REGISTERING,
    STOPPED,
    TargetHealth,
)
from provider.targets.health import (
    HealthMonitor,
    Outcome,
    Probe,
    Record,
    drained,
    health_of,
    observe,
    routable_targets,
)
from provider.targets.probe import matches
from tests.support import models
from tests.support.models import target_group

T0 = datetime(2025, 1, 1, tzinfo=UTC)
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef"

DEFAULT_CHECK = HealthCheck()
OK = Probe(Outcome.OK, 200)
E503 = Probe(Outcome.CODE_MISMATCH, 503)
TIMEOUT = Probe(Outcome.TIMEOUT)
REFUSED = Probe(Outcome.FAILED)
MISMATCH_503 = TargetHealth("unhealthy", "Target.ResponseCodeMismatch", "Health checks failed with these codes: [503]")
TIMED_OUT = TargetHealth("unhealthy", "Target.Timeout", "Request timed out")
FAILED = TargetHealth("unhealthy", "Target.FailedHealthChecks", "Health checks failed")


def group(
    check: HealthCheck = DEFAULT_CHECK,
    delay: int | None = None,
    count: str | None = None,
    percentage: str | None = None,
) -> TargetGroup:
    attributes = {"deregistration_delay.timeout_seconds": str(delay)} if delay is not None else {}
    minimum = "target_group_health.unhealthy_state_routing.minimum_healthy_targets."
    attributes |= {minimum + k: v for k, v in (("count", count), ("percentage", percentage)) if v is not None}
    return target_group("web", arn=TG, health_check=check, attributes=attributes, created=T0)


def target(last_octet: int, draining_since: datetime | None = None) -> Target:
    return Target(TG, f"10.0.0.{last_octet}", 80, T0, draining_since=draining_since)


def state(*targets: Target, tg: TargetGroup | None = None, in_use: bool = True) -> State:
    tg = tg or group()
    listener, rule = models.in_use(TG)
    return State(
        target_groups={TG: tg},
        listeners={listener.arn: listener} if in_use else {},
        rules={rule.arn: rule} if in_use else {},
        targets={t.key: t for t in targets},
    )


def run(probes: list[Probe], check: HealthCheck = DEFAULT_CHECK) -> TargetHealth:
    record = Record(T0)
    for p in probes:
        record = observe(record, p, check)
    return record.health


@pytest.mark.parametrize(
    ("probes", "check", "expected"),
    [
        pytest.param([], HealthCheck(), REGISTERING, id="no-probe-yet"),
        pytest.param([OK], HealthCheck(), HEALTHY, id="initial-needs-one-pass"),
        pytest.param([E503], HealthCheck(), INITIAL_CHECKS, id="initial-one-failure"),
        pytest.param([E503, E503], HealthCheck(), MISMATCH_503, id="initial-unhealthy-after-threshold"),
        pytest.param([E503, E503], HealthCheck(unhealthy_threshold_count=3), INITIAL_CHECKS, id="threshold-3-not-yet"),
        pytest.param([E503, OK], HealthCheck(), HEALTHY, id="initial-fail-then-pass"),
        pytest.param([OK, E503], HealthCheck(), HEALTHY, id="healthy-one-failure-stays"),
        pytest.param([OK, E503, E503], HealthCheck(), MISMATCH_503, id="healthy-to-unhealthy"),
        pytest.param([OK, TIMEOUT, TIMEOUT], HealthCheck(), TIMED_OUT, id="timeout-reason"),
        pytest.param([OK, REFUSED, REFUSED], HealthCheck(), FAILED, id="refused-reason"),
        pytest.param([OK, E503, TIMEOUT], HealthCheck(), TIMED_OUT, id="latest-failure-names-reason"),
        pytest.param([OK, E503, OK, E503], HealthCheck(), HEALTHY, id="failures-must-be-consecutive"),
        pytest.param([E503, E503] + [OK] * 4, HealthCheck(), MISMATCH_503, id="unhealthy-needs-5-passes"),
        pytest.param([E503, E503] + [OK] * 5, HealthCheck(), HEALTHY, id="unhealthy-to-healthy"),
        pytest.param(
            [E503, E503, OK, OK, E503, OK, OK],
            HealthCheck(healthy_threshold_count=3),
            MISMATCH_503,
            id="passes-must-be-consecutive",
        ),
        pytest.param([E503, E503, OK, OK], HealthCheck(healthy_threshold_count=2), HEALTHY, id="threshold-2"),
    ],
)
def test_thresholds_and_reasons(probes: list[Probe], check: HealthCheck, expected: TargetHealth) -> None:
    assert run(probes, check) == expected


@pytest.mark.parametrize(
    ("matcher", "code", "expected"),
    [
        pytest.param("200", 200, True, id="exact"),
        pytest.param("200", 204, False, id="exact-miss"),
        pytest.param("200,202", 202, True, id="list"),
        pytest.param("200,202", 201, False, id="list-miss"),
        pytest.param("200-299", 299, True, id="range-end"),
        pytest.param("200-299", 300, False, id="range-miss"),
        pytest.param("200, 300-399", 302, True, id="mixed"),
    ],
)
def test_matcher(matcher: str, code: int, expected: bool) -> None:
    assert matches(matcher, code) is expected


def healthy_record() -> Record:
    return Record(T0, HEALTHY, 1, 0)


def unhealthy_record() -> Record:
    return Record(T0, MISMATCH_503, 0, 2)


@pytest.mark.parametrize(
    ("s", "who", "record", "stopped", "expected"),
    [
        pytest.param(state(target(1)), target(1), None, (), REGISTERING, id="registered-no-probe"),
        pytest.param(state(target(1)), target(1), healthy_record(), (), HEALTHY, id="healthy"),
        pytest.param(state(), target(1), healthy_record(), (), NOT_REGISTERED, id="not-registered"),
        pytest.param(state(target(1), in_use=False), target(1), None, (), NOT_IN_USE, id="group-not-in-use"),
        pytest.param(state(target(1, T0)), target(1), healthy_record(), (), DRAINING, id="draining"),
        pytest.param(
            state(target(1), tg=group(HealthCheck(enabled=False))), target(1), None, (), DISABLED, id="checks-disabled"
        ),
        pytest.param(state(target(1)), target(1), healthy_record(), ("10.0.0.1",), STOPPED, id="container-stopped"),
        pytest.param(
            state(replace(target(1), registered_at=T0 + timedelta(1))),
            target(1),
            healthy_record(),
            (),
            REGISTERING,
            id="re-registered-starts-over",
        ),
    ],
)
def test_health_of(
    s: State, who: Target, record: Record | None, stopped: tuple[str, ...], expected: TargetHealth
) -> None:
    assert health_of(s, who, record, frozenset(stopped)) == expected


def ids(targets: tuple[Target, ...]) -> list[int]:
    return [int(t.id.rsplit(".", 1)[1]) for t in targets]


@pytest.mark.parametrize(
    ("s", "records", "stopped", "expected"),
    [
        pytest.param(state(target(1), target(2)), {1: healthy_record()}, (), [1], id="only-healthy"),
        pytest.param(
            state(target(1), target(2)), {1: healthy_record(), 2: unhealthy_record()}, (), [1], id="unhealthy-excluded"
        ),
        pytest.param(
            state(target(1), target(2)),
            {1: unhealthy_record(), 2: unhealthy_record()},
            (),
            [1, 2],
            id="fail-open-all-unhealthy",
        ),
        pytest.param(state(target(1), target(2)), {}, (), [1, 2], id="fail-open-all-initial"),
        pytest.param(state(target(1), target(2)), {1: unhealthy_record()}, (), [1, 2], id="fail-open-mixed"),
        pytest.param(state(target(1), target(2, T0)), {}, (), [1], id="draining-never-even-fail-open"),
        pytest.param(state(target(1), target(2)), {}, ("10.0.0.2",), [1], id="stopped-never"),
        pytest.param(
            state(target(1), target(2), tg=group(HealthCheck(enabled=False))),
            {},
            (),
            [1, 2],
            id="checks-disabled-routed",
        ),
        pytest.param(state(target(1, T0)), {}, (), [], id="only-draining"),
        pytest.param(
            state(target(1), target(2), target(3), tg=group(count="2")),
            {1: healthy_record(), 2: unhealthy_record(), 3: unhealthy_record()},
            (),
            [1, 2, 3],
            id="below-count-fails-open",
        ),
        pytest.param(
            state(target(1), target(2), target(3), tg=group(count="2")),
            {1: healthy_record(), 2: healthy_record(), 3: unhealthy_record()},
            (),
            [1, 2],
            id="at-count-healthy-only",
        ),
        pytest.param(
            state(target(1), target(2), target(3), target(4), tg=group(percentage="75")),
            {1: healthy_record(), 2: healthy_record(), 4: unhealthy_record()},
            (),
            [1, 2, 3, 4],
            id="below-percentage-fails-open",
        ),
        pytest.param(
            state(target(1), target(2), target(3), target(4), tg=group(percentage="50")),
            {1: healthy_record(), 2: healthy_record(), 4: unhealthy_record()},
            (),
            [1, 2],
            id="at-percentage-healthy-only",
        ),
        pytest.param(
            state(target(1), target(2), target(3), tg=group(count="1", percentage="100")),
            {1: healthy_record(), 2: healthy_record(), 3: unhealthy_record()},
            (),
            [1, 2, 3],
            id="either-threshold-crossed-fails-open",
        ),
    ],
)
def test_routable(s: State, records: dict[int, Record], stopped: tuple[str, ...], expected: list[int]) -> None:
    by_key = {target(n).key: r for n, r in records.items()}
    assert ids(routable_targets(s, TG, by_key, frozenset(stopped))) == expected


@pytest.mark.parametrize(
    ("delay", "scale", "age", "expected"),
    [
        pytest.param(None, 1.0, 299, [], id="default-300-not-yet"),
        pytest.param(None, 1.0, 300, [1], id="default-300-over"),
        pytest.param(0, 1.0, 0, [1], id="zero-delay"),
        pytest.param(30, 0.1, 2.9, [], id="scaled-not-yet"),
        pytest.param(30, 0.1, 3.0, [1], id="scaled-over"),
    ],
)
def test_draining_expiry(delay: int | None, scale: float, age: float, expected: list[int]) -> None:
    s = state(target(1, T0), target(2), tg=group(delay=delay))
    assert ids(drained(s, T0 + timedelta(seconds=age), scale)) == expected


def test_version_bumps_only_when_a_routable_set_changes() -> None:
    s = state(target(1), target(2))
    monitor = HealthMonitor()
    monitor.refresh(s)
    start = monitor.version
    monitor.record_probe(s, target(1), E503)  # initial -> initial: both still fail-open routable
    assert monitor.version == start
    monitor.record_probe(s, target(2), OK)  # 2 healthy: routable {1,2} -> {2}
    assert monitor.version == start + 1
    monitor.record_probe(s, target(2), OK)  # no change
    monitor.record_probe(s, target(1), E503)  # 1 unhealthy, still not routed
    assert monitor.version == start + 1
    assert monitor.describe(s, target(1)) == MISMATCH_503
    monitor.set_stopped(s, ["10.0.0.2"])  # 2 stopped: fail open to 1 alone
    assert ids(monitor.routable(s, TG)) == [1]
    assert monitor.version == start + 2
    monitor.set_stopped(s, [])  # 2 back, starts over as initial: fail open to both
    assert monitor.describe(s, target(2)) == REGISTERING
    assert ids(monitor.routable(s, TG)) == [1, 2]
    assert monitor.version == start + 3


def test_slow_start_ramps_a_target_that_joins_healthy_ones() -> None:
    tg = replace(group(), attributes=(*group().attributes, ("slow_start.duration_seconds", "100")))
    joined = T0 + timedelta(seconds=500)
    late = Target(TG, "10.0.0.3", 80, joined)
    s = state(target(1), target(2), late, tg=tg)
    monitor = HealthMonitor()
    monitor.record_probe(s, target(1), OK, now=T0)  # registered together into an empty group: no ramp
    monitor.record_probe(s, target(2), OK, now=T0 + timedelta(seconds=1))
    assert not monitor.ramping
    monitor.record_probe(s, late, OK, now=joined)  # registered beside two healthy targets: ramps over 100 s
    seen = []
    for elapsed in (0, 25, 50, 99, 100):
        monitor.refresh(s, joined + timedelta(seconds=elapsed))
        seen.append(monitor.weights(TG).get(("10.0.0.3", 80)))
    assert seen == [1, 2, 5, 9, None]
    assert not monitor.ramping  # the ramp is over: no weights, the config is as without slow start


def test_slow_start_off_or_scaled() -> None:
    s = state(target(1), target(2))
    monitor = HealthMonitor(time_scale=0.1)
    monitor.record_probe(s, target(1), OK, now=T0)
    monitor.record_probe(s, target(2), OK, now=T0)
    assert not monitor.ramping  # the attribute is 0: off
    tg = replace(group(), attributes=(("slow_start.duration_seconds", "30"),))
    late = Target(TG, "10.0.0.3", 80, T0 + timedelta(seconds=1))
    s = state(target(1), target(2), late, tg=tg)
    monitor.record_probe(s, late, OK, now=T0 + timedelta(seconds=1))
    monitor.refresh(s, T0 + timedelta(seconds=2.5))  # 1.5 s of 3 s (30 s at scale 0.1)
    assert monitor.weights(TG) == {("10.0.0.1", 80): 10, ("10.0.0.2", 80): 10, ("10.0.0.3", 80): 5}
    monitor.record_probe(s, late, TIMEOUT, now=T0 + timedelta(seconds=3))
    monitor.record_probe(s, late, TIMEOUT, now=T0 + timedelta(seconds=3))  # unhealthy: out of the ramp
    assert not monitor.ramping
    for _ in range(DEFAULT_CHECK.healthy_threshold_count):  # recovered: ramps again
        monitor.record_probe(s, late, OK, now=T0 + timedelta(seconds=10))
    monitor.refresh(s, T0 + timedelta(seconds=10.3))
    assert monitor.weights(TG)[("10.0.0.3", 80)] == 1
