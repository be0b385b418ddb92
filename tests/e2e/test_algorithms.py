"""load_balancing.algorithm.type through the real Traefik: least outstanding requests sends a slow target fewer
requests than round robin does, under the same concurrent load (counts only; the slowness is the backend's)."""

from __future__ import annotations

import http.client
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from provider.compiler.compile import for_port
from provider.elbv2.model import Target
from tests.support.backends import Answer, Backend, Request
from tests.support.builders import StateBuilder
from tests.support.clients import Client
from tests.support.models import T0
from tests.support.processes import InProcessServer
from tests.support.traefik import Traefik
from tests.support.waiting import wait_for

CLIENTS, REQUESTS_EACH = 8, 30


@pytest.fixture(scope="module")
def slow() -> Iterator[Backend]:
    def answer(_: Request) -> Answer:
        time.sleep(0.05)  # its requests stay outstanding
        return 200, b"slow"

    backend = Backend("slow", answer)
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


def alternates(client: Client, n: int = 12) -> bool:
    """Did ``n`` requests, one after another, alternate strictly between the two targets?"""
    names = [client.request("/").body.split(" ")[0] for _ in range(n)]
    return all(x != y for x, y in zip(names, names[1:], strict=False)) and set(names) == {"a", "slow"}


def served(provider: InProcessServer, traefik: Traefik, fast: Backend, slow: Backend, algorithm: str) -> Counter[str]:
    b = StateBuilder()
    b.lb("web")
    b.listener("web", 80)
    tg = b.tg("pool", fast, attributes={"load_balancing.algorithm.type": algorithm})
    b.targets.append(Target(tg.arn, "127.0.0.1", slow.port, T0))
    b.rule("web", 80, None, b.forward(("pool", 1)))
    expected = provider.load_checked(b.state())
    traefik.wait_applied(expected)
    strategy = for_port(expected, 80)["http"]["services"]["tg-pool"]["loadBalancer"].get("strategy")
    assert strategy == ("p2c" if algorithm == "least_outstanding_requests" else None)
    client = Client(traefik.ports[80])  # the API shows a config a moment before the routers use it, so wait for
    # the behaviour: one at a time, round robin alternates strictly; p2c picks at random between two idle targets
    wait_for(algorithm, lambda: alternates(client) == (algorithm == "round_robin"))
    load(traefik.ports[80])  # a first round, discarded: every connection of the measured one uses this config
    return load(traefik.ports[80])


def test_least_outstanding_requests_spares_the_slow_target(
    provider: InProcessServer, traefik: Traefik, backends: dict[str, Backend], slow: Backend
) -> None:
    round_robin = served(provider, traefik, backends["a"], slow, "round_robin")
    least = served(provider, traefik, backends["a"], slow, "least_outstanding_requests")
    total = CLIENTS * REQUESTS_EACH
    assert sum(round_robin.values()) == sum(least.values()) == total
    assert round_robin["slow"] >= total // 3, round_robin  # round robin: about every other request, however slow
    assert least["slow"] < round_robin["slow"] / 2, (round_robin, least)
