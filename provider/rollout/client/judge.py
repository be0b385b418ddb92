"""Judging one step, pure: its own metrics and the named alarms in, a Verdict out.

>>> judge(StepMetrics(requests=200, errors=10, p99_s=0.02), Thresholds(max_error_rate=0.01), (), final=True)
Verdict(outcome=<Outcome.FAIL: 'fail'>, reasons=('error rate 5.00% (10/200) > max 1.00%',))
"""

from __future__ import annotations

from collections.abc import Sequence

from provider.rollout.model import Outcome, StepMetrics, Thresholds, Verdict


def judge(m: StepMetrics, t: Thresholds, alarms_firing: Sequence[str], final: bool) -> Verdict:
    """FAIL as soon as a gate is crossed (an alarm fires at any time; rates and p99 count only once
    ``min_requests`` requests were seen); at the step's end (``final``) PASS, or WAIT while requests are too few."""
    reasons = [f"alarm {name} is in ALARM" for name in alarms_firing]
    enough = m.requests >= t.min_requests
    if enough and t.max_error_rate is not None and m.error_rate > t.max_error_rate:
        reasons.append(f"error rate {m.error_rate:.2%} ({m.errors}/{m.requests}) > max {t.max_error_rate:.2%}")
    if enough and t.max_p99_s is not None and m.p99_s is not None and m.p99_s > t.max_p99_s:
        reasons.append(f"p99 {m.p99_s * 1000:.0f} ms > max {t.max_p99_s * 1000:.0f} ms")
    if reasons:
        return Verdict(Outcome.FAIL, tuple(reasons))
    if not enough:
        return Verdict(Outcome.WAIT, (f"{m.requests} requests < min {t.min_requests}",))
    return Verdict(Outcome.PASS if final else Outcome.WAIT)


def weights(percent: int) -> tuple[int, int]:
    """(from, to) forward weights for the canary at ``percent``: 25 -> (75, 25)."""
    return 100 - percent, percent


def check_steps(steps: Sequence[int]) -> str | None:
    """What is wrong with a step list, or None: increasing, each in 1..100, ending at 100."""
    if not steps:
        return "--steps is empty"
    if any(not 0 < s <= 100 for s in steps):
        return f"--steps must each be between 1 and 100, got {','.join(map(str, steps))}"
    if any(b <= a for a, b in zip(steps, steps[1:], strict=False)):
        return f"--steps must increase, got {','.join(map(str, steps))}"
    if steps[-1] != 100:
        return f"--steps must end at 100 (the canary takes all traffic), got {steps[-1]}"
    return None


def parse_duration(text: str) -> float | None:
    """'30s' -> 30.0, '2m' -> 120.0, '45' -> 45.0; None when it is not a duration."""
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    for suffix in ("ms", "s", "m", "h"):
        if text.endswith(suffix):
            number, factor = text[: -len(suffix)], scale[suffix]
            break
    else:
        number, factor = text, 1.0
    try:
        value = float(number) * factor
    except ValueError:
        return None
    return value if value >= 0 else None
