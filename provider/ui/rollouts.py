"""The rollouts the page shows, as plain values built from the records `elbv2-provider rollout` keeps, one State
(to name the rule, its load balancer and the groups) and the time now. Pure, like view.py.

>>> target_in_words(State(), "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/50dc/6d0e/9683")
'listener-rule/app/web/50dc/6d0e/9683 (not found)'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from provider.elbv2.model import Listener, State
from provider.rollout.model import Record, Status, StepMetrics, Thresholds, shown_status

RECENT_FINISHED = 5  # finished rollouts listed under the running ones


class GateState(StrEnum):
    OK = "ok"
    CROSSED = "crossed"
    PENDING = "pending"  # nothing measured yet, or too few requests to judge


@dataclass(frozen=True, slots=True)
class GateRow:
    """One gate: its threshold next to the number last measured against it."""

    name: str
    threshold: str  # "≤ 1.00%", "not gated"
    measured: str  # "0.50% (1/200)", "-"
    state: GateState


@dataclass(frozen=True, slots=True)
class RolloutView:
    id: str
    status: Status  # as shown: a running record whose command stopped reporting is abandoned
    target: str  # "rule 10 of demo :8000"
    canary: str  # target group names
    stable: str
    steps: tuple[int, ...]
    step: int  # index into steps of the weights last set; -1 before the first
    canary_weight: int
    stable_weight: int
    gates: tuple[GateRow, ...]
    left_s: float | None  # time left in the step's interval; None when not running or not recorded
    reason: str


def rollout_views(records: Iterable[Record], state: State, now: datetime) -> tuple[RolloutView, ...]:
    """Running rollouts first (newest first), then the last RECENT_FINISHED others (latest change first)."""
    records = list(records)
    running = [r for r in records if shown_status(r, now) is Status.RUNNING]
    others = [r for r in records if shown_status(r, now) is not Status.RUNNING]
    running.sort(key=lambda r: (r.started_at, r.id), reverse=True)
    others.sort(key=lambda r: (r.updated_at, r.id), reverse=True)
    return tuple(_view(r, state, now) for r in (*running, *others[:RECENT_FINISHED]))


def _view(r: Record, state: State, now: datetime) -> RolloutView:
    status = shown_status(r, now)
    left = None
    if status is Status.RUNNING and r.step_ends_at is not None:
        left = max(0.0, (r.step_ends_at - now).total_seconds())
    return RolloutView(
        id=r.id,
        status=status,
        target=target_in_words(state, r.target),
        canary=_group(state, r.to_group),
        stable=_group(state, r.from_group),
        steps=r.steps,
        step=r.step,
        canary_weight=r.to_weight,
        stable_weight=r.from_weight,
        gates=gates(r.thresholds, r.last, r.alarms_firing),
        left_s=left,
        reason=r.reason,
    )


def _resource(arn: str) -> str:
    return arn.split(":", 5)[-1]


def _group(state: State, arn: str) -> str:
    tg = state.target_groups.get(arn)
    return tg.name if tg else _resource(arn)


def _listener(state: State, listener: Listener) -> str:
    lb = state.load_balancers.get(listener.load_balancer_arn)
    return f"{lb.name if lb else '?'} :{listener.port}"


def target_in_words(state: State, arn: str) -> str:
    """A rule ARN as 'rule 10 of demo :8000', a listener ARN as 'default action of demo :8000'."""
    rule = state.rules.get(arn)
    if rule is not None and rule.listener_arn in state.listeners:
        which = "default rule" if rule.priority is None else f"rule {rule.priority}"
        return f"{which} of {_listener(state, state.listeners[rule.listener_arn])}"
    listener = state.listeners.get(arn)
    if listener is not None:
        return f"default action of {_listener(state, listener)}"
    return f"{_resource(arn)} (not found)"


def _state(crossed: bool, judged: bool) -> GateState:
    return GateState.CROSSED if crossed else GateState.OK if judged else GateState.PENDING


def gates(t: Thresholds, m: StepMetrics | None, firing: tuple[str, ...]) -> tuple[GateRow, ...]:
    """Each gate against the last numbers, crossed the way judge.py judges: rates and p99 only once
    ``min_requests`` requests were seen, an alarm at any time."""
    enough = m is not None and m.requests >= t.min_requests
    rate, p99 = "-", "-"
    rate_over = p99_over = False
    if m is not None:
        rate = f"{m.error_rate:.2%} ({m.errors}/{m.requests})"
        rate_over = enough and t.max_error_rate is not None and m.error_rate > t.max_error_rate
        if m.p99_s is not None:
            p99 = f"{m.p99_s * 1000:.0f} ms"
            p99_over = enough and t.max_p99_s is not None and m.p99_s > t.max_p99_s
    rows = [
        GateRow(
            "error rate",
            "not gated" if t.max_error_rate is None else f"≤ {t.max_error_rate:.2%}",
            rate,
            _state(rate_over, enough and t.max_error_rate is not None),
        ),
        GateRow(
            "p99 response time",
            "not gated" if t.max_p99_s is None else f"≤ {t.max_p99_s * 1000:.0f} ms",
            p99,
            _state(p99_over, enough and t.max_p99_s is not None and p99 != "-"),
        ),
        GateRow("requests", f"≥ {t.min_requests}", "-" if m is None else str(m.requests), _state(False, enough)),
    ]
    if t.alarms:
        judged = m is not None
        said = ", ".join(f"{a} in ALARM" for a in firing) if firing else "none in ALARM" if judged else "-"
        rows.append(GateRow("alarms", ", ".join(t.alarms), said, _state(bool(firing), judged)))
    return tuple(rows)
