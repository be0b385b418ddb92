"""Target health with ALB semantics: the state machine (pure functions) and the monitor the API and the
compiler read. The probes themselves run in provider/targets/schedule.py.

Decisions (from the ALB user guide, target-group-health-checks.md):
- A newly registered target reports `initial` (Elb.RegistrationInProgress until its first probe result,
  then Elb.InitialHealthChecking). "After your target is registered, it must pass one health check to be
  considered healthy": one success moves initial -> healthy; unhealthy_threshold_count failures in a row
  move it to unhealthy. After that, healthy_threshold_count successes / unhealthy_threshold_count failures
  in a row move it between healthy and unhealthy.
- Routing: an ALB routes only to healthy targets (and to `unavailable` ones, whose checks are disabled).
  "If a target group contains only unhealthy registered targets, the load balancer routes requests to all
  those targets" (fail open). `initial` targets count as not healthy: they get no traffic while a healthy
  target exists, and they are routed when none is (a fresh group serves at once, as on AWS).
- Never routed, fail-open or not: draining targets (no new requests), and instance targets whose
  container is stopped (`unused`, Target.InvalidState, like a stopped EC2 instance).
- Targets of a group that no rule forwards to are `unused` (Target.NotInUse) and are not probed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from provider.elbv2.group_routing import minimum_healthy, slow_start_seconds
from provider.elbv2.model import DEREGISTRATION_DELAY_SECONDS, HealthCheck, State, Target, TargetKey
from provider.elbv2.target_health import (
    DISABLED,
    DRAINING,
    FAILED_CHECKS,
    HEALTHY,
    INITIAL_CHECKS,
    NOT_IN_USE,
    NOT_REGISTERED,
    REGISTERING,
    SERVING,
    STOPPED,
    TIMED_OUT,
    TargetHealth,
    TargetHealthState,
    code_mismatch,
)
from provider.targets.slow_start import FULL_WEIGHT, ramp_weight


class Outcome(StrEnum):
    """What one probe saw."""

    OK = "ok"
    CODE_MISMATCH = "code-mismatch"  # answered with a status the matcher rejects
    TIMEOUT = "timeout"  # no status line within the timeout
    FAILED = "failed"  # connection refused, reset, no address...


@dataclass(frozen=True)
class Probe:
    outcome: Outcome
    code: int | None = None  # the status code for CODE_MISMATCH

    def unhealthy(self) -> TargetHealth:
        if self.outcome is Outcome.CODE_MISMATCH:
            return code_mismatch(self.code)
        if self.outcome is Outcome.TIMEOUT:
            return TIMED_OUT
        return FAILED_CHECKS


@dataclass(frozen=True)
class Record:
    """The probe history of one registration of one target: its current verdict and the current streak."""

    registered_at: datetime
    health: TargetHealth = REGISTERING
    successes: int = 0  # consecutive
    failures: int = 0  # consecutive
    healthy_at: datetime | None = None  # when it last became healthy
    ramp_from: datetime | None = None  # the start of its slow start, if it has one (see `_ramp_from`)


def observe(record: Record, probe: Probe, check: HealthCheck) -> Record:
    """The record after one more probe result.

    >>> from datetime import UTC
    >>> observe(Record(datetime(2024, 1, 1, tzinfo=UTC)), Probe(Outcome.OK), HealthCheck()).health.state
    <TargetHealthState.HEALTHY: 'healthy'>
    """
    ok = probe.outcome is Outcome.OK
    successes = record.successes + 1 if ok else 0
    failures = 0 if ok else record.failures + 1
    current = record.health.state
    initial = current == TargetHealthState.INITIAL
    health = INITIAL_CHECKS if initial else record.health
    needed = 1 if initial else check.healthy_threshold_count
    if ok and current != TargetHealthState.HEALTHY and successes >= needed:
        health = HEALTHY
    elif not ok and failures >= check.unhealthy_threshold_count:
        health = probe.unhealthy()  # the latest failure names the reason
    return replace(record, health=health, successes=successes, failures=failures)


def in_use(state: State, tg_arn: str) -> bool:
    """Some rule (a listener's default rule included) forwards to the group."""
    return any(rule.listener_arn in state.listeners for rule in state.rules_by_target_group.get(tg_arn, ()))


def probed(state: State, target: Target, stopped: frozenset[str]) -> bool:
    """Whether the prober should be checking this target now."""
    tg = state.target_groups.get(target.target_group_arn)
    return (
        tg is not None
        and tg.health_check.enabled
        and target.draining_since is None
        and target.id not in stopped
        and in_use(state, tg.arn)
    )


def health_of(state: State, target: Target, record: Record | None, stopped: frozenset[str]) -> TargetHealth:
    """What DescribeTargetHealth reports for ``target`` (looked up again in ``state``)."""
    current = state.targets.get(target.key)
    tg = state.target_groups.get(target.target_group_arn)
    if current is None or tg is None:
        return NOT_REGISTERED
    if current.draining_since is not None:
        return DRAINING
    if not in_use(state, tg.arn):
        return NOT_IN_USE
    if current.id in stopped:
        return STOPPED
    if not tg.health_check.enabled:
        return DISABLED
    if record is None or record.registered_at != current.registered_at:
        return REGISTERING
    return record.health


def routable_targets(
    state: State, tg_arn: str, records: Mapping[TargetKey, Record], stopped: frozenset[str]
) -> tuple[Target, ...]:
    """Healthy and unavailable targets; when there are fewer than the group's minimum (by default 1: none), every
    registered live target (fail open, target_group_health.unhealthy_state_routing.*)."""
    live = [t for t in state.targets_by_group.get(tg_arn, ()) if t.draining_since is None and t.id not in stopped]
    serving = [t for t in live if health_of(state, t, records.get(t.key), stopped).state in SERVING]
    tg = state.target_groups.get(tg_arn)
    needed = minimum_healthy(dict(tg.attributes) if tg else {}, len(live))
    return tuple(serving if serving and len(serving) >= needed else live)


def drained(state: State, now: datetime, time_scale: float = 1.0) -> tuple[Target, ...]:
    """Draining targets whose deregistration delay (scaled) is over: the prober deletes them."""
    out = []
    for t in state.targets.values():
        if t.draining_since is not None:
            tg = state.target_groups.get(t.target_group_arn)
            delay = (tg.deregistration_delay_seconds if tg else DEREGISTRATION_DELAY_SECONDS) * time_scale
            if now - t.draining_since >= timedelta(seconds=delay):
                out.append(t)
    return tuple(out)


class HealthMonitor:
    """Each target's health; `version` bumps whenever some group's routable set changes. It is the domain's
    HealthView (provider/elbv2/target_health.py).

    The prober feeds it probe results (`record_probe`), provider/targets/docker.py the stopped containers
    (`set_stopped`); the API reads `describe`, the compiler `routable` and `version`.
    """

    def __init__(self, time_scale: float = 1.0) -> None:
        self._records: dict[TargetKey, Record] = {}
        self._stopped: frozenset[str] = frozenset()
        self._routes: dict[str, tuple[tuple[TargetKey, int | None], ...]] = {}
        self._weights: dict[str, dict[tuple[str, int], int]] = {}
        self._version = 0
        self._time_scale = time_scale  # slow-start durations scale with health-check timings

    @property
    def version(self) -> int:
        return self._version

    @property
    def stopped(self) -> frozenset[str]:
        return self._stopped

    def describe(self, state: State, target: Target) -> TargetHealth:
        return health_of(state, target, self._records.get(target.key), self._stopped)

    def routable(self, state: State, target_group_arn: str) -> tuple[Target, ...]:
        return routable_targets(state, target_group_arn, self._records, self._stopped)

    def record_probe(self, state: State, target: Target, probe: Probe, now: datetime | None = None) -> TargetHealth:
        """Count one probe of ``target`` under its group's current settings; returns the new health."""
        tg = state.target_groups.get(target.target_group_arn)
        current = state.targets.get(target.key)
        if tg is None or current is None:
            return NOT_REGISTERED
        record = self._records.get(target.key)
        if record is None or record.registered_at != current.registered_at:
            record = Record(current.registered_at)
        was = record.health.state
        record = observe(record, probe, tg.health_check)
        if record.health.state == TargetHealthState.HEALTHY and was != TargetHealthState.HEALTHY:
            at = now or datetime.now(UTC)
            record = replace(record, healthy_at=at, ramp_from=self._ramp_from(state, current, record, at))
        self._records[target.key] = record
        self.refresh(state, now, (tg.arn,))
        return record.health

    def set_stopped(self, state: State, target_ids: Iterable[str]) -> None:
        """Targets whose container is not running; a target leaving or entering this set starts over."""
        stopped = frozenset(target_ids)
        changed = stopped ^ self._stopped
        self._stopped = stopped
        for key in [k for k in self._records if k[1] in changed]:
            del self._records[key]
        self.refresh(state)

    def forget(self, keep: Iterable[TargetKey]) -> None:
        """Drop the records of targets that are gone or no longer probed (they start over as `initial`)."""
        wanted = set(keep)
        for key in [k for k in self._records if k not in wanted]:
            del self._records[key]

    def refresh(self, state: State, now: datetime | None = None, groups: Iterable[str] | None = None) -> bool:
        """Recompute the routable set and slow-start weights of ``groups`` (default: every group); bump `version`
        when one changed. True when it did. The prober calls it every tick while a ramp runs (`ramping`), and for
        a probe's own group after each probe (a probe changes no other group: every group on every probe made
        2,000 targets' probes quadratic)."""
        at = now or datetime.now(UTC)
        arns = state.target_groups if groups is None else [a for a in groups if a in state.target_groups]
        routes = {arn: tuple((t.key, self._ramp(state, t, at)) for t in self.routable(state, arn)) for arn in arns}
        if groups is None:
            if routes == self._routes:
                return False
            self._routes, self._weights = routes, {}
        elif all(self._routes.get(arn) == keyed for arn, keyed in routes.items()):
            return False
        for arn, keyed in routes.items():
            self._routes[arn] = keyed
            self._weights.pop(arn, None)
            if any(w is not None for _, w in keyed):
                self._weights[arn] = {(k[1], k[2]): w or FULL_WEIGHT for k, w in keyed}
        self._version += 1
        return True

    @property
    def ramping(self) -> bool:
        return bool(self._weights)

    def weights(self, target_group_arn: str) -> dict[tuple[str, int], int]:
        """(id, port) -> weight against FULL_WEIGHT while a target of the group ramps up, else {}."""
        return self._weights.get(target_group_arn, {})

    def _ramp_from(self, state: State, target: Target, record: Record, now: datetime) -> datetime | None:
        """Slow start begins when a target becomes healthy beside healthy ones: a recovering target, or one
        registered after another was healthy (targets registered together into an empty group do not ramp)."""
        healthy_at = [
            r.healthy_at
            for t in state.targets_by_group.get(target.target_group_arn, ())
            if t.key != target.key and (r := self._records.get(t.key)) is not None and r.healthy_at is not None
            and r.health.state == TargetHealthState.HEALTHY
        ]  # fmt: skip
        recovering = record.healthy_at is not None
        joined = any(at < target.registered_at for at in healthy_at)
        return now if healthy_at and (recovering or joined) else None

    def _ramp(self, state: State, target: Target, now: datetime) -> int | None:
        record = self._records.get(target.key)
        tg = state.target_groups.get(target.target_group_arn)
        if record is None or record.ramp_from is None or tg is None:
            return None
        if record.health.state != TargetHealthState.HEALTHY:
            return None
        return ramp_weight(record.ramp_from, slow_start_seconds(tg) * self._time_scale, now)
