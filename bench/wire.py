"""Wire cost per protocol: our side against botocore's side of the same bytes, in one run.

    .venv/bin/python bench/wire.py [--rounds 30] [--points 1440]

For each of query, json and smithy-rpc-v2-cbor: (1) reading a GetMetricData request with 10 MetricStat queries
(ours: parse + validate by the model; peer: botocore serializing it), and (2) writing a GetMetricData answer of
10 series x `points` datapoints (ours: render; peer: botocore parsing it). Prints medians in ms and ours/peer.
Goal: writing an answer costs the server no more than reading it costs the client (write ratio <= 1.0).
Reading a request also validates it against the model, which botocore's serializer does not do; its ratio is
reported, with no goal.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import botocore.session
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from provider.aws import CBOR, JSON, QUERY, Incoming, load  # noqa: E402
from provider.aws.model import ServiceModel  # noqa: E402
from provider.aws.protocols import Protocol  # noqa: E402

PROTOCOLS = {"query": QUERY, "json": JSON, "smithy-rpc-v2-cbor": CBOR}
START = datetime(2026, 11, 30, tzinfo=UTC)


def median_ms(work: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        work()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def read(protocol: Protocol, model: ServiceModel, data: bytes) -> object:
    return protocol.parse(model, Incoming(data, target="GetMetricData"))  # a fresh request: nothing cached


def request_params() -> dict[str, Any]:
    queries = [
        {
            "Id": f"m{n}",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/ApplicationELB",
                    "MetricName": "RequestCount",
                    "Dimensions": [{"Name": "LoadBalancer", "Value": f"app/web/{n:016x}"}],
                },
                "Period": 60,
                "Stat": "Sum",
            },
        }
        for n in range(10)
    ]
    return {"MetricDataQueries": queries, "StartTime": START, "EndTime": START + timedelta(days=1)}


def result(points: int) -> dict[str, Any]:
    stamps = [START + timedelta(minutes=n) for n in range(points)]
    series = [
        {"id": f"m{n}", "label": "RequestCount", "timestamps": stamps, "values": [float(n)] * points} for n in range(10)
    ]
    return {"metric_data_results": series}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--points", type=int, default=1440)
    args = parser.parse_args()
    model = load("cloudwatch")
    operation = botocore.session.get_session().get_service_model("cloudwatch").operation_model("GetMetricData")
    params, answer = request_params(), result(args.points)
    print(f"{'protocol':<20}{'read ours':>10}{'peer':>8}{'ratio':>7}{'write ours':>12}{'peer':>8}{'ratio':>7}")
    for name, ours in PROTOCOLS.items():
        serializer = create_serializer(name, include_validation=False)
        body = serializer.serialize_to_request(params, operation)["body"]
        data = urlencode(body).encode() if isinstance(body, dict) else body
        rendered = ours.render(model, "GetMetricData", answer, "req")
        raw = {"body": rendered.body, "headers": rendered.headers, "status_code": 200}
        read_ours = median_ms(partial(read, ours, model, data), args.rounds)
        read_peer = median_ms(partial(serializer.serialize_to_request, params, operation), args.rounds)
        write_ours = median_ms(partial(ours.render, model, "GetMetricData", answer, "req"), args.rounds)
        write_peer = median_ms(partial(create_parser(name).parse, raw, operation.output_shape), args.rounds)
        print(
            f"{name:<20}{read_ours:>10.2f}{read_peer:>8.2f}{read_ours / read_peer:>7.2f}"
            f"{write_ours:>12.2f}{write_peer:>8.2f}{write_ours / write_peer:>7.2f}"
        )


if __name__ == "__main__":
    main()
