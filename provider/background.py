"""The shape of every background task: a step run again and again until cancelled.

``every(1.0, step, log=log, failure="could not evaluate alarms")`` runs ``step(now)`` at once and then one
second after each run ends. A failing step is logged once per streak of failures, with its traceback, and run
again at the next tick: a store that refuses for a minute is one error line, not sixty. Cancelling the task
cancels the step in flight; the caller's own ``finally`` does its cleanup. At shutdown ``cancel_all`` ends them
all, in bounded time.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Collection

Step = Callable[[float], Awaitable[None]]  # told the wall-clock time (epoch s) it runs for
# A worker thread's Python work gives the GIL back to the event loop within this long (CPython's default: 5 ms), so
# API calls and config polls (the metrics process's internal calls) do not wait behind a task's step.
GIL_SWITCH_S = 0.0005
# How long shutdown waits for the tasks' cleanup (the supervisor's stop of its Traefiks takes ~2.5 s, at most ~9 s)
# before it cancels the ones left again, and then how long once more before it leaves them behind.
CANCEL_WAIT_S = 10.0


async def every(seconds: float, step: Step, *, log: logging.Logger, failure: str, aligned: bool = False) -> None:
    """Run ``step`` until cancelled: at once, then ``seconds`` after each run ends; or, when ``aligned``, at each
    multiple of ``seconds`` of the wall clock (the step is told that tick), so each run covers whole ticks."""
    failing = False
    while True:
        if aligned:
            now = next_tick(time.time(), seconds)
            await asyncio.sleep(max(0.0, now - time.time()))
        else:
            now = time.time()
        try:
            await step(now)
        except Exception:  # logged, and tried again at the next tick: a background task must not end on an error
            if not failing:
                log.exception(failure)
            failing = True
        else:
            if failing:
                log.info("%s: working again", failure)
            failing = False
        if not aligned:
            await asyncio.sleep(seconds)


async def cancel_all(
    tasks: Collection[asyncio.Task[None]], *, log: logging.Logger, wait: float = CANCEL_WAIT_S
) -> None:
    """Cancel ``tasks`` and wait, at most ``wait`` s, for their cleanup (``finally`` blocks). One still running then
    is cancelled again: a cancellation can be lost (``asyncio.wait_for`` before Python 3.12, CPython gh-86296). One
    still running after that is left behind, named in the log: shutdown never waits forever."""
    pending = set(tasks)
    for then in ("cancelling it again", "leaving it behind"):
        if not pending:
            return
        for task in pending:
            task.cancel()
        done, pending = await asyncio.wait(pending, timeout=wait)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                log.error("%s ended with an error", _name(task), exc_info=task.exception())
        for task in pending:
            log.error("%s still running %g s after it was cancelled; %s", _name(task), wait, then)


def _name(task: asyncio.Task[None]) -> str:
    return str(getattr(task.get_coro(), "__qualname__", task.get_name()))


def next_tick(now: float, seconds: float) -> float:
    """The first multiple of ``seconds`` after ``now`` (strictly: a tick just reached is not waited for again).

    >>> next_tick(10.2, 0.5), next_tick(10.5, 0.5)
    (10.5, 11.0)
    """
    return math.ceil(now / seconds + 1e-6) * seconds


class Due:
    """A slower chore inside a faster loop: ``due()`` is true at once, then at most every ``seconds``."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._next = 0.0

    def due(self) -> bool:
        now = time.monotonic()
        if now < self._next:
            return False
        self._next = now + self.seconds
        return True
