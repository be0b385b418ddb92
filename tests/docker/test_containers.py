"""Containers as instance targets through a real Docker engine: health follows the container, labels register."""

from __future__ import annotations

import asyncio
import threading
import uuid
from datetime import UTC, datetime

import pytest

from provider.elbv2.model import Target, TargetGroup
from provider.elbv2.target_health import TargetHealth
from provider.errors import InvalidTarget
from provider.settings import Settings
from provider.targets.docker import DockerInstances, connect
from provider.targets.probe import check
from tests.support.containers import Rig, Run, group, use
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.docker, pytest.mark.slow]
WAIT_S = 30  # a container start and two passing checks


def health(rig: Rig, tg_arn: str, target_id: str) -> TargetHealth:
    state = rig.store.snapshot()
    target = next((t for t in state.targets_by_group.get(tg_arn, ()) if t.id == target_id), None)
    return rig.health.describe(state, target or Target(tg_arn, target_id, 80, datetime.now(UTC)))


def routable(rig: Rig, tg_arn: str) -> list[str]:
    return [t.id for t in rig.health.routable(rig.store.snapshot(), tg_arn)]


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
    wait_for("httpd answers", lambda: asyncio.run(check(address, 80, "/index.html", "200", timeout=2)).code == 200,
             timeout=WAIT_S)


def test_stopped_container_leaves_routing_and_comes_back(rig: Rig, run_container: Run) -> None:
    first, second = run_container(), run_container()
    tg = group(f"web-{uuid.uuid4().hex[:6]}")
    rig.instances.validate(first)
    rig.instances.validate(second)
    with rig.store.write() as tx:
        tx.put(tg)
        for item in use(tg):
            tx.put(item)
        for name in (first, second):
            tx.put(Target(tg.arn, name, 80, datetime.now(UTC)))
    wait_for("both healthy", lambda: {health(rig, tg.arn, n).state for n in (first, second)} == {"healthy"},
             timeout=WAIT_S)
    assert sorted(routable(rig, tg.arn)) == sorted([first, second])

    client = rig.instances.client
    client.api.stop(first, timeout=1)
    wait_for("first out", lambda: routable(rig, tg.arn) == [second],
             timeout=WAIT_S)
    assert health(rig, tg.arn, first) == TargetHealth(
        "unused", "Target.InvalidState", "Target is in the stopped state"
    )

    client.api.start(first)
    wait_for("first healthy again", lambda: health(rig, tg.arn, first).state == "healthy",
             timeout=WAIT_S)
    assert sorted(routable(rig, tg.arn)) == sorted([first, second])


def labelled_and_healthy(rig: Rig, run_container: Run, prefix: str) -> tuple[TargetGroup, str]:
    """A group in use (deregistration delay 2 s at the test's time scale) and a container labelled for it."""
    tg = group(f"{prefix}-{uuid.uuid4().hex[:6]}", delay=20)
    with rig.store.write() as tx:
        tx.put(tg)
        for item in use(tg):
            tx.put(item)
    name = run_container(labels={"elbv2.target-group": tg.name, "elbv2.port": "80"})
    wait_for("registered and healthy", lambda: health(rig, tg.arn, name).state == "healthy",
             timeout=WAIT_S)
    return tg, name


def test_labelled_containers_register_and_drain(rig: Rig, run_container: Run) -> None:
    tg, name = labelled_and_healthy(rig, run_container, "lbl")
    assert routable(rig, tg.arn) == [name]

    rig.instances.client.api.stop(name, timeout=1)
    wait_for("draining", lambda: health(rig, tg.arn, name).state == "draining",
             timeout=WAIT_S)
    assert health(rig, tg.arn, name).reason == "Target.DeregistrationInProgress"
    assert routable(rig, tg.arn) == []
    wait_for("deregistered", lambda: health(rig, tg.arn, name).reason == "Target.NotRegistered",
             timeout=WAIT_S)

    rig.instances.client.api.start(name)
    wait_for("registered again", lambda: health(rig, tg.arn, name).state == "healthy",
             timeout=WAIT_S)


def test_labelled_container_drains_at_the_stop_signal(rig: Rig, run_container: Run) -> None:
    """`docker stop` sends SIGTERM first (the engine's `kill` event): drained then, not when it exits."""
    tg, name = labelled_and_healthy(rig, run_container, "sig")

    client = rig.instances.client
    # busybox httpd runs as PID 1 without a SIGTERM handler: it ignores the signal, SIGKILL ends it 8 s later
    stopper = threading.Thread(target=client.api.stop, args=(name,), kwargs={"timeout": 8})
    stopper.start()
    try:
        wait_for("draining", lambda: health(rig, tg.arn, name).state == "draining", timeout=8)
        assert client.api.inspect_container(name)["State"]["Running"]  # drained while it still runs
        assert routable(rig, tg.arn) == []
    finally:
        stopper.join(30)


def test_labelled_container_waits_for_its_group(rig: Rig, run_container: Run) -> None:
    name_of_group = f"later-{uuid.uuid4().hex[:6]}"
    name = run_container(labels={"elbv2.target-group": name_of_group})
    wait_for("the follower saw it start", lambda: rig.instances.running(name),
             timeout=WAIT_S)
    tg = group(name_of_group)
    with rig.store.write() as tx:
        tx.put(tg)
        for item in use(tg):
            tx.put(item)
    wait_for("registered once the group exists", lambda: health(rig, tg.arn, name).state == "healthy",
             timeout=WAIT_S)
