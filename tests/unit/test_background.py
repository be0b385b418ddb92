"""provider/background.py: the loop every background task runs, its failure logging, ticks and cancellation, and the
bounded cancellation of them all at shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest

from provider.background import Due, cancel_all, every

log = logging.getLogger("test.background")


def _run(outcomes: list[bool], seconds: float = 0.001, aligned: bool = False) -> list[float]:
    """Run ``every`` until ``outcomes`` (True: the step succeeds) are used up; returns the times it was told."""
    told: list[float] = []

    async def main() -> None:
        done = asyncio.Event()

        async def step(now: float) -> None:
            told.append(now)
            if len(told) == len(outcomes):
                done.set()
            if not outcomes[min(len(told), len(outcomes)) - 1]:
                raise OSError("the store refused")

        task = asyncio.create_task(every(seconds, step, log=log, failure="could not step", aligned=aligned))
        await asyncio.wait_for(done.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    return told


def test_a_failure_streak_is_logged_once_and_its_end_said(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger=log.name):
        _run([False, False, False, True, True, False, False])
    said = [(r.levelname, r.getMessage(), r.exc_info is not None) for r in caplog.records]
    assert said == [
        ("ERROR", "could not step", True),
        ("INFO", "could not step: working again", False),
        ("ERROR", "could not step", True),
    ]


def test_aligned_steps_are_told_their_tick() -> None:
    told = _run([True] * 3, seconds=0.05, aligned=True)
    assert [round(t / 0.05, 6) % 1 for t in told] == [0.0, 0.0, 0.0]
    assert told == sorted(set(told))  # a later tick each time (a slow machine may skip one)


def test_cancelling_stops_a_step_in_flight() -> None:
    cleaned: list[str] = []

    async def main() -> None:
        started = asyncio.Event()

        async def step(_: float) -> None:
            started.set()
            try:
                await asyncio.sleep(60)
            finally:
                cleaned.append("step")

        task = asyncio.create_task(every(1.0, step, log=log, failure="never"))
        await asyncio.wait_for(started.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert cleaned == ["step"]


def test_a_chore_is_due_at_once_then_once_per_interval() -> None:
    chore = Due(60.0)
    assert [chore.due(), chore.due()] == [True, False]
    always = Due(0.0)
    assert [always.due(), always.due()] == [True, True]


def test_cancel_all_cancels_again_a_lost_cancel_and_leaves_behind_what_never_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ended: dict[str, bool] = {}

    async def main() -> None:
        released = asyncio.Event()

        async def lost_once() -> None:  # as asyncio.wait_for can before Python 3.12: the first cancel is swallowed
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(60)
            await asyncio.sleep(60)

        async def stubborn() -> None:
            while not released.is_set():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.sleep(60)

        async def failing() -> None:
            try:
                await asyncio.sleep(60)
            finally:
                raise OSError("the cleanup failed")

        tasks = {c.__name__: asyncio.create_task(c()) for c in (lost_once, stubborn, failing)}
        await asyncio.sleep(0)
        await cancel_all(tasks.values(), log=log, wait=0.2)
        ended.update({name: task.done() for name, task in tasks.items()})
        released.set()
        tasks["stubborn"].cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)

    with caplog.at_level(logging.ERROR, logger=log.name):
        asyncio.run(main())
    assert ended == {"lost_once": True, "stubborn": False, "failing": True}
    said = sorted(r.getMessage().rpartition("<locals>.")[2] for r in caplog.records)
    assert said == [
        "failing ended with an error",
        "lost_once still running 0.2 s after it was cancelled; cancelling it again",
        "stubborn still running 0.2 s after it was cancelled; cancelling it again",
        "stubborn still running 0.2 s after it was cancelled; leaving it behind",
    ]
