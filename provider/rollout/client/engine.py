"""The rollout loop: set a step's weights, watch the step (the rule, the alarms, the canary's metrics) every
tick, judge it, and either move on, roll back in one call, or stop without writing when someone else moved
the weights. All I/O goes through Api (the step's numbers through Metrics, Api's CloudWatch query unless told);
every reading of time and every wait through Clock; the judgement is judge.py's.

Usage: ``Rollout(plan, Api(url), Text(sys.stdout)).run()`` -> Exit.SUCCEEDED, Exit.FAILED or Exit.USAGE.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from provider.rollout.client.api import UNREACHABLE, Api, ApiFailure, Forward
from provider.rollout.client.clock import SYSTEM, Clock
from provider.rollout.client.display import Display
from provider.rollout.client.judge import judge, weights
from provider.rollout.model import TICK_S, UNREACHABLE_S, Exit, Outcome, Plan, Record, Status, StepMetrics

T = TypeVar("T")


class Metrics(Protocol):
    """Where a step's numbers come from: Api asks CloudWatch; a test may say what they are."""

    def step_metrics(self, target: str, group: str, start: datetime, end: datetime) -> StepMetrics: ...


class Usage(Exception):
    """The plan does not fit the rule or the alarms: nothing was changed (exit 2)."""


class Unreachable(Exception):
    """The server did not answer for UNREACHABLE_S."""


def resolve_from(plan: Plan, groups: dict[str, int]) -> str:
    """The stable group: --from when given, else the only other group of the rule."""
    if plan.to_group not in groups:
        raise Usage(f"target group {plan.to_group} is not in the forward action of {plan.target}")
    if plan.from_group:
        if plan.from_group not in groups:
            raise Usage(f"target group {plan.from_group} is not in the forward action of {plan.target}")
        if plan.from_group == plan.to_group:
            raise Usage("--from and --to name the same target group")
        return plan.from_group
    others = [g for g in groups if g != plan.to_group]
    if len(others) != 1:
        raise Usage(f"{plan.target} forwards to {len(groups)} target groups: say which is stable with --from")
    return others[0]


