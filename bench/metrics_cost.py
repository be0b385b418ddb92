"""What CloudWatch metrics cost the traffic, in one run against the same Traefik without telemetry:

(1) throughput: wrk through a Traefik started with the static config `up` uses (Prometheus counters per router
    and per service, the access log on but skipped by every router: no load balancer keeps one) while this
    server reads its counters twice a second, vs a Traefik with no telemetry at all, both serving the same
    dynamic config (a 95/5 weighted rule to two groups on one nginx); runs alternate; goal >= 0.8x.
(2) soak: wrk at full speed for --duration seconds through the first; this process's RSS (it runs the server)
    and the state files (DuckDB file + WAL) after warm-up (the first third) and at the end; goal: RSS growth
    <= 10 MB, state growth <= 5 MB over 300 s; and RequestCount is the targets' answers plus the clients that left,
    with what nginx served between the two (`Counted`).
(3) visibility: one request at a time; from its response to GetMetricStatistics' Sum counting it; goal median
    <= 1 s (AWS: about a minute).

Needs `wrk` and `nginx` (Debian: apt-get install -y wrk nginx-light).

    .venv/bin/python bench/metrics_cost.py [--duration 300] [--round 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import uvicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from provider.app import create_app  # noqa: E402
from provider.elbv2.arns import dimension  # noqa: E402
from provider.elbv2.model import HealthCheck  # noqa: E402
from provider.settings import Settings  # noqa: E402
from provider.traefik import plugin, static  # noqa: E402
from tests.support.builders import StateBuilder  # noqa: E402
from tests.support.processes import free_port  # noqa: E402

NGINX_CONF = """daemon off; worker_processes 1; pid {tmp}/nginx.pid; error_log {tmp}/nginx.err;
events {{ worker_connections 1024; }}
http {{ access_log off; server {{ listen 127.0.0.1:{port}; location / {{ return 200 "ok\\n"; }}
                                  location = /nginx-status {{ stub_status; }} }} }}
"""


class Counted:
    """A load balancer's sums, since this was made, of the metrics a run is checked with. wrk leaves requests in
    flight when it stops, and ALB counts a client that closed before its answer in RequestCount and in
    HTTPCode_ELB_4XX_Count (its 460), not as the target's answer, whether or not the target had answered; so do we.
    So each request counted is either the targets' or a client's that left, and what nginx served lies between the
    targets' answers and RequestCount."""

    TARGETS, LEFT = "HTTPCode_Target_2XX_Count", "HTTPCode_ELB_4XX_Count"
    CHECKED = ("RequestCount", TARGETS, LEFT)

    def __init__(self, cw: Any, lb_dim: str) -> None:
        self.cw, self.lb_dim = cw, lb_dim
        self.base = self._sums(self.CHECKED)

    def _sums(self, names: tuple[str, ...]) -> dict[str, float]:
        end = datetime.now(UTC) + timedelta(minutes=1)
        return {name: sum(p["Sum"] for p in self.cw.get_metric_statistics(
            Namespace="AWS/ApplicationELB", MetricName=name, Statistics=["Sum"], Period=86400,
            StartTime=end - timedelta(days=1), EndTime=end, Dimensions=[{"Name": "LoadBalancer", "Value": self.lb_dim}],
        )["Datapoints"]) for name in names}  # fmt: skip

    def since(self, *names: str) -> dict[str, float]:
        """Each of ``names`` (default: all three) counted since this was made."""
        return {name: value - self.base[name] for name, value in self._sums(names or self.CHECKED).items()}

    def against(self, served: int, within: float) -> str:
        """Once RequestCount reaches ``served`` (or ``within`` s): how the counts compare with it."""
        wait(lambda: self.since("RequestCount")["RequestCount"] >= served, within)
        n = self.since()
        exact = n["RequestCount"] == n[self.TARGETS] + n[self.LEFT] and n[self.TARGETS] <= served <= n["RequestCount"]
        return (f"nginx served {served:,}, {self.TARGETS} {n[self.TARGETS]:,.0f}, RequestCount "
                f"{n['RequestCount']:,.0f} of which {self.LEFT} {n[self.LEFT]:,.0f} "
                f"({'exact' if exact else 'DIFFERENT'})")


