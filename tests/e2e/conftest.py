"""Session-wide routing fixtures: four named backends, the real app in this process, one real Traefik."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.backends import Backend
from tests.support.processes import InProcessServer
from tests.support.traefik import Traefik

ALB_PORTS = (80, 443, 8000)


@pytest.fixture(scope="session")
def backends() -> Iterator[dict[str, Backend]]:
    started = {name: Backend(name) for name in ("a", "b", "c", "d")}
    yield started
    for b in started.values():
        b.stop()


@pytest.fixture(scope="session")
def provider() -> Iterator[InProcessServer]:
    p = InProcessServer()
    yield p
    p.stop()


@pytest.fixture(scope="session")
def traefik(provider: InProcessServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Traefik]:
    log = Path(tmp_path_factory.mktemp("traefik")) / "traefik.log"
    t = Traefik(provider.settings, "/traefik/config", ALB_PORTS, log)
    yield t
    t.stop()
