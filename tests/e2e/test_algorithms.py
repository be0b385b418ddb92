"""load_balancing.algorithm.type through the real Traefik: least outstanding requests sends a slow target fewer
requests than round robin does, under the same concurrent load (counts only; the slowness is the backend's)."""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from provider.elbv2.model import Target
from provider.traefik.compiler import for_port
from tests.e2e.harness import T0, Backend, Provider, StateBuilder, Traefik

CLIENTS, REQUESTS_EACH = 8, 30


class SlowBackend:
    """Answers ``slow`` after ``delay`` seconds: its requests stay outstanding."""

    def __init__(self, delay: float) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                time.sleep(delay)
                self.send_response(200)
                self.send_header("Content-Length", "4")
                self.end_headers()
                self.wfile.write(b"slow")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def slow() -> Iterator[SlowBackend]:
    backend = SlowBackend(0.05)
    yield backend
    backend.stop()


def load(port: int) -> Counter[str]:
    """CLIENTS keep-alive clients, REQUESTS_EACH requests each, all at once: who answered."""

    def client(_: int) -> list[str]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        names = []
        for _ in range(REQUESTS_EACH):
            conn.request("GET", "/")
            names.append(conn.getresponse().read().decode().split(" ")[0])
        conn.close()
        return names

    with ThreadPoolExecutor(CLIENTS) as pool:
        return Counter(name for names in pool.map(client, range(CLIENTS)) for name in names)


def served(provider: Provider, traefik: Traefik, fast: Backend, slow: SlowBackend, algorithm: str) -> Counter[str]:
    b = StateBuilder()
    b.lb("web")
    b.listener("web", 80)
    tg = b.tg("pool", fast, attributes={"load_balancing.algorithm.type": algorithm})
    b.targets.append(Target(tg.arn, "127.0.0.1", slow.port, T0))
    b.rule("web", 80, None, b.forward(("pool", 1)))
    expected = provider.load(b.state())
    traefik.wait_applied(expected)
    strategy = for_port(expected, 80)["http"]["services"]["tg-pool"]["loadBalancer"].get("strategy")
    assert strategy == ("p2c" if algorithm == "least_outstanding_requests" else None)
    return load(traefik.ports[80])


def test_least_outstanding_requests_spares_the_slow_target(
    provider: Provider, traefik: Traefik, backends: dict[str, Backend], slow: SlowBackend
) -> None:
    round_robin = served(provider, traefik, backends["a"], slow, "round_robin")
    least = served(provider, traefik, backends["a"], slow, "least_outstanding_requests")
    total = CLIENTS * REQUESTS_EACH
    assert sum(round_robin.values()) == sum(least.values()) == total
    assert round_robin["slow"] >= total // 3, round_robin  # round robin: about every other request, however slow
    assert least["slow"] < round_robin["slow"] / 2, (round_robin, least)