def nginx_requests(port: int) -> int:
    """The requests nginx has answered so far (its stub_status; each call is one more)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/nginx-status", timeout=5) as r:
        return int(r.read().decode().split("\n")[2].split()[2])


class Port:
    def __init__(self, port: int) -> None:
        self.port = port


def provider(pid: int) -> list[int]:
    """The server ``pid`` and its metrics process (not the Traefiks, nginx or wrk this bench may have started)."""
    out = [pid]
    for proc in Path("/proc").iterdir():
        with contextlib.suppress(OSError, IndexError, ValueError):  # gone meanwhile
            if (proc.name.isdigit() and int((proc / "stat").read_text().rpartition(")")[2].split()[1]) == pid
                    and b"provider.metricsserver" in (proc / "cmdline").read_bytes()):
                out.append(int(proc.name))
    return out


def rss_mb(pid: int) -> float:
    """The resident memory of the server ``pid`` and its metrics process."""
    total = 0
    for each in provider(pid):
        with contextlib.suppress(OSError):
            total += int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{each}/status").read_text()).group(1))  # type: ignore[union-attr]
    return total / 1024


def cpu_s(pid: int) -> float:
    """The user + system CPU seconds so far of the server ``pid`` and its metrics process."""
    total = 0.0
    for each in provider(pid):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{each}/stat").read_text().rpartition(")")[2].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def files_mb(db: Path, store: Any) -> tuple[float, float]:
    """(the state file after a checkpoint, with its write-ahead log; the metrics file with its log, as the metrics
    process left them: it folds its log in at 16 MB) in MB."""
    cur = store.cursor()
    cur.execute("CHECKPOINT")
    cur.close()
    metrics = Path(Settings(db=str(db)).metrics_db)
    return _with_wal(db), _with_wal(metrics)


def _with_wal(db: Path) -> float:
    return sum(p.stat().st_size for p in (db, db.with_name(db.name + ".wal")) if p.exists()) / 2**20


def traefik(settings: Settings, port: int, tmp: Path, name: str, telemetry: bool) -> subprocess.Popen[bytes]:
    """A Traefik for listener 80 on ``port``: `up`'s static config, or the same without any telemetry."""
    listeners = {80: f"127.0.0.1:{port}"}
    extra: dict[str, Any] = {}
    if telemetry:
        extra = {"access_log_path": tmp / "access" / f"{name}.json", "metrics_address": f"127.0.0.1:{free_port()}"}
    config = static.routing_config(listeners, settings, "/traefik/config/80", level="ERROR", **extra)
    path = tmp / f"{name}.yaml"
    path.write_text(json.dumps(config))
    log = (tmp / f"{name}.log").open("ab")
    args = [static.traefik_binary(settings), f"--configFile={path}"]
    return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=plugin.install(tmp))


def wrk(port: int, seconds: float) -> tuple[float, int, int]:
    """(requests/s, requests answered 2xx, requests failed: other answers and socket errors)."""
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{round(seconds)}s", f"http://127.0.0.1:{port}/"],
                         capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    done = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    bad = int(non_2xx.group(1)) if non_2xx else 0
    return rate, done - bad, bad + (sum(int(g) for g in sockets.groups()) if sockets else 0)


