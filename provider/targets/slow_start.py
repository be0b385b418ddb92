"""Slow start (``slow_start.duration_seconds``), pure: a target that becomes healthy while others of its group
already are gets a linearly growing share of their traffic, in RAMP_STEPS steps over the duration.

Traefik has no slow start; the ramp is written as server weights (a ramping target ``1..RAMP_STEPS-1``, the
others FULL_WEIGHT), so the config changes RAMP_STEPS times per ramp and not at all otherwise.

>>> from datetime import UTC, datetime, timedelta
>>> t0 = datetime(2025, 1, 1, tzinfo=UTC)
>>> [ramp_weight(t0, 30, t0 + timedelta(seconds=s)) for s in (0, 1, 15, 29, 30)]
[1, 1, 5, 9, None]
"""

from __future__ import annotations

import math
from datetime import datetime

RAMP_STEPS = 10
FULL_WEIGHT = RAMP_STEPS


def ramp_weight(healthy_since: datetime, duration_s: float, now: datetime) -> int | None:
    """The target's weight against FULL_WEIGHT, or None once the ramp is over (or slow start is off)."""
    if duration_s <= 0:
        return None
    elapsed = (now - healthy_since).total_seconds()
    if elapsed >= duration_s:
        return None
    return max(1, math.floor(RAMP_STEPS * elapsed / duration_s))
