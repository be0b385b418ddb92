"""The rollout's vocabulary: what the user asked (Plan), one step's numbers (StepMetrics), the judgement
(Verdict) and the durable record the server keeps (Record). Exit codes and defaults live here, once.

>>> StepMetrics(requests=200, errors=3, p99_s=0.02).error_rate
0.015
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum

MIN_INTERVAL_S = 5.0  # a local canary is fast; shorter steps would judge a handful of requests
DEFAULT_STEPS = (5, 10, 25, 50, 100)
DEFAULT_INTERVAL_S = 30.0
DEFAULT_MIN_REQUESTS = 50
TICK_S = 1.0  # how often a step re-reads the rule, the alarms and the metrics
HEARTBEAT_STALE_S = 10.0  # a running record not touched for this long belongs to a command that died
UNREACHABLE_S = 30.0  # how long the command rides out an unreachable server before it gives up


class Exit(IntEnum):
    SUCCEEDED = 0
    USAGE = 2  # bad flags or an API error: nothing was judged
    FAILED = 3  # rolled back, or stopped (the rule changed, interrupted): the canary is not at 100%


class Status(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    ROLLED_BACK = "rolled-back"
    STOPPED = "stopped"  # someone else changed the weights; nothing was overwritten
    INTERRUPTED = "interrupted"  # Ctrl-C with --on-interrupt keep: the weights were left as they were
    ABANDONED = "abandoned"  # shown, never stored: a running record whose command stopped reporting


@dataclass(frozen=True, slots=True)
class Thresholds:
    max_error_rate: float | None = None  # 5xx of the canary group / its RequestCount
    max_p99_s: float | None = None  # TargetResponseTime p99 of the canary group
    min_requests: int = DEFAULT_MIN_REQUESTS
    alarms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    target: str  # the rule ARN, or the listener ARN whose default action moves
    to_group: str
    from_group: str
    steps: tuple[int, ...]
    interval_s: float
    thresholds: Thresholds = field(default_factory=Thresholds)
    max_wait_s: float | None = None  # extra wait for min_requests; None: one more interval
    keep_on_interrupt: bool = False

    @property
    def waits_up_to_s(self) -> float:
        return self.interval_s if self.max_wait_s is None else self.max_wait_s


@dataclass(frozen=True, slots=True)
class StepMetrics:
    requests: int
    errors: int  # target 5xx + connections to the group's targets that failed
    p99_s: float | None  # None: no response timed

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WAIT = "wait"  # too few requests yet


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    reasons: tuple[str, ...] = ()  # the numbers against the thresholds, for a FAIL or WAIT


@dataclass(frozen=True, slots=True)
class Record:
    """What `rollout status` lists; the command PUTs it to the server at every change and every tick."""

    id: str
    target: str
    to_group: str
    from_group: str
    steps: tuple[int, ...]
    interval_s: float
    status: Status
    step: int  # index into steps of the weights last set; -1 before the first
    to_weight: int  # the weights last set (what the rule should show)
    from_weight: int
    started_at: datetime
    updated_at: datetime
    reason: str = ""
