"""Failover: our ALB health checks (prober -> config without unroutable targets) vs Traefik's own healthCheck.

One run, shared backends, both data planes measured side by side by clients hammering their listener ports:
  ours: `python -m provider up` (ELBV2_HEALTH_TIME_SCALE=0.2: interval 5 s -> 1 s, timeout 2 s -> 0.4 s,
        thresholds 2/2), one listener forwarding to tg1 [X, Y] and tg2 [B, D] with weights.
  peer: a plain Traefik, same topology, loadBalancer.healthCheck interval 1 s / timeout 500 ms (one failure
        -> DOWN, one success -> UP), fed by a tiny HTTP provider in this script.
D never listens. (a) Y is killed, then restarted: seconds until requests stop failing / until Y serves again.
(b) the weights change 5 times, 3 s apart, with D dead: client 5xx per data plane.

    .venv/bin/python bench/health_failover.py
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import httpx

ROOT = Path(__file__).resolve().parent.parent
TRAEFIK = Path(sys.executable).parent / "traefik"
SCALE = 0.2
WEIGHTS = [(50, 50), (20, 80), (80, 20), (10, 90), (50, 50)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _QuietServer(ThreadingHTTPServer):
    """Killing a backend resets the connections Traefik holds; that is the point, not an error to print."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass


class Backend:
    """Says its name on every path; stop() closes the port (connection refused), start() reopens it."""

    def __init__(self, name: str, listening: bool = True) -> None:
        self.name, self.port = name, free_port()
        self.server: ThreadingHTTPServer | None = None
        if listening:
            self.start()

    def start(self) -> None:
        body = self.name.encode()
        connections = self.connections = set[socket.socket]()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                connections.add(self.connection)

            def do_GET(self) -> None:  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = _QuietServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Like a killed process: the port closes and so do the keep-alive connections Traefik holds."""
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
            for connection in list(self.connections):
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Client(threading.Thread):
    """Requests one listener port back to back; keeps (time, status or 599 on error, body)."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.url, self.log, self.running = f"http://127.0.0.1:{port}/", list[tuple[float, int, str]](), True

    def run(self) -> None:
        with httpx.Client(timeout=2) as client:
            while self.running:
                try:
                    r = client.get(self.url)
                    self.log.append((time.monotonic(), r.status_code, r.text))
                except httpx.HTTPError:
                    self.log.append((time.monotonic(), 599, ""))
                time.sleep(0.005)

    def since(self, t: float) -> list[tuple[float, int, str]]:
        return [e for e in list(self.log) if e[0] >= t]


