"""Bounded waits, written once: ``wait_for(what, predicate, timeout)`` fails the test with ``what`` when the
predicate is still false at the deadline; ``until`` says whether it became true. Nothing asserts on how long it
took."""

from __future__ import annotations

import time
from collections.abc import Callable

WAIT_S = 15.0
INTERVAL_S = 0.05


def until(
    predicate: Callable[[], object],
    timeout: float = WAIT_S,
    *,
    interval: float = INTERVAL_S,
    ignore: tuple[type[BaseException], ...] = (),
) -> bool:
    """Whether ``predicate()`` turned true within ``timeout`` seconds (asked once more at the deadline); the
    exceptions in ``ignore`` count as false."""
    deadline = time.monotonic() + timeout
    while True:
        last = time.monotonic() >= deadline
        try:
            if predicate():
                return True
        except ignore:
            pass
        if last:
            return False
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))


def wait_for(
    what: str,
    predicate: Callable[[], object],
    timeout: float = WAIT_S,
    *,
    interval: float = INTERVAL_S,
    ignore: tuple[type[BaseException], ...] = (),
    detail: Callable[[], str] | None = None,
) -> None:
    """Return once ``predicate()`` is true; fail the test naming ``what`` (and ``detail()``, e.g. a log) if it is
    still false after ``timeout`` seconds."""
    if not until(predicate, timeout, interval=interval, ignore=ignore):
        raise AssertionError(f"not within {timeout:g}s: {what}" + (f"\n{detail()}" if detail else ""))
