"""Query speed: GetMetricData over 24 h of traffic at a 60 s period for 10 metrics, ours and moto_server's, in
one run.

    .venv/bin/python bench/metrics_query.py [--rps 10] [--calls 30] [--moto-calls 3] [--moto-timeout 300] [--no-moto]

Ours: 24 h of history at each ``--rps`` (10 and 1,000 requests a second: 0.86 M and 86 M requests) as the
metrics reader stores it (per-second sums, rolled up and aged as the server does), in a DuckDB file, through the
GetMetricData handler; the two medians' ratio shows whether the cost follows the traffic. Rendering the answer
for boto3 (rpc-v2-cbor) is timed apart and printed beside it. Peer: moto_server's GetMetricData over boto3 on the
same 10 queries, over data put into it beforehand as one-minute statistic sets (1,440 per metric: what
CloudWatch itself stores; moto cannot compute from raw requests, and 864k single values would take it
minutes to ingest), with Average in place of p99, which moto answers with a 500. moto evaluates each query
by walking every data point for every period, so one call takes it minutes: a call over --moto-timeout
counts as that long, and the ratio is then an upper bound. Prints the medians and ours/moto.
Goal: ours <= 20 ms, and within 1.5x between the two histories.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ReadTimeoutError  # noqa: E402

from bench.api_latency import stop, wait_http  # noqa: E402
from provider.aws.model import load  # noqa: E402
from provider.aws.protocols import CBOR  # noqa: E402
from provider.cloudwatch.context import Context  # noqa: E402
from provider.cloudwatch.metric_data import get_metric_data  # noqa: E402
from provider.store import Store  # noqa: E402
from tests.support.processes import BIN, free_port  # noqa: E402
from tests.support.telemetry import LB, TG_V1, synthetic  # noqa: E402

NS = "AWS/ApplicationELB"
CLOUDWATCH = load("cloudwatch")
QUERIES: list[tuple[str, str, bool]] = [  # metric, stat, per target group
    ("RequestCount", "Sum", False),
    ("RequestCount", "Sum", True),
    ("HTTPCode_Target_2XX_Count", "Sum", False),
    ("HTTPCode_Target_5XX_Count", "Sum", False),
    ("HTTPCode_Target_5XX_Count", "Sum", True),
    ("HTTPCode_ELB_5XX_Count", "Sum", False),
    ("TargetResponseTime", "Average", False),
    ("TargetResponseTime", "p99", True),
    ("ProcessedBytes", "Sum", False),
    ("TargetConnectionErrorCount", "Sum", False),
]


def _queries(pascal: bool, percentiles: bool = True) -> list[dict[str, Any]]:
    """The 10 queries, in the handler's snake_case or boto3's PascalCase; without percentiles, p99 asks for the
    Average instead (moto answers a percentile stat with a 500)."""
    def key(snake: str) -> str:
        return "".join(p.title() for p in snake.split("_")) if pascal else snake

    out = []
    for i, (metric, stat, per_group) in enumerate(QUERIES):
        dims = [("LoadBalancer", LB), *([("TargetGroup", TG_V1)] if per_group else [])]
        spec = {key("namespace"): NS, key("metric_name"): metric,
                key("dimensions"): [{key("name"): n, key("value"): v} for n, v in dims]}
        stat = stat if percentiles or not stat.startswith("p") else "Average"
        out.append({key("id"): f"m{i}", key("metric_stat"): {key("metric"): spec, key("period"): 60,
                                                              key("stat"): stat}})
    return out


def ours(work: Path, start: datetime, histories: list[int], calls: int) -> dict[int, float]:
    """Median wall ms per history (requests a second). The histories' calls alternate, so that a shared machine's
    drift falls on each alike."""
    params = {"metric_data_queries": _queries(False), "start_time": start, "end_time": start + timedelta(days=1)}
    stores, rows = {}, {}
    for rps in histories:
        stores[rps] = Store(str(work / f"state-{rps}.duckdb"))
        rows[rps] = synthetic(stores[rps], int(start.timestamp()), 86_400, rps)
    times: dict[int, list[float]] = {rps: [] for rps in histories}
    cpu: dict[int, list[float]] = {rps: [] for rps in histories}
    rendering: dict[int, list[float]] = {rps: [] for rps in histories}
    contexts = {rps: Context(store) for rps, store in stores.items()}
    results = {rps: get_metric_data(ctx, params) for rps, ctx in contexts.items()}  # warm
    for _ in range(calls):
        for rps, ctx in contexts.items():
            t, c = time.perf_counter(), time.process_time()
            get_metric_data(ctx, params)
            times[rps].append(time.perf_counter() - t)
            cpu[rps].append(time.process_time() - c)
            t = time.perf_counter()
            CBOR.render(CLOUDWATCH, "GetMetricData", results[rps], "bench")
            rendering[rps].append(time.perf_counter() - t)
    for rps, store in stores.items():
        store.close()
        points = sum(len(r["values"]) for r in results[rps]["metric_data_results"])
        print(f"ours at {rps:,} rps: {rows[rps]:,} requests of history, {points:,} datapoints per call; median wall "
              f"{statistics.median(times[rps]) * 1000:.1f} ms, CPU {statistics.median(cpu[rps]) * 1000:.1f} ms; "
              f"rendered for boto3 in {statistics.median(rendering[rps]) * 1000:.1f} ms")
    return {rps: statistics.median(t) * 1000 for rps, t in times.items()}


def moto(start: datetime, calls: int, timeout: float) -> tuple[float, bool]:
    """moto's median ms, and whether a call timed out (then the median is a lower bound)."""
    port = free_port()
    binary = BIN / "moto_server" if (BIN / "moto_server").exists() else Path(shutil.which("moto_server") or "")
    proc = subprocess.Popen([str(binary), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_http(url + "/moto-api/")
        cw = boto3.client("cloudwatch", endpoint_url=url, region_name="us-east-1", aws_access_key_id="t",
                          aws_secret_access_key="t",
                          config=Config(retries={"max_attempts": 1}, read_timeout=timeout, connect_timeout=10))
        # moto refuses nothing under AWS/, so it takes the ALB namespace directly: one statistic set a minute
        for metric, _, per_group in QUERIES:
            dims = [{"Name": "LoadBalancer", "Value": LB}, *([{"Name": "TargetGroup", "Value": TG_V1}] if per_group
                                                                else [])]
            data = [{"MetricName": metric, "Dimensions": dims, "Timestamp": start + timedelta(minutes=m),
                     "StatisticValues": {"SampleCount": 600.0, "Sum": 600.0, "Minimum": 1.0, "Maximum": 1.0}}
                    for m in range(1440)]
            for i in range(0, len(data), 1000):
                cw.put_metric_data(Namespace=NS, MetricData=data[i : i + 1000])
        window = {"StartTime": start, "EndTime": start + timedelta(days=1)}
        params = {"MetricDataQueries": _queries(True, percentiles=False), **window}
        print(f"moto: {len(QUERIES) * 1440:,} statistic sets put")
        times = []
        for _ in range(calls):
            t = time.perf_counter()
            try:
                got = sum(len(r["Values"]) for r in cw.get_metric_data(**params)["MetricDataResults"])
            except ReadTimeoutError:
                print(f"moto: a call took over {timeout:.0f} s")
                return timeout * 1000, True
            times.append(time.perf_counter() - t)
        print(f"moto: {got:,} datapoints per call")
        return statistics.median(times) * 1000, False
    finally:
        stop(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rps", type=int, nargs="+", default=[10, 1000], help="histories to compare (flat?)")
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--moto-calls", type=int, default=3)
    parser.add_argument("--moto-timeout", type=float, default=300.0, help="seconds one moto call may take")
    parser.add_argument("--no-moto", action="store_true")
    args = parser.parse_args()
    # within moto's 2-week window and the default retention day; minute-aligned
    start = (datetime.now(UTC) - timedelta(days=1, minutes=5)).replace(second=0, microsecond=0)
    work = Path(tempfile.mkdtemp(prefix="bench-metrics-"))
    try:
        medians = ours(work, start, args.rps, args.calls)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    low, high = min(args.rps), max(args.rps)
    print(f"flat in traffic: {high:,} rps history / {low:,} rps history = {medians[high] / medians[low]:.2f}x"
          " (goal <= 1.5x)")
    mine = medians[low]
    print(f"{'GetMetricData, 10 metrics, 24 h, 60 s':<40}{'ours ms':>10}{'moto ms':>10}{'ratio':>8}")
    if args.no_moto:
        print(f"{'':<40}{mine:>10.1f}")
        return
    theirs, timed_out = moto(start, args.moto_calls, args.moto_timeout)
    bound = ">" if timed_out else ""
    print(f"{'':<40}{mine:>10.1f}{bound + format(theirs, '.1f'):>10}{'<' if timed_out else ''}{mine / theirs:>7.4f}x")


if __name__ == "__main__":
    main()