def wait(what: str, predicate: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise SystemExit(f"timed out: {what}")


def peer_config(x: Backend, y: Backend, b: Backend, d: Backend, w1: int, w2: int, port: int) -> bytes:
    check = {"path": "/", "interval": "1s", "timeout": "500ms"}
    services = {
        "w": {"weighted": {"services": [{"name": "v1", "weight": w1}, {"name": "v2", "weight": w2}]}},
        "v1": {"loadBalancer": {"servers": [{"url": x.url}, {"url": y.url}], "healthCheck": check}},
        "v2": {"loadBalancer": {"servers": [{"url": b.url}, {"url": d.url}], "healthCheck": check}},
    }
    router = {"rule": "PathPrefix(`/`)", "entryPoints": ["web"], "service": "w"}
    return json.dumps({"http": {"routers": {"r": router}, "services": services}}, sort_keys=True).encode()


def main() -> None:
    x, y, b, d = Backend("X"), Backend("Y"), Backend("B"), Backend("D", listening=False)
    procs: list[subprocess.Popen[bytes]] = []
    tmp = Path(tempfile.mkdtemp(prefix="health-failover-"))
    try:
        # ours
        api_port, ours_port = free_port(), free_port()
        env = {**os.environ, "ELBV2_HEALTH_TIME_SCALE": str(SCALE)}
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "provider",
                    "up",
                    "--port",
                    str(api_port),
                    "--db",
                    ":memory:",
                    "--dashboard-port",
                    str(free_port()),
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
                stdout=(tmp / "ours.log").open("wb"),
                stderr=subprocess.STDOUT,
            )
        )
        elbv2 = boto3.client(
            "elbv2",
            endpoint_url=f"http://127.0.0.1:{api_port}",
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="x",
        )

        def api_up() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{api_port}/healthz").status_code == 200
            except httpx.HTTPError:
                return False

        wait("our server", api_up)
        lb = elbv2.create_load_balancer(Name="bench", Subnets=["subnet-a", "subnet-b"])["LoadBalancers"][0]
        tgs = []
        for name, members in (("tg1", (x, y)), ("tg2", (b, d))):
            tg = elbv2.create_target_group(
                Name=name,
                Protocol="HTTP",
                Port=80,
                VpcId=lb["VpcId"],
                TargetType="ip",
                HealthCheckIntervalSeconds=5,
                HealthCheckTimeoutSeconds=2,
                HealthyThresholdCount=2,
                UnhealthyThresholdCount=2,
            )["TargetGroups"][0]["TargetGroupArn"]
            elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": "127.0.0.1", "Port": m.port} for m in members])
            tgs.append(tg)

        def forward(w1: int, w2: int) -> list[dict[str, object]]:
            groups = [{"TargetGroupArn": tgs[0], "Weight": w1}, {"TargetGroupArn": tgs[1], "Weight": w2}]
            return [{"Type": "forward", "ForwardConfig": {"TargetGroups": groups}}]

        listener = elbv2.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=ours_port, DefaultActions=forward(50, 50)
        )["Listeners"][0]["ListenerArn"]

        def states() -> dict[int, str]:
            out = {}
            for tg in tgs:
                for h in elbv2.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]:
                    out[h["Target"]["Port"]] = h["TargetHealth"]["State"]
            return out

        # peer
        peer_port, config_port = free_port(), free_port()
        body = [peer_config(x, y, b, d, 50, 50, peer_port)]

        class Config(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Length", str(len(body[0])))
                self.end_headers()
                self.wfile.write(body[0])

            def log_message(self, *args: object) -> None:
                pass

        config_server = ThreadingHTTPServer(("127.0.0.1", config_port), Config)
        threading.Thread(target=config_server.serve_forever, daemon=True).start()
        procs.append(
            subprocess.Popen(
                [
                    str(TRAEFIK),
                    f"--entryPoints.web.address=127.0.0.1:{peer_port}",
                    f"--providers.http.endpoint=http://127.0.0.1:{config_port}/",
                    "--providers.http.pollInterval=100ms",
                    "--log.level=ERROR",
                ],
                stdout=(tmp / "peer.log").open("wb"),
                stderr=subprocess.STDOUT,
            )
        )

        ours, peer = Client(ours_port), Client(peer_port)
        expected = {x.port: "healthy", y.port: "healthy", b.port: "healthy", d.port: "unhealthy"}
        wait("our targets settled", lambda: states() == expected)
        ours.start()
        peer.start()
        wait(
            "both serving X, Y and B",
            lambda: all({"X", "Y", "B"} <= {e[2] for e in c.since(time.monotonic() - 1.0)} for c in (ours, peer)),
        )
        time.sleep(3)  # the peer's health check has seen D down by now

        # (a) kill Y, then restart it
        killed = time.monotonic()
        y.stop()

        def quiet(c: Client) -> bool:
            return time.monotonic() - killed > 2 and all(s < 500 for _, s, _ in c.since(time.monotonic() - 2))

        wait("Y out of both", lambda: quiet(ours) and quiet(peer))
        out = {
            n: max((t for t, s, _ in c.since(killed) if s >= 500), default=killed) - killed
            for n, c in (("ours", ours), ("peer", peer))
        }
        fails_a = {n: sum(1 for _, s, _ in c.since(killed) if s >= 500) for n, c in (("ours", ours), ("peer", peer))}
        restarted = time.monotonic()
        y.start()
        wait("Y back in both", lambda: all(any(e[2] == "Y" for e in c.since(restarted)) for c in (ours, peer)))
        back = {
            n: min(t for t, _, body_ in c.since(restarted) if body_ == "Y") - restarted
            for n, c in (("ours", ours), ("peer", peer))
        }

        # (b) weight changes with D dead
        changed = time.monotonic()
        for w1, w2 in WEIGHTS:
            elbv2.modify_listener(ListenerArn=listener, DefaultActions=forward(w1, w2))
            body[0] = peer_config(x, y, b, d, w1, w2, peer_port)
            time.sleep(3)
        ended = time.monotonic()
        ours.running = peer.running = False
        ours.join(5)
        peer.join(5)

        def count(c: Client) -> tuple[int, int]:
            window = [s for t, s, _ in c.log if changed <= t <= ended]
            return sum(1 for s in window if s >= 500), len(window)

        print(
            "health failover, ours (ALB semantics, interval 1 s, thresholds 2/2) vs peer (Traefik healthCheck "
            "interval 1 s, timeout 500 ms), shared loopback backends"
        )
        for name in ("ours", "peer"):
            print(
                f"  {name}: (a) kill -> last 5xx {out[name]:.2f} s ({fails_a[name]} 5xx), "
                f"restart -> first request served {back[name]:.2f} s"
            )
        (o5, on), (p5, pn) = count(ours), count(peer)
        print(
            f"  (b) {len(WEIGHTS)} weight changes with one dead target: ours {o5}/{on} requests 5xx, "
            f"peer {p5}/{pn} requests 5xx"
        )
        print(
            f"  ratio (a) kill->out ours/peer: {out['ours'] / max(out['peer'], 1e-3):.2f}; "
            f"(b) 5xx ours {o5} vs peer {p5}"
        )
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        for backend in (x, y, b, d):
            backend.stop()


if __name__ == "__main__":
    main()
