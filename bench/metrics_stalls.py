"""Nothing waits on a metrics query: DescribeLoadBalancers latency and ModifyRule -> live traffic, idle and while
another client runs GetMetricData over 24 h (10 metrics, 60 s period) in a loop, in one run.

`python -m provider serve` on a DuckDB file holding a day of history (--rps requests a second, as the metrics
reader stores it), a real Traefik polling it (long poll, as `up`), two backends; weights toggle 100/0 <-> 0/100
and a change is live at the first response from the newly weighted backend. Goal: both p95s within 1.5x of idle.

    .venv/bin/python bench/metrics_stalls.py [--calls 200] [--changes 20] [--rps 10] [--boto3-client] [--apart] [--raw]

``--apart`` is the control: the querying client asks a second server, on a copy of the file. The machine is as busy,
but the two servers share no GIL, so what is left of the slowdown is the CPU's, not the server's. ``--raw`` times
describe-load-balancers without boto3's work in this process (the bytes it sent, sent again): the server's share.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.metrics_query import _queries  # noqa: E402
from bench.propagation import all_to, groups_of, until_served_by  # noqa: E402
from provider.settings import Settings  # noqa: E402
from provider.store import Store  # noqa: E402
from tests.support.backends import Backend  # noqa: E402
from tests.support.clients import Client, cloudwatch, elbv2_client  # noqa: E402
from tests.support.processes import free_port, start_server, stop_process  # noqa: E402
from tests.support.telemetry import metrics_file, synthetic  # noqa: E402
from tests.support.traefik import Traefik  # noqa: E402


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[18]


def timed(call: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        call()
        out.append(time.perf_counter() - t)
    return out


def query_loop(url: str, start: datetime, end: datetime, parse: bool, stop: Any, done: Any) -> None:
    """GetMetricData over the day in a loop until ``stop``; puts the durations on ``done``. Unless ``parse``, the
    request boto3 made once is sent again as bytes and the answer read, not parsed: on 2 cores, boto3 parsing
    11,520 datapoints (~150 ms of CPU a call) would otherwise be the load measured, not the server's."""
    cw, params = cloudwatch(url), {"MetricDataQueries": _queries(True), "StartTime": start, "EndTime": end}
    again = replay(cw, lambda: cw.get_metric_data(**params))
    out = []
    while not stop.is_set():
        t = time.perf_counter()
        if parse:
            cw.get_metric_data(**params)
        else:
            again()
        out.append(time.perf_counter() - t)
    done.put(out)


def replay(client: Any, call: Callable[[], object]) -> Callable[[], None]:
    """``call`` made once through the boto3 ``client``; what it sent, sent again as bytes and the answer read, not
    parsed."""
    sent: list[Any] = []

    def keep(request: Any, **_: Any) -> None:
        sent.append(request)

    client.meta.events.register("before-send", keep)
    call()
    client.meta.events.unregister("before-send", keep)
    target = urllib.parse.urlsplit(sent[-1].url)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)

    def again() -> None:
        for reconnect in (False, True):
            try:
                connection.request("POST", target.path, body=sent[-1].body, headers=dict(sent[-1].headers))
                response = connection.getresponse()
                break
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                if reconnect:  # closed again at once: not an idle connection timing out
                    raise
                connection.close()  # the server closed it while idle (keep-alive timeout); the next call reopens it
        assert response.status == 200, response.status
        response.read()

    return again


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--changes", type=int, default=20)
    ap.add_argument("--rps", type=int, default=10)
    ap.add_argument("--boto3-client", action="store_true", help="the querying client parses each answer with boto3")
    ap.add_argument("--apart", action="store_true", help="the querying client asks a second server (the control)")
    ap.add_argument("--raw", action="store_true",
                    help="describe-load-balancers as boto3's bytes sent again, unparsed: the server's share alone")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-stalls-"))
    db = tmp / "state.duckdb"
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    start = end - timedelta(days=1)
    store = Store(metrics_file(db))
    history = synthetic(store, int(start.timestamp()), 86_400, args.rps)
    store.close()
    other = None
    if args.apart:
        (tmp / "apart").mkdir()
        shutil.copy(metrics_file(db), metrics_file(tmp / "apart" / db.name))
        other = start_server(tmp / "apart", process=True, db=tmp / "apart" / db.name)
    backends = {n: Backend(n) for n in "ab"}
    port = free_port()
    process = start_server(tmp, process=True, port=port, db=db).process
    url = f"http://127.0.0.1:{port}"
    traefik = Traefik(Settings(port=port), "/traefik/config", [80], tmp / "traefik.log")
    try:
        elbv2 = elbv2_client(url)
        lb, tgs = groups_of(elbv2, backends)
        listener = elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                                         DefaultActions=all_to(tgs, "a"))["Listeners"][0]["ListenerArn"]
        rule = elbv2.describe_rules(ListenerArn=listener)["Rules"][0]["RuleArn"]
        client = Client(traefik.ports[80])
        until_served_by(client, "a", time.perf_counter())
        current = ["a"]

        def propagation() -> list[float]:
            out = []
            for _ in range(args.changes):
                time.sleep(0.3)
                current[0] = "a" if current[0] == "b" else "b"
                elbv2.modify_rule(RuleArn=rule, Actions=all_to(tgs, current[0]))
                out.append(until_served_by(client, current[0], time.perf_counter()))
            return out

        describe = replay(elbv2, elbv2.describe_load_balancers) if args.raw else elbv2.describe_load_balancers

        def measure() -> tuple[list[float], list[float]]:
            return timed(describe, args.calls), propagation()

        idle = measure()
        # the querying client is another process: boto3 parsing a day of datapoints would otherwise hold this
        # process's GIL and slow the very calls being timed
        stop, done = multiprocessing.Event(), multiprocessing.Queue()
        to = other.url if other else url
        busy_client = multiprocessing.Process(target=query_loop, args=(to, start, end, args.boto3_client, stop, done))
        busy_client.start()
        try:
            busy = measure()
        finally:
            stop.set()
            queries = done.get(timeout=120)
            busy_client.join(60)
        print(f"history: {history:,} requests over 24 h; GetMetricData (10 metrics, 24 h, 60 s) ran "
              f"{len(queries)} times meanwhile{' on a second server' if other else ''}, "
              f"median {statistics.median(queries) * 1e3:.1f} ms")
        for i, what in enumerate(("describe-load-balancers", "ModifyRule -> live")):
            a, b = p95(idle[i]) * 1e3, p95(busy[i]) * 1e3
            print(f"{what:24} p95 idle {a:6.1f} ms, while querying {b:6.1f} ms: {b / a:.2f}x (goal <= 1.5x)")
    finally:
        traefik.stop()
        stop_process(process)
        if other is not None:
            stop_process(other.process)
        for b in backends.values():
            b.stop()


if __name__ == "__main__":
    main()
