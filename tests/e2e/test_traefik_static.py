"""traefik/traefik.yml (the compose stack's static config) loads in the real traefik binary and routes.

Traefik ignores flags and TRAEFIK_* variables when a config file is given, so the test writes a copy of
the file in which only the addresses and the provider endpoint are replaced by loopback ones.
"""

from __future__ import annotations

import http.server
import json
import signal
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from provider.settings import Settings
from provider.traefik.static import traefik_binary
from tests.conftest import ROOT, free_port

STATIC = ROOT / "traefik" / "traefik.yml"


def test_static_file_matches_the_compose_stack() -> None:
    config = yaml.safe_load(STATIC.read_text())
    assert set(config["entryPoints"]) == {"listener8000", "listener8001", "traefik", "elbv2-metrics"}
    assert config["api"] == {"dashboard": True, "insecure": True}
    http = config["providers"]["http"]
    assert http["endpoint"] == "http://provider:8080/traefik/config?wait_ms=800"  # long poll
    assert http["pollInterval"] == "100ms"


class _Handler(http.server.BaseHTTPRequestHandler):
    config: bytes = b""

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == "/traefik/config":
            body = self.config
        else:  # the backend: which entryPoint port did the request arrive on
            body = f"via {self.headers.get('X-Forwarded-Port')}\n".encode()
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[int, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {})
    s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=s.serve_forever, daemon=True).start()
    yield s.server_address[1], handler
    s.shutdown()


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status, r.read().decode()
    except OSError as e:
        return getattr(e, "code", 0), str(e)


def wait_for(url: str, body: str | None = None, timeout: float = 15) -> tuple[int, str]:
    deadline = time.monotonic() + timeout
    result = get(url)
    while time.monotonic() < deadline and (result[0] != 200 or (body is not None and result[1] != body)):
        time.sleep(0.05)
        result = get(url)
    return result


def test_traefik_loads_the_static_file_and_routes_each_listener(
    tmp_path: Path, server: tuple[int, type[_Handler]]
) -> None:
    port, handler = server
    config: dict[str, Any] = yaml.safe_load(STATIC.read_text())
    ports = {name: free_port() for name in config["entryPoints"]}
    for name, entrypoint in config["entryPoints"].items():
        entrypoint["address"] = f"127.0.0.1:{ports[name]}"
    config["providers"]["http"]["endpoint"] = f"http://127.0.0.1:{port}/traefik/config"
    copy = tmp_path / "traefik.yml"
    copy.write_text(yaml.safe_dump(config))

    backend = {"loadBalancer": {"servers": [{"url": f"http://127.0.0.1:{port}"}]}}
    listeners = [n for n in config["entryPoints"] if n.startswith("listener")]
    handler.config = json.dumps(
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
            status, body = wait_for(f"http://127.0.0.1:{ports[name]}/app/", f"via {ports[name]}\n")
            assert (status, body) == (200, f"via {ports[name]}\n"), log.read_text()
        status, body = wait_for(f"http://127.0.0.1:{ports['traefik']}/api/http/routers")
        routers = {r["name"]: r["status"] for r in json.loads(body) if r["provider"] == "http"}
        assert routers == {f"r-{n}@http": "enabled" for n in listeners}
        assert wait_for(f"http://127.0.0.1:{ports['traefik']}/dashboard/")[0] == 200
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
