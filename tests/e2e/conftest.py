"""Session-wide routing harness: four named backends, the real app under uvicorn, one real Traefik."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import Backend, Provider, Traefik

ALB_PORTS = (80, 443, 8000)


@pytest.fixture(scope="session")
def backends() -> Iterator[dict[str, Backend]]:
    started = {name: Backend(name) for name in ("a", "b", "c", "d")}
    yield started
    for b in started.values():
        b.stop()


@pytest.fixture(scope="session")
def provider() -> Iterator[Provider]:
    p = Provider()
    yield p
    p.stop()


@pytest.fixture(scope="session")
def traefik(provider: Provider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Traefik]:
    log = Path(tmp_path_factory.mktemp("traefik")) / "traefik.log"
    t = Traefik(provider.settings, "/traefik/config", ALB_PORTS, log)
    yield t
    t.stop()
