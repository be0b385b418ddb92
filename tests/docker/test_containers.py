"""Containers as instance targets through a real Docker engine: health follows the container, labels register."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from provider.elbv2.model import Target, TargetGroup
from provider.elbv2.target_health import TargetHealth
from provider.errors import InvalidTarget
from provider.runtime import Runtime
from provider.settings import Settings
from provider.targets.docker import DockerInstances, connect
from provider.targets.probe import check
from tests.docker.conftest import Run, group, use

pytestmark = pytest.mark.docker


def wait_for(what: str, predicate: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout}s: {what}")


def health(rt: Runtime, tg_arn: str, target_id: str) -> TargetHealth:
    state = rt.store.snapshot()
    target = next((t for t in state.targets_by_group.get(tg_arn, ()) if t.id == target_id), None)
    return rt.health.describe(state, target or Target(tg_arn, target_id, 80, datetime.now(UTC)))


def routable(rt: Runtime, tg_arn: str) -> list[str]:
    return [t.id for t in rt.health.routable(rt.store.snapshot(), tg_arn)]


def test_unknown_container_is_an_invalid_target(engine: DockerInstances) -> None:
    name = f"elbv2-missing-{uuid.uuid4().hex[:8]}"
    with pytest.raises(InvalidTarget, match=f"no container named {name}"):
        engine.validate(name)


def test_no_engine_means_no_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    assert connect(Settings()) is None


def test_address_reaches_the_container(engine: DockerInstances, run_container: Run) -> None:
    name = run_container()
    engine.validate(name)
    address = engine.address(name)
    assert address is not None
    # httpd inside the container may still be starting: probe until it answers, boundedly
    wait_for("httpd answers", lambda: asyncio.run(check(address, 80, "/index.html", "200", timeout=2)).code == 200)


def test_stopped_container_leaves_routing_and_comes_back(runtime: Runtime, run_container: Run) -> None:
    first, second = run_container(), run_container()
    tg = group(f"web-{uuid.uuid4().hex[:6]}")
    runtime.instances.validate(first)  # type: ignore[union-attr]
    runtime.instances.validate(second)  # type: ignore[union-attr]
    with runtime.store.write() as tx:
        tx.put(tg)
        for item in use(tg):
            tx.put(item)
        for name in (first, second):
            tx.put(Target(tg.arn, name, 80, datetime.now(UTC)))
    wait_for("both healthy", lambda: {health(runtime, tg.arn, n).state for n in (first, second)} == {"healthy"})
    assert sorted(routable(runtime, tg.arn)) == sorted([first, second])

    client = runtime.instances.client  # type: ignore[union-attr]
    client.api.stop(first, timeout=1)
    wait_for("first out", lambda: routable(runtime, tg.arn) == [second])
    assert health(runtime, tg.arn, first) == TargetHealth(
        "unused", "Target.InvalidState", "Target is in the stopped state"
    )

    client.api.start(first)
    wait_for("first healthy again", lambda: health(runtime, tg.arn, first).state == "healthy")
    assert sorted(routable(runtime, tg.arn)) == sorted([first, second])


def labelled_and_healthy(runtime: Runtime, run_container: Run, prefix: str) -> tuple[TargetGroup, str]:
    """A group in use (deregistration delay 2 s at the test's time scale) and a container labelled for it."""
    tg = group(f"{prefix}-{uuid.uuid4().hex[:6]}", delay=20)
    with runtime.store.write() as tx:
        tx.put(tg)
        for item in use(tg):
            tx.put(item)
    name = run_container(labels={"elbv2.target-group": tg.name, "elbv2.port": "80"})
    wait_for("registered and healthy", lambda: health(runtime, tg.arn, name).state == "healthy")
    return tg, name


def test_labelled_containers_register_and_drain(runtime: Runtime, run_container: Run) -> None:
    tg, name = labelled_and_healthy(runtime, run_container, "lbl")
    assert routable(runtime, tg.arn) == [name]

    runtime.instances.client.api.stop(name, timeout=1)  # type: ignore[union-attr]
    wait_for("draining", lambda: health(runtime, tg.arn, name).state == "draining")
    assert health(runtime, tg.arn, name).reason == "Target.DeregistrationInProgress"
    assert routable(runtime, tg.arn) == []
    wait_for("deregistered", lambda: health(runtime, tg.arn, name).reason == "Target.NotRegistered")

    runtime.instances.client.api.start(name)  # type: ignore[union-attr]
    wait_for("registered again", lambda: health(runtime, tg.arn, name).state == "healthy")


def test_labelled_container_drains_at_the_stop_signal(runtime: Runtime, run_container: Run) -> None:
    """`docker stop` sends SIGTERM first (the engine's `kill` event): drained then, not when it exits."""
    tg, name = labelled_and_healthy(runtime, run_container, "sig")

    client = runtime.instances.client  # type: ignore[union-attr]
    # busybox httpd runs as PID 1 without a SIGTERM handler: it ignores the signal, SIGKILL ends it 8 s later
    stopper = threading.Thread(target=client.api.stop, args=(name,), kwargs={"timeout": 8})
    stopper.start()
    try:
        wait_for("draining", lambda: health(runtime, tg.arn, name).state == "draining", timeout=8)
        assert client.api.inspect_container(name)["State"]["Running"]  # drained while it still runs
        assert routable(runtime, tg.arn) == []
    finally:
        stopper.join(30)


def test_labelled_container_waits_for_its_group(runtime: Runtime, run_container: Run) -> None:
    name_of_group = f"later-{uuid.uuid4().hex[:6]}"
    name = run_container(labels={"elbv2.target-group": name_of_group})
    wait_for("the follower saw it start", lambda: runtime.instances.running(name))  # type: ignore[union-attr]
    tg = group(name_of_group)
    with runtime.store.write() as tx:
        tx.put(tg)
        for item in use(tg):
            tx.put(item)
    wait_for("registered once the group exists", lambda: health(runtime, tg.arn, name).state == "healthy")
