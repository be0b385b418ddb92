"""The prober against real HTTP backends on loopback whose health we flip: 200, 503, hang, stop listening."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest

from provider.elbv2.model import (
    HealthCheck,
    Target,
)
from provider.store import Store
from provider.targets.health import HealthMonitor, TargetHealth
from provider.targets.schedule import run_health
from tests.support.backends import Answer, Backend, Request
from tests.support.models import in_use, target_group
from tests.support.waiting import wait_for

WAIT_S = 20.0
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef"
FAST = HealthCheck(interval_seconds=5, timeout_seconds=2, healthy_threshold_count=2, unhealthy_threshold_count=2)


class Flipping(Backend):
    """A loopback backend whose health check answer we choose: ``mode`` "ok", "503" or "hang" (past the timeout);
    stop() closes the port, start() opens it again. Each connection closes after its answer."""

    def __init__(self) -> None:
        self.mode = "ok"
        super().__init__("flipping", self.answer, keep_alive=False)

    def answer(self, _: Request) -> Answer:
        if self.mode == "hang":
            time.sleep(1.5)
        return (503 if self.mode == "503" else 200), b"ok\n"


@dataclass
class Rig:
    store: Store
    health: HealthMonitor
    backends: list[Flipping]

    def target(self, backend: Flipping) -> Target:
        for t in self.store.snapshot().targets.values():
            if t.port == backend.port:
                return t
        raise KeyError(backend.port)

    def describe(self, backend: Flipping) -> TargetHealth:
        return self.health.describe(self.store.snapshot(), self.target(backend))

    def routable(self) -> set[int]:
        return {t.port for t in self.health.routable(self.store.snapshot(), TG)}

    def register(self, backend: Flipping) -> None:
        with self.store.write() as tx:
            tx.put(Target(TG, "127.0.0.1", backend.port, datetime.now(UTC)))

    def modify(self, **changes: object) -> None:
        with self.store.write() as tx:
            tg = tx.state.target_groups[TG]
            tx.put(replace(tg, health_check=replace(tg.health_check, **changes)))  # type: ignore[arg-type]


def rig(count: int, check: HealthCheck, scale: float, delay: int = 300) -> Iterator[Rig]:
    """A store holding one group in use with `count` backends registered, and the prober running on a thread."""
    store = Store(":memory:")
    health = HealthMonitor()
    backends = [Flipping() for _ in range(count)]
    now = datetime.now(UTC)
    attributes = {"deregistration_delay.timeout_seconds": str(delay)}
    with store.write() as tx:
        tx.put(target_group("web", arn=TG, health_check=check, attributes=attributes, created=now))
        for resource in in_use(TG):
            tx.put(resource)
    r = Rig(store, health, backends)
    for b in backends:
        r.register(b)
    loop = asyncio.new_event_loop()
    task = loop.create_task(run_health(store, health, time_scale=scale))

    def run() -> None:
        with contextlib.suppress(asyncio.CancelledError):
            loop.run_until_complete(task)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield r
    finally:
        loop.call_soon_threadsafe(task.cancel)
        thread.join(10)
        loop.close()
        for b in backends:
            b.stop()
        store.close()


@pytest.fixture
def two() -> Iterator[Rig]:
    yield from rig(2, FAST, scale=0.1)  # interval 0.5 s, timeout 0.2 s


def test_flipping_backend_walks_through_alb_states(two: Rig) -> None:
    a, b = two.backends
    wait_for("both healthy", lambda: two.describe(a).state == two.describe(b).state == "healthy",
             timeout=WAIT_S)
    assert two.routable() == {a.port, b.port}

    b.mode = "503"
    wait_for("b unhealthy", lambda: two.describe(b).state == "unhealthy",
             timeout=WAIT_S)
    assert two.describe(b).reason == "Target.ResponseCodeMismatch"
    assert two.describe(b).description == "Health checks failed with these codes: [503]"
    assert two.routable() == {a.port}

    b.mode = "hang"
    wait_for("b timed out", lambda: two.describe(b).reason == "Target.Timeout",
             timeout=WAIT_S)
    assert two.describe(b) == TargetHealth("unhealthy", "Target.Timeout", "Request timed out")

    b.mode = "ok"
    b.stop()
    wait_for("b refused", lambda: two.describe(b).reason == "Target.FailedHealthChecks",
             timeout=WAIT_S)
    assert two.routable() == {a.port}

    a.stop()
    wait_for("a unhealthy", lambda: two.describe(a).state == "unhealthy",
             timeout=WAIT_S)
    assert two.routable() == {a.port, b.port}  # every target unhealthy: fail open

    b.start()
    wait_for("b back", lambda: two.describe(b).state == "healthy",
             timeout=WAIT_S)
    assert two.describe(b).reason is None
    assert two.routable() == {b.port}


def test_version_bumps_on_routing_changes_only(two: Rig) -> None:
    a, b = two.backends
    wait_for("both healthy", lambda: two.routable() == {a.port, b.port} and two.describe(b).state == "healthy",
             timeout=WAIT_S)
    before = two.health.version
    hits = b.hits
    wait_for("several probes", lambda: b.hits >= hits + 4,
             timeout=WAIT_S)
    assert two.health.version == before  # probes that change nothing do not touch the config
    b.mode = "503"
    wait_for("b out", lambda: two.routable() == {a.port},
             timeout=WAIT_S)
    assert two.health.version == before + 1


def test_modified_settings_apply_at_the_next_probe(two: Rig) -> None:
    a, b = two.backends
    b.mode = "503"
    wait_for("b unhealthy", lambda: two.describe(b).state == "unhealthy",
             timeout=WAIT_S)
    two.modify(matcher="200,503", healthy_threshold_count=2)
    wait_for("b healthy under the new matcher", lambda: two.describe(b).state == "healthy",
             timeout=WAIT_S)
    two.modify(path="/elsewhere", matcher="200")
    wait_for("b unhealthy again", lambda: two.describe(b).state == "unhealthy",
             timeout=WAIT_S)
    assert two.routable() == {a.port}


def test_disabled_checks_report_unavailable_and_route(two: Rig) -> None:
    a, b = two.backends
    b.mode = "503"
    wait_for("b unhealthy", lambda: two.describe(b).state == "unhealthy",
             timeout=WAIT_S)
    two.modify(enabled=False)
    wait_for("unavailable", lambda: two.describe(b).state == "unavailable",
             timeout=WAIT_S)
    assert two.describe(b).reason == "Target.HealthCheckDisabled"
    assert two.routable() == {a.port, b.port}


@pytest.fixture
def draining() -> Iterator[Rig]:
    yield from rig(2, FAST, scale=0.1, delay=20)  # deregistration delay 2 s


def test_draining_target_gets_no_traffic_then_leaves_the_store(draining: Rig) -> None:
    a, b = draining.backends
    wait_for(
        "both healthy", lambda: draining.routable() == {a.port, b.port} and draining.describe(b).state == "healthy"
    , timeout=WAIT_S)
    with draining.store.write() as tx:
        tx.put(replace(draining.target(b), draining_since=datetime.now(UTC)))
    assert draining.describe(b).state == "draining"
    assert draining.describe(b).reason == "Target.DeregistrationInProgress"
    assert draining.routable() == {a.port}
    gone = {(TG, "127.0.0.1", b.port)}
    wait_for("b deleted", lambda: not gone & set(draining.store.snapshot().targets), timeout=10)
    assert draining.routable() == {a.port}


def test_new_target_is_initial_until_its_first_pass(two: Rig) -> None:
    a, b = two.backends
    wait_for("both healthy", lambda: two.routable() == {a.port, b.port} and two.describe(b).state == "healthy",
             timeout=WAIT_S)
    c = Flipping()
    try:
        c.mode = "503"
        two.register(c)
        assert two.describe(c) == TargetHealth(
            "initial", "Elb.RegistrationInProgress", "Target registration is in progress"
        )
        wait_for("checks running", lambda: two.describe(c).reason == "Elb.InitialHealthChecking", timeout=WAIT_S)
        assert two.routable() == {a.port, b.port}  # initial targets wait while healthy ones exist
        c.mode = "ok"
        wait_for("c healthy", lambda: two.describe(c).state == "healthy", timeout=WAIT_S)
        assert two.routable() == {a.port, b.port, c.port}
    finally:
        c.stop()


@pytest.fixture
def aws_timing() -> Iterator[Rig]:
    check = HealthCheck(interval_seconds=5, timeout_seconds=2)  # AWS's minimum interval, default thresholds
    yield from rig(1, check, scale=1.0)


@pytest.mark.slow
def test_aws_minimum_interval_at_real_time(aws_timing: Rig) -> None:
    (a,) = aws_timing.backends
    wait_for("healthy after one pass", lambda: aws_timing.describe(a).state == "healthy", timeout=8)
    a.mode = "503"
    wait_for("unhealthy after two failures 5 s apart", lambda: aws_timing.describe(a).state == "unhealthy", timeout=16)
    assert aws_timing.describe(a).description == "Health checks failed with these codes: [503]"
