"""Why the supervisor runs one Traefik per listener port: both designs measured side by side in one run.

(a) per-port Traefik (what provider/traefik/supervisor.py does): another port is added and removed while a steady
    client pair hits port A; A's process is never touched.
(b) one Traefik with `reusePort`, replaced by start-new-then-SIGTERM-old: the new process binds the shared
    port at once and answers 404 until its first config poll lands.
Both Traefiks are set up by provider/traefik/static.py, as `up` sets them up. Prints each design's failed requests.
tests/e2e/test_supervisor.py holds the real supervisor to (a)'s zero.

    .venv/bin/python bench/supervisor_designs.py [--rounds 4]
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from provider.settings import Settings  # noqa: E402
from provider.traefik.static import listener_config, traefik_binary  # noqa: E402
from tests.support.processes import free_port, stop_process  # noqa: E402


class _Handler(http.server.BaseHTTPRequestHandler):
    ports: list[int] = []

    def do_GET(self) -> None:
        if self.path.startswith("/traefik/config"):
            tail = self.path.split("?", 1)[0].rsplit("/", 1)[1]  # the poller sends ?wait_ms= (long poll)
            ports = [int(tail)] if tail.isdigit() else self.ports
            backend = f"http://127.0.0.1:{self.server.server_address[1]}"
            body = json.dumps({"http": {
                "routers": {f"r{p}": {"rule": "PathPrefix(`/`)", "entryPoints": [f"listener{p}"], "service": "b"}
                            for p in ports},
                "services": {"b": {"loadBalancer": {"servers": [{"url": backend}]}}},
            }}).encode()
        else:
            body = b"ok\n"
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def config_server() -> Iterator[tuple[int, type[_Handler]]]:
    """Serves a config routing every listener port to itself, and answers ``ok`` as the backend."""
    handler = type("Handler", (_Handler,), {"ports": []})
    s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=s.serve_forever, daemon=True).start()
    try:
        yield s.server_address[1], handler
    finally:
        s.shutdown()


class Clients:
    """One keep-alive and one new-connection-per-request client on `port`, counting failures."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/"
        self.ok = 0
        self.failed = 0
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(keep,), daemon=True) for keep in (True, False)]

    def _run(self, keep_alive: bool) -> None:
        end = time.monotonic() + 120
        client = httpx.Client(timeout=2)
        while not self.stop.is_set() and time.monotonic() < end:
            if not keep_alive:
                client.close()
                client = httpx.Client(timeout=2)
            try:
                ok = client.get(self.url).status_code == 200
            except httpx.HTTPError:
                ok = False
            self.ok += ok
            self.failed += not ok
        client.close()

    def __enter__(self) -> Clients:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(10)


def start(tmp: Path, name: str, config: dict[str, Any]) -> subprocess.Popen[bytes]:
    path = tmp / f"{name}.yaml"
    path.write_text(json.dumps(config))
    return subprocess.Popen([traefik_binary(Settings()), f"--configFile={path}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT, start_new_session=True)


def serving(port: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    return False


def per_port(tmp: Path, settings: Settings, handler: type[_Handler], rounds: int) -> Clients:
    a = free_port()
    handler.ports = [a]
    steady = start(tmp, "a", listener_config(a, settings))
    try:
        if not serving(a):
            raise SystemExit("the per-port Traefik never served")
        with Clients(a) as clients:
            for i in range(rounds):
                b = free_port()
                extra = start(tmp, f"b{i}", listener_config(b, settings))
                try:
                    serving(b)
                finally:
                    stop_process(extra)
    finally:
        stop_process(steady)
    return clients


def reuse_port(tmp: Path, settings: Settings, handler: type[_Handler], rounds: int, api: int) -> Clients:
    p = free_port()
    handler.ports = [p]

    def shared(name: str) -> subprocess.Popen[bytes]:
        config = listener_config(p, settings)
        config["entryPoints"][f"listener{p}"]["reusePort"] = True
        config["providers"]["http"]["endpoint"] = f"http://127.0.0.1:{api}/traefik/config"
        return start(tmp, name, config)

    old = shared("h0")
    try:
        if not serving(p):
            raise SystemExit("the reusePort Traefik never served")
        with Clients(p) as clients:
            for i in range(rounds):
                new = shared(f"h{i + 1}")
                time.sleep(0.5)  # the new process binds at once; give it time to load its config
                stop_process(old)
                old = new
                time.sleep(0.3)
    finally:
        stop_process(old)
    return clients


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=4)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="supervisor-designs-"))
    with config_server() as (api, handler):
        settings = Settings(port=api)
        a = per_port(tmp, settings, handler, args.rounds)
        b = reuse_port(tmp, settings, handler, args.rounds, api)
    print(f"(a) per-port Traefik, {args.rounds} ports added+removed: {a.ok} ok, {a.failed} failed "
          f"({a.failed / max(a.ok + a.failed, 1):.2%})")
    print(f"(b) reusePort handover, {args.rounds} replacements: {b.ok} ok, {b.failed} failed "
          f"({b.failed / max(b.ok + b.failed, 1):.2%})")


if __name__ == "__main__":
    main()