class Rollout:
    def __init__(self, plan: Plan, api: Api, display: Display, clock: Clock = SYSTEM,
                 metrics: Metrics | None = None) -> None:
        self.plan, self.api, self.display, self.clock = plan, api, display, clock
        self.metrics: Metrics = metrics or api
        self.expected: dict[str, int] = {}
        self.forward = Forward({}, [])
        now = clock.now()
        self.record = Record(f"{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}", plan.target, plan.to_group,
                             plan.from_group, plan.steps, plan.interval_s, Status.RUNNING, -1, 0, 0, now, now,
                             thresholds=plan.thresholds)

    def run(self) -> Exit:
        try:
            return self._run()
        except KeyboardInterrupt:
            if self.plan.keep_on_interrupt or not self.expected:
                return self._finish(Status.INTERRUPTED, "interrupted: the weights were left as they are")
            return self._rollback(["interrupted"])
        except Usage as e:
            self.display.event("error", reason=str(e))
            return Exit.USAGE
        except ApiFailure as e:
            self.display.event("error", reason=f"the server refused a call: {e}; {self._where()}")
            return Exit.USAGE
        except Unreachable as e:
            self.display.event("error", reason=f"{e}; {self._where()}; `elbv2-provider rollout status` shows it")
            return Exit.USAGE

    def _where(self) -> str:
        if not self.expected:
            return "nothing was changed"
        return f"weights left at canary {self.record.to_weight}% / stable {self.record.from_weight}%"

    def _call(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)``, riding out an unreachable server (restarting, say) for UNREACHABLE_S."""
        deadline = self.clock.monotonic() + UNREACHABLE_S
        while True:
            try:
                return fn(*args)
            except UNREACHABLE as e:
                left = deadline - self.clock.monotonic()
                if left <= 0:
                    raise Unreachable(f"the server did not answer for {UNREACHABLE_S:.0f}s ({e})") from None
                self.display.event("unreachable", error=type(e).__name__, left_s=left)
                self.clock.sleep(TICK_S)

    def _save(self, **changes: Any) -> None:
        self.record = dataclasses.replace(self.record, updated_at=self.clock.now(), **changes)
        self._call(self.api.put_record, self.record)

    def _run(self) -> Exit:
        plan = self.plan
        self.forward = self._call(self.api.forward, plan.target)
        from_group = resolve_from(plan, self.forward.groups)
        self.plan = plan = dataclasses.replace(plan, from_group=from_group)
        states = self._call(self.api.alarm_states, plan.thresholds.alarms)
        unknown = [a for a in plan.thresholds.alarms if a not in states]
        if unknown:
            raise Usage(f"no such alarm: {', '.join(unknown)}")
        self.expected = dict(self.forward.groups)
        self._save(from_group=from_group, to_weight=self.expected[plan.to_group],
                   from_weight=self.expected[from_group])
        self.display.event("start", id=self.record.id, target=plan.target, to_group=plan.to_group,
                           from_group=from_group, steps=list(plan.steps), interval_s=plan.interval_s)
        for i, percent in enumerate(plan.steps):
            done = self._step(i, percent)
            if done is not None:
                return done
        return self._finish(Status.SUCCEEDED, f"canary {plan.to_group} takes 100%")

    def _drifted(self) -> str | None:
        self.forward = self._call(self.api.forward, self.plan.target)
        if self.forward.groups == self.expected:
            return None
        return f"the weights were changed by someone else (now {self.forward.groups}, the rollout set {self.expected})"

    def _set(self, percent: int) -> None:
        stable, canary = weights(percent)
        new = {**self.expected, self.plan.from_group: stable, self.plan.to_group: canary}
        self._call(self.api.set_weights, self.plan.target, self.forward, new)
        self.expected = new

    def _step(self, i: int, percent: int) -> Exit | None:
        plan, of = self.plan, len(self.plan.steps)
        drift = self._drifted()
        if drift:
            return self._finish(Status.STOPPED, drift)
        self._set(percent)
        stable, canary = weights(percent)
        ends = self.clock.now() + timedelta(seconds=plan.interval_s)
        self._save(step=i, to_weight=canary, from_weight=stable, last=None, alarms_firing=(), step_ends_at=ends)
        self.display.event("step", step=i + 1, of=of, to_weight=canary, from_weight=stable)
        started, t0, said_waiting = self.clock.now(), self.clock.monotonic(), False
        while True:
            self.clock.sleep(TICK_S)
            elapsed = self.clock.monotonic() - t0
            drift = self._drifted()
            if drift:
                return self._finish(Status.STOPPED, drift)
            states = self._call(self.api.alarm_states, plan.thresholds.alarms)
            firing = [name for name in plan.thresholds.alarms if states.get(name) == "ALARM"]
            m = self._call(self.metrics.step_metrics, plan.target, plan.to_group, started, self.clock.now())
            verdict = judge(m, plan.thresholds, firing, final=elapsed >= plan.interval_s)
            numbers = _numbers(m)
            self.display.event("progress", step=i + 1, of=of, to_weight=canary, from_weight=stable,
                               left_s=max(0.0, plan.interval_s - elapsed), **numbers)
            self._save(last=m, alarms_firing=tuple(firing))  # also the heartbeat that tells a live rollout
            if verdict.outcome is Outcome.FAIL:
                return self._rollback(list(verdict.reasons), step=i + 1, **numbers)
            if verdict.outcome is Outcome.PASS:
                self.display.event("passed", step=i + 1, of=of, **numbers)
                return None
            if elapsed >= plan.interval_s + plan.waits_up_to_s:
                return self._rollback([f"too few requests: {m.requests} in {elapsed:.0f}s, min "
                                       f"{plan.thresholds.min_requests}"], step=i + 1, **numbers)
            if elapsed >= plan.interval_s and not said_waiting:
                said_waiting = True
                self.display.event("waiting", reason=verdict.reasons[0],
                                   left_s=plan.interval_s + plan.waits_up_to_s - elapsed)

    def _rollback(self, reasons: list[str], **numbers: Any) -> Exit:
        """One call puts 100% back on the stable group."""
        self._set(0)
        self._save(status=Status.ROLLED_BACK, to_weight=0, from_weight=100, reason="; ".join(reasons))
        self.display.event("rolled-back", reason="; ".join(reasons), reasons=reasons, **numbers)
        return Exit.FAILED

    def _finish(self, status: Status, reason: str) -> Exit:
        self._save(status=status, reason=reason)
        self.display.event(str(status), reason=reason)
        return Exit.SUCCEEDED if status is Status.SUCCEEDED else Exit.FAILED


def _numbers(m: StepMetrics) -> dict[str, Any]:
    return {"requests": m.requests, "errors": m.errors, "error_rate": m.error_rate, "p99_s": m.p99_s}
