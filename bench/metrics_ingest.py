"""Metrics ingestion, measured in one run against the same Traefik without an access log:

(1) overhead: wrk throughput through Traefik with its JSON access log on (and this server ingesting it) vs the
    same Traefik with the log off, both forwarding to one nginx; runs alternate; goal >= 0.85x.
(2) ingestion: wrk at full speed for --duration seconds through the logging Traefik; rows committed per second
    vs requests Traefik served per second, the backlog when wrk stops and how long it takes to clear; the
    server's RSS after warm-up (first third) and at the end; goal: keeps up, RSS growth <= 10 MB.
(3) visibility: one request at a time; from the response to its row being committed; goal median <= 1 s.

The server (app, config endpoint, ingestion) runs in this process, so its RSS is this process's.
Needs `wrk` and `nginx` (Debian: apt-get install -y wrk nginx-light).

    .venv/bin/python bench/metrics_ingest.py [--duration 300] [--round 8]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from provider.app import create_app  # noqa: E402
from provider.settings import Settings  # noqa: E402
from provider.store import Store  # noqa: E402
from provider.store.requests import RequestLog  # noqa: E402
from provider.traefik import static  # noqa: E402
from provider.traefik.accesslog import INGEST_SELECT  # noqa: E402
from provider.traefik.logtail import POLL_S, Tailer  # noqa: E402
from tests.conftest import BIN, free_port  # noqa: E402
from tests.e2e.harness import StateBuilder, _flags  # noqa: E402

NGINX_CONF = """daemon off; worker_processes 1; pid {tmp}/nginx.pid; error_log {tmp}/nginx.err;
events {{ worker_connections 1024; }}
http {{ access_log off; server {{ listen 127.0.0.1:{port}; location / {{ return 200 "ok\\n"; }} }} }}
"""


class Port:
    def __init__(self, port: int) -> None:
        self.port = port


def rss_mb() -> float:
    text = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", text).group(1)) / 1024  # type: ignore[union-attr]


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def traefik(endpoint: str, port: int, tmp: Path, access_log: Path | None) -> subprocess.Popen[bytes]:
    args = [
        str(BIN / "traefik"),
        "--log.level=ERROR",
        "--global.checkNewVersion=false",
        f"--providers.http.endpoint={endpoint}",
        "--providers.http.pollInterval=100ms",
        "--providers.providersThrottleDuration=0s",
        f"--entryPoints.listener80.address=127.0.0.1:{port}",
    ]
    if access_log:
        args += ["--accesslog=true", *[f"--accesslog.{k}={v}" for k, v in _flags(static.access_log(access_log))]]
    return subprocess.Popen(args, stdout=(tmp / "traefik.log").open("ab"), stderr=subprocess.STDOUT)


def wrk(port: int, seconds: float) -> float:
    out = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{round(seconds)}s", f"http://127.0.0.1:{port}/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def wait(predicate: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        time.sleep(0.02)


def serves(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


class Ingestion:
    """The server's ingestion code (Tailer + RequestLog + INGEST_SELECT, as run_ingest runs it) in a thread that
    the bench can pause, so Traefik's own cost of logging and the cost of ingesting are measured apart."""

    def __init__(self, store: Store, directory: Path) -> None:
        self.store, self.tailer = store, Tailer(directory, RequestLog(store, INGEST_SELECT))
        self.running = threading.Event()
        self.stop = False
        self.cpu_s = 0.0  # CPU time spent polling (DuckDB runs on the calling thread: threads = 1)
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self.stop:
            if self.running.wait(0.1):
                started = time.thread_time()
                self.tailer.poll(self.store.snapshot())
                self.cpu_s += time.thread_time() - started
                time.sleep(POLL_S)

    def caught_up(self, log_file: Path) -> bool:
        position = self.tailer.requests.positions().get(log_file.stem)
        return position is not None and position.offset == log_file.stat().st_size

    def close(self) -> None:
        self.stop = True
        self.thread.join(10)
        self.tailer.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of full-speed load in (2)")
    parser.add_argument("--round", type=float, default=6.0, help="seconds per wrk run in (1)")
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs per variant in (1), interleaved")
    parser.add_argument("--visibility-requests", type=int, default=40)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    nginx_port, api_port = free_port(), free_port()
    (tmp / "nginx.conf").write_text(NGINX_CONF.format(tmp=tmp, port=nginx_port))
    nginx = subprocess.Popen(["nginx", "-c", str(tmp / "nginx.conf"), "-p", str(tmp)])
    # The app's own ingestion watches an empty folder; the bench runs the same code on Traefik's log (pausable).
    settings = Settings(port=api_port, db=str(tmp / "state.duckdb"), traefik_log_dir=str(tmp / "unused"))
    app = create_app(settings)
    store = app.state.runtime.store
    b = StateBuilder()
    b.lb("web")
    b.listener("web", 80)
    b.tg("v1", Port(nginx_port))  # type: ignore[arg-type]
    b.rule("web", 80, None, b.forward(("v1", 1)))
    with store.write() as tx:
        for f in ("load_balancers", "target_groups", "targets", "listeners", "rules"):
            for obj in getattr(b.state(), f).values():
                tx.put(obj)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=api_port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    wait(lambda: server.started)
    endpoint = f"http://127.0.0.1:{api_port}/traefik/config"
    on_port, off_port = free_port(), free_port()
    log_file = tmp / "access" / "bench.json"
    procs = [traefik(endpoint, on_port, tmp, log_file), traefik(endpoint, off_port, tmp, None)]
    ingestion = Ingestion(store, log_file.parent)
    try:
        wait(lambda: serves(on_port) and serves(off_port))
        # (1) overhead, interleaved: off | on, not ingesting | on, ingesting
        runs: dict[str, list[float]] = {"off": [], "logging": [], "logging+ingesting": []}
        for _ in range(args.rounds):
            ingestion.running.clear()
            runs["off"].append(wrk(off_port, args.round))
            runs["logging"].append(wrk(on_port, args.round))
            ingestion.running.set()
            runs["logging+ingesting"].append(wrk(on_port, args.round))
            wait(lambda: ingestion.caught_up(log_file), 120)
        base = statistics.median(runs["off"])
        for name, values in runs.items():
            median = statistics.median(values)
            print(f"(1) {name:18} {median:8,.0f} req/s  {median / base:.2f}x  runs {[round(v) for v in values]}")
        print("    goal: logging+ingesting >= 0.85x of off")

        # (2) ingestion at full speed
        rows0 = ingestion.tailer.requests.count()
        cpu0, traefik_cpu0 = ingestion.cpu_s, cpu_s(procs[0].pid)
        warm = args.duration / 3
        served: list[float] = []
        load = threading.Thread(target=lambda: served.append(wrk(on_port, args.duration)))
        started = time.monotonic()
        load.start()
        rss_warm, peak = None, 0.0
        while load.is_alive():
            time.sleep(1)
            peak = max(peak, rss_mb())
            if rss_warm is None and time.monotonic() - started >= warm:
                rss_warm = rss_mb()
        load.join()
        stopped = time.monotonic()
        position = ingestion.tailer.requests.positions()["bench"].offset
        backlog = log_file.stat().st_size - position
        wait(lambda: ingestion.caught_up(log_file), 600)
        caught_up = time.monotonic() - stopped
        rows = ingestion.tailer.requests.count() - rows0
        ingest_cpu, traefik_cpu = ingestion.cpu_s - cpu0, cpu_s(procs[0].pid) - traefik_cpu0
        print(
            f"(2) ingestion: Traefik served {served[0]:,.0f} req/s for {args.duration:.0f} s = {rows:,} rows; "
            f"backlog when wrk stopped {backlog / 1024:.0f} KiB, cleared {caught_up:.2f} s later"
        )
        print(
            f"    CPU per request: ingestion {ingest_cpu / rows * 1e6:.0f} us, Traefik "
            f"{traefik_cpu / rows * 1e6:.0f} us ({ingest_cpu / traefik_cpu:.2f}x of Traefik's)"
        )
        end = rss_mb()
        print(
            f"    RSS after warm-up ({warm:.0f} s) {rss_warm:.1f} MB, peak {peak:.1f} MB, at end {end:.1f} MB: "
            f"growth {end - (rss_warm or end):+.1f} MB (goal <= 10 MB)"
        )

        # (3) visibility
        delays = []
        conn = http.client.HTTPConnection("127.0.0.1", on_port, timeout=5)
        for _ in range(args.visibility_requests):
            before = ingestion.tailer.requests.count()
            conn.request("GET", "/")
            conn.getresponse().read()
            answered = time.monotonic()
            wait(lambda before=before: ingestion.tailer.requests.count() > before, 10)  # type: ignore[misc]
            delays.append(time.monotonic() - answered)
            time.sleep(0.05)
        print(
            f"(3) visibility: response -> row committed, median {statistics.median(delays) * 1000:.0f} ms, "
            f"max {max(delays) * 1000:.0f} ms over {len(delays)} requests (goal median <= 1000 ms; AWS ~60 s)"
        )
    finally:
        ingestion.close()
        for p in procs:
            p.terminate()
            p.wait(10)
        nginx.terminate()
        nginx.wait(10)
        server.should_exit = True


if __name__ == "__main__":
    main()
