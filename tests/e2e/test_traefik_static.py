"""traefik/traefik.yml (the compose stack's static config) loads in the real traefik binary and routes.

Traefik ignores flags and TRAEFIK_* variables when a config file is given, so the test writes a copy of
the file in which only the addresses and the provider endpoint are replaced by loopback ones.
"""

from __future__ import annotations

import json
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from provider.settings import Settings
from provider.traefik.static import traefik_binary
from tests.support.backends import Answer, Backend, Request, forwarded_port
from tests.support.processes import ROOT, free_port, stop_process
from tests.support.waiting import until

STATIC = ROOT / "traefik" / "traefik.yml"


def test_static_file_matches_the_compose_stack() -> None:
    config = yaml.safe_load(STATIC.read_text())
    assert set(config["entryPoints"]) == {"listener8000", "listener8001", "listener443", "traefik", "elbv2-metrics"}
    assert config["api"] == {"dashboard": True, "insecure": True}
    http = config["providers"]["http"]
    assert http["endpoint"] == "http://provider:8080/traefik/config?wait_ms=800"  # long poll
    assert http["pollInterval"] == "100ms"


class Endpoint(Backend):
    """Traefik's HTTP provider endpoint at /traefik/config (``config``), and a backend on every other path that says
    which entryPoint port the request arrived on."""

    def __init__(self) -> None:
        self.config = b""
        super().__init__("endpoint", self.answer, keep_alive=False)

    def answer(self, request: Request) -> Answer:
        if request.path.split("?", 1)[0] == "/traefik/config":
            return 200, self.config
        return forwarded_port(request)


@pytest.fixture
def server() -> Iterator[Endpoint]:
    endpoint = Endpoint()
    yield endpoint
    endpoint.stop()


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status, r.read().decode()
    except OSError as e:
        return getattr(e, "code", 0), str(e)


def answer(url: str, body: str | None = None) -> tuple[int, str]:
    """What ``url`` answers once it is 200 (with ``body``, when given), or the last answer after the wait."""
    last = [get(url)]

    def good() -> bool:
        last[0] = get(url)
        return last[0][0] == 200 and body in (None, last[0][1])

    until(good)
    return last[0]


def test_traefik_loads_the_static_file_and_routes_each_listener(tmp_path: Path, server: Endpoint) -> None:
    port = server.port
    config: dict[str, Any] = yaml.safe_load(STATIC.read_text())
    ports = {name: free_port() for name in config["entryPoints"]}
    for name, entrypoint in config["entryPoints"].items():
        entrypoint["address"] = f"127.0.0.1:{ports[name]}"
    config["providers"]["http"]["endpoint"] = f"http://127.0.0.1:{port}/traefik/config"
    copy = tmp_path / "traefik.yml"
    copy.write_text(yaml.safe_dump(config))

    backend = {"loadBalancer": {"servers": [{"url": f"http://127.0.0.1:{port}"}]}}
    listeners = [n for n in config["entryPoints"] if n.startswith("listener")]
    server.config = json.dumps(
        {
            "http": {
                "routers": {
                    f"r-{n}": {"rule": "PathPrefix(`/app/`)", "entryPoints": [n], "service": "tg"} for n in listeners
                },
                "services": {"tg": backend},
            }
        }
    ).encode()

    log = tmp_path / "traefik.log"
    process = subprocess.Popen(
        [traefik_binary(Settings()), f"--configFile={copy}"],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        for name in listeners:
            status, body = answer(f"http://127.0.0.1:{ports[name]}/app/", f"via {ports[name]}\n")
            assert (status, body) == (200, f"via {ports[name]}\n"), log.read_text()
        status, body = answer(f"http://127.0.0.1:{ports['traefik']}/api/http/routers")
        routers = {r["name"]: r["status"] for r in json.loads(body) if r["provider"] == "http"}
        assert routers == {f"r-{n}@http": "enabled" for n in listeners}
        assert answer(f"http://127.0.0.1:{ports['traefik']}/dashboard/")[0] == 200
    finally:
        stop_process(process)
