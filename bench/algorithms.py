"""Least outstanding requests: Traefik's p2c against leasttime (and wrr, round robin), one slow target, one run.

ALB's least_outstanding_requests sends each request to the target with the fewest requests in flight. Three
targets, one answering in --slow-ms, two at once; --clients keep-alive clients send --requests each, at once,
through one Traefik (file provider, the same static config `up` writes) whose three routers differ only in the
loadBalancer strategy. Printed: the slow target's share under each, and under an exact least-in-flight picker
run in this process over the same targets and clients (the peer: what ALB's rule gives here).

    .venv/bin/python bench/algorithms.py [--clients 8] [--requests 60] [--slow-ms 50]
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.propagation import FileTraefik  # noqa: E402
from tests.support.backends import Answer, Backend, Request  # noqa: E402
from tests.support.clients import Client  # noqa: E402
from tests.support.waiting import wait_for  # noqa: E402

STRATEGIES = ("wrr", "p2c", "leasttime")


def backends(slow_s: float) -> dict[str, Backend]:
    def answer(name: str, delay: float) -> Backend:
        def reply(_: Request) -> Answer:
            time.sleep(delay)
            return 200, name.encode()

        return Backend(name, reply)

    return {"fast1": answer("fast1", 0), "fast2": answer("fast2", 0), "slow": answer("slow", slow_s)}


def dynamic(servers: dict[str, Backend]) -> dict[str, object]:
    urls = [{"url": f"http://127.0.0.1:{b.port}"} for b in servers.values()]
    routers = {s: {"entryPoints": ["listener80"], "rule": f"PathPrefix(`/{s}`)", "service": s} for s in STRATEGIES}
    services = {s: {"loadBalancer": {"servers": urls, "strategy": s}} for s in STRATEGIES}
    return {"http": {"routers": routers, "services": services}}


def load(send: object, clients: int, requests: int) -> Counter[str]:
    with ThreadPoolExecutor(clients) as pool:
        return Counter(name for names in pool.map(send, range(clients)) for name in names)  # type: ignore[arg-type]


def through_traefik(port: int, strategy: str, requests: int) -> object:
    def client(_: int) -> list[str]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        names = []
        for _ in range(requests):
            conn.request("GET", f"/{strategy}")
            names.append(conn.getresponse().read().decode())
        conn.close()
        return names

    return client


def exact_least_in_flight(servers: dict[str, Backend], requests: int) -> object:
    """The peer: each request goes to a target with the fewest requests in flight (ties: the first)."""
    lock, in_flight = threading.Lock(), dict.fromkeys(servers, 0)
    conns = threading.local()

    def client(_: int) -> list[str]:
        names = []
        for _ in range(requests):
            with lock:
                name = min(in_flight, key=lambda n: in_flight[n])
                in_flight[name] += 1
            pool = conns.__dict__.setdefault("pool", {})
            conn = pool.setdefault(name, http.client.HTTPConnection("127.0.0.1", servers[name].port, timeout=10))
            conn.request("GET", "/")
            names.append(conn.getresponse().read().decode())
            with lock:
                in_flight[name] -= 1
        return names

    return client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--slow-ms", type=float, default=50)
    args = parser.parse_args()
    servers = backends(args.slow_ms / 1000)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "dynamic"
        directory.mkdir()
        (directory / "dynamic.yaml").write_text(json.dumps(dynamic(servers)))
        traefik = FileTraefik(directory, Path(tmp) / "traefik.log")
        try:
            port = traefik.ports[80]
            wait_for("routers", lambda: Client(port).request("/p2c").status == 200)
            shares = {}
            for strategy in STRATEGIES:
                load(through_traefik(port, strategy, args.requests), args.clients, args.requests)  # warm-up
                shares[strategy] = load(through_traefik(port, strategy, args.requests), args.clients, args.requests)
            exact = exact_least_in_flight(servers, args.requests)
            shares["exact LOR (peer)"] = load(exact, args.clients, args.requests)
        finally:
            traefik.stop()
            for b in servers.values():
                b.stop()
    total = args.clients * args.requests
    peer = shares["exact LOR (peer)"]["slow"] or 1
    print(f"{args.clients} clients x {args.requests} requests; targets fast1, fast2, slow ({args.slow_ms:.0f} ms)")
    for name, counts in shares.items():
        slow = counts["slow"]
        print(f"{name:18s} slow {slow:4d} of {total} ({slow / total:5.1%}), {slow / peer:5.2f}x the exact LOR count")


if __name__ == "__main__":
    main()
