"""A real Docker engine (started with .ci/docker.sh when none answers and we may), the test image, containers
torn down by id, and a store with the prober and the container follower running on a thread."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import uuid
from collections.abc import Iterator

import docker
import pytest

from provider.store import Store
from provider.targets.docker import DockerInstances, run_containers
from provider.targets.health import HealthMonitor
from provider.targets.schedule import run_health
from tests.support.containers import Rig, Run, reachable_engine
from tests.support.docker_image import build, busybox

pytestmark = pytest.mark.docker
@pytest.fixture(scope="session")
def engine() -> DockerInstances:
    instances = reachable_engine()
    if instances is None:
        pytest.skip("no Docker engine reachable and none could be started (.ci/docker.sh)")
    return instances


@pytest.fixture(scope="session")
def image(engine: DockerInstances) -> str:
    binary = busybox()
    if binary is None:
        pytest.skip("no static busybox to build the test image (apt-get install busybox-static)")
    return build(engine.client, binary)


@pytest.fixture
def run_container(engine: DockerInstances, image: str) -> Iterator[Run]:
    """Start a container of the test image; returns its name. Removed by id at teardown."""
    started: list[str] = []

    def run(labels: dict[str, str] | None = None) -> str:
        name = f"elbv2-test-{uuid.uuid4().hex[:8]}"
        container = engine.client.containers.run(image, name=name, labels=labels or {}, detach=True)
        started.append(container.id)
        return name

    yield run
    for cid in started:
        with contextlib.suppress(docker.errors.NotFound):
            engine.client.api.remove_container(cid, force=True)


@pytest.fixture
def rig(engine: DockerInstances) -> Iterator[Rig]:
    """A store in memory and a fresh resolver, with run_health and run_containers on their own loop thread."""
    r = Rig(Store(":memory:"), HealthMonitor(), DockerInstances(engine.client))
    loop = asyncio.new_event_loop()
    task = loop.create_task(_background(r))

    def run() -> None:
        with contextlib.suppress(asyncio.CancelledError):
            loop.run_until_complete(task)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield r
    loop.call_soon_threadsafe(task.cancel)
    thread.join(15)
    loop.close()
    r.store.close()


async def _background(r: Rig) -> None:
    await asyncio.gather(run_health(r.store, r.health, r.instances, time_scale=0.1),
                         run_containers(r.store, r.health, r.instances))
