"""Time that passes only when the code under test sleeps: a rollout's minutes run in a moment, and every
reading is exact (provider/rollout/client/clock.py is the real one). A loop that never ends would spin
forever on such a clock, so past ``limit_s`` of its own time a sleep fails the test instead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

LIMIT_S = 3600.0  # far beyond any rollout a test runs


class TimeRanOut(AssertionError):
    pass


class FakeClock:
    def __init__(self, start: datetime | None = None, limit_s: float = LIMIT_S) -> None:
        self.start = start or datetime.now(UTC).replace(microsecond=0)
        self.elapsed, self.limit_s = 0.0, limit_s

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed)

    def monotonic(self) -> float:
        return self.elapsed

    def sleep(self, seconds: float) -> None:
        self.elapsed += seconds
        if self.elapsed > self.limit_s:
            raise TimeRanOut(f"still sleeping after {self.limit_s:g}s of fake time")