def wait(predicate: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of full-speed load in (2)")
    parser.add_argument("--round", type=float, default=8.0, help="seconds per wrk run in (1)")
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs per variant in (1), alternated")
    parser.add_argument("--visibility-requests", type=int, default=40)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-metrics-cost-"))
    nginx_port, api_port = free_port(), free_port()
    (tmp / "nginx.conf").write_text(NGINX_CONF.format(tmp=tmp, port=nginx_port))
    nginx = subprocess.Popen(["nginx", "-c", str(tmp / "nginx.conf"), "-p", str(tmp)])
    db = tmp / "state.duckdb"
    settings = Settings(port=api_port, db=str(db), traefik_log_dir=str(tmp / "access"))
    app = create_app(settings)
    store = app.state.runtime.store
    b = StateBuilder()
    b.lb("web")
    b.listener("web", 80)
    probe = HealthCheck(port=str(api_port), path="/healthz")  # health checks off nginx: it counts the traffic
    for name in ("stable", "canary"):
        b.tgs[name] = replace(b.tg(name, Port(nginx_port)), health_check=probe)  # type: ignore[arg-type]
    b.rule("web", 80, None, b.forward(("stable", 95), ("canary", 5)))
    with store.write() as tx:
        for f in ("load_balancers", "target_groups", "targets", "listeners", "rules"):
            for obj in getattr(b.state(), f).values():
                tx.put(obj)
    lb = dimension(b.lbs["web"].arn)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=api_port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    wait(lambda: server.started)
    cw = boto3.client("cloudwatch", endpoint_url=f"http://127.0.0.1:{api_port}", region_name="us-east-1",
                      aws_access_key_id="t", aws_secret_access_key="t")

    on_port, off_port = free_port(), free_port()
    procs = [traefik(settings, on_port, tmp, "telemetry", True), traefik(settings, off_port, tmp, "none", False)]
    try:
        wait(lambda: serves(on_port) and serves(off_port))
        # (1) throughput, alternated
        runs: dict[str, list[float]] = {"no telemetry": [], "telemetry": []}
        for _ in range(args.rounds):
            runs["no telemetry"].append(wrk(off_port, args.round)[0])
            runs["telemetry"].append(wrk(on_port, args.round)[0])
        base = statistics.median(runs["no telemetry"])
        for name, values in runs.items():
            median = statistics.median(values)
            print(f"(1) {name:13} {median:8,.0f} req/s  {median / base:.2f}x  runs {[round(v) for v in values]}")
        print("    goal: telemetry >= 0.8x of no telemetry")

        # (2) soak
        time.sleep(1.5)
        counted, served0 = Counted(cw, lb), nginx_requests(nginx_port)
        warm = args.duration / 3
        result: list[tuple[float, int, int]] = []
        load = threading.Thread(target=lambda: result.append(wrk(on_port, args.duration)))
        started, cpu0 = time.monotonic(), cpu_s(os.getpid())
        load.start()
        rss_warm: float | None = None
        disk_warm: tuple[float, float] | None = None
        peak = 0.0
        while load.is_alive():
            time.sleep(1)
            peak = max(peak, rss_mb(os.getpid()))
            if rss_warm is None and time.monotonic() - started >= warm:
                rss_warm, disk_warm = rss_mb(os.getpid()), files_mb(db, store)
        load.join()
        provider_cpu = (cpu_s(os.getpid()) - cpu0) / (time.monotonic() - started)
        rate, answered, failed = result[0]
        served = nginx_requests(nginx_port) - served0 - 1  # what the targets answered, less that call
        compared = counted.against(served, 10)
        rss_end, disk_end = rss_mb(os.getpid()), files_mb(db, store)
        print(f"(2) soak: {rate:,.0f} req/s for {args.duration:.0f} s; wrk {answered:,} answered, {failed} failed; "
              f"{compared}; the provider used {provider_cpu:.1%} of a core")
        print(f"    RSS after warm-up ({warm:.0f} s) {rss_warm:.1f} MB, peak {peak:.1f} MB, at end {rss_end:.1f} MB: "
              f"growth {rss_end - (rss_warm or rss_end):+.1f} MB (goal <= 10 MB over 300 s)")
        assert disk_warm is not None
        print(f"    files after warm-up: state {disk_warm[0]:.2f} MB, metrics {disk_warm[1]:.2f} MB; at end: state "
              f"{disk_end[0]:.2f} MB, metrics {disk_end[1]:.2f} MB (each with its WAL): growth "
              f"{sum(disk_end) - sum(disk_warm):+.2f} MB (goal <= 5 MB over 300 s)")

        # (3) visibility
        delays = []
        conn = http.client.HTTPConnection("127.0.0.1", on_port, timeout=5)
        for _ in range(args.visibility_requests):
            before = counted.since("RequestCount")["RequestCount"]
            conn.request("GET", "/")
            conn.getresponse().read()
            answered_at = time.monotonic()
            wait(lambda before=before: counted.since("RequestCount")["RequestCount"] > before, 10)
            delays.append(time.monotonic() - answered_at)
            time.sleep(random.uniform(0, 1))  # requests at every phase of the once-a-second read
        print(f"(3) visibility: response -> counted by GetMetricStatistics, median "
              f"{statistics.median(delays) * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms over {len(delays)} "
              "requests (goal median <= 1000 ms; AWS ~60 s)")
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
        nginx.terminate()
        nginx.wait(10)
        server.should_exit = True


if __name__ == "__main__":
    main()
