"""The rollout's only view of time: wall time for what it records and the metric windows it asks for, a
monotonic reading for how long a step or an outage has lasted, and sleep. Injected, so that tests can run
a rollout's minutes in a moment (tests/support/clock.py).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Wall time, in UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds that only go forward: durations survive the wall clock being set."""
        ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


SYSTEM = SystemClock()
