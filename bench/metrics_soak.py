"""Soak: `elbv2-provider up` at full speed for --duration seconds (an hour by default) with the status page open:
wrk through the listener to nginx (a 95/5 canary), the page's body fetched every second, DescribeLoadBalancers
timed every second, the provider's RSS sampled. At the end: failed requests, RSS over time, the API's latency
over time, and what was counted against what nginx served (`metrics_cost.Counted`). Not a test: run it once and
report.

    .venv/bin/python bench/metrics_soak.py [--duration 3600] [--stall-every 15]

``--stall-every S`` stops the provider (SIGSTOP) for 3 s every S seconds, as a starved machine does: Traefik's
config polls time out and metrics reads pause, and the counts must still come out exact.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.metrics_cost import NGINX_CONF, Counted, cpu_s, nginx_requests, rss_mb, serves, wait, wrk  # noqa: E402
from provider.store import Store  # noqa: E402
from provider.store.telemetry_schema import RESOLUTIONS, latency, stats  # noqa: E402
from tests.support.clients import (
    cloudwatch,  # noqa: E402
    elbv2_client,  # noqa: E402
)
from tests.support.processes import free_port, start_server  # noqa: E402
from tests.support.telemetry import metrics_file  # noqa: E402

STALL_S = 3.0


def stall(pid: int, every: float, load: threading.Thread) -> None:
    while load.is_alive():
        time.sleep(every)
        os.kill(pid, signal.SIGSTOP)
        time.sleep(STALL_S)
        os.kill(pid, signal.SIGCONT)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=3600.0)
    ap.add_argument("--stall-every", type=float, default=0.0)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    nginx_port = free_port()
    (tmp / "nginx.conf").write_text(NGINX_CONF.format(tmp=tmp, port=nginx_port))
    nginx = subprocess.Popen(["nginx", "-c", str(tmp / "nginx.conf"), "-p", str(tmp)])
    server = start_server(tmp, process=True, up=True, dashboard_port=free_port())
    try:
        elbv2 = elbv2_client(server.url)
        lb = elbv2.create_load_balancer(Name="soak", Subnets=["subnet-a", "subnet-b"])["LoadBalancers"][0]
        groups = []
        for name in ("stable", "canary"):
            tg = elbv2.create_target_group(  # health checks off nginx: it counts the traffic
                Name=name, Protocol="HTTP", Port=nginx_port, VpcId=lb["VpcId"], TargetType="ip",
                HealthCheckPort=str(server.port), HealthCheckPath="/healthz",
            )["TargetGroups"][0]["TargetGroupArn"]
            elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": "127.0.0.1"}])
            groups.append(tg)
        port = free_port()
        forward = {"TargetGroups": [{"TargetGroupArn": groups[0], "Weight": 95},
                                    {"TargetGroupArn": groups[1], "Weight": 5}]}
        elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=port,
                              DefaultActions=[{"Type": "forward", "ForwardConfig": forward}])
        wait(lambda: serves(port), 60)
        lb_dim = lb["LoadBalancerArn"].split(":loadbalancer/")[1]
        cw = cloudwatch(server.url)

        time.sleep(2)
        counted, served0 = Counted(cw, lb_dim), nginx_requests(nginx_port)
        result: list[tuple[float, int, int]] = []
        load = threading.Thread(target=lambda: result.append(wrk(port, args.duration)))
        started, cpu0 = time.monotonic(), cpu_s(server.process.pid)
        load.start()
        if args.stall_every:
            threading.Thread(target=stall, args=(server.process.pid, args.stall_every, load), daemon=True).start()
        samples: list[tuple[float, float, float, float]] = []  # (t, rss, describe ms, page ms)
        while load.is_alive():
            t = time.perf_counter()
            elbv2.describe_load_balancers()
            api = time.perf_counter() - t
            t = time.perf_counter()
            with urllib.request.urlopen(server.url + "/ui/body", timeout=10) as page:
                page.read()
            ui = time.perf_counter() - t
            samples.append((time.monotonic() - started, rss_mb(server.process.pid), api * 1e3, ui * 1e3))
            time.sleep(1)
        load.join()
        cpu = (cpu_s(server.process.pid) - cpu0) / (time.monotonic() - started)
        rate, answered, failed = result[0]
        served = nginx_requests(nginx_port) - served0 - 1  # what the targets answered, less that call
        compared = counted.against(served, 15)
        out = subprocess.run(["tail", "-n", "3", str(server.log)], capture_output=True, text=True).stdout
        print(f"soak: {rate:,.0f} req/s for {args.duration:.0f} s through `up`; {answered:,} answered 2xx, "
              f"{failed} failed; {compared}")
        tenth = max(1, len(samples) // 10)
        for i in range(0, len(samples), tenth):
            chunk = samples[i : i + tenth]
            print(f"  t={chunk[0][0]:6.0f} s  RSS {chunk[-1][1]:6.1f} MB  describe-load-balancers median "
                  f"{statistics.median(c[2] for c in chunk):5.1f} ms max {max(c[2] for c in chunk):6.1f} ms  "
                  f"status page median {statistics.median(c[3] for c in chunk):5.1f} ms")
        warm = [s for s in samples if s[0] >= args.duration / 10]
        print(f"  RSS after the first tenth {warm[0][1]:.1f} MB, at the end {samples[-1][1]:.1f} MB: growth "
              f"{samples[-1][1] - warm[0][1]:+.1f} MB; least-squares trend "
              f"{statistics.linear_regression([s[0] for s in warm], [s[1] for s in warm]).slope * 3600:+.1f} MB/h, "
              f"range {min(s[1] for s in warm):.1f}-{max(s[1] for s in warm):.1f} MB")
        print(f"  provider CPU {cpu:.1%} of a core (metrics read every second, the page, the API calls)")
        print("  provider log tail:", out.strip().replace("\n", " | ")[:300])
    finally:
        server.stop()
        nginx.terminate()
        nginx.wait(10)
    stored(tmp / "state.duckdb", args.duration)


def stored(db: Path, duration: float) -> None:
    """Rows kept per resolution: what grows with time (and the number of series), against the requests served."""
    store = Store(metrics_file(db))
    with store.reader() as cur:
        for r in RESOLUTIONS:
            n = cur.execute(f"SELECT count(*) FROM {stats(r)}").fetchone()[0]
            h = cur.execute(f"SELECT count(*) FROM {latency(r)}").fetchone()[0]
            print(f"  rows at {r:>4} s: {n:>9,} sums, {h:>9,} histogram rows ({(n + h) / duration:,.1f} a second)")
    store.close()
    store = Store(str(db))
    with store.reader() as cur:
        print(f"  requests rows: {cur.execute('SELECT count(*) FROM requests').fetchone()[0]:,}")
    store.close()


if __name__ == "__main__":
    main()
