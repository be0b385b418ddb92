"""API latency: the same boto3 script against elbv2-provider (DuckDB file, durable) and moto_server, in one run.

    .venv/bin/python bench/api_latency.py [--calls 200]

Prints the median of create_rule, modify_rule, describe_target_groups, describe_rules on listeners
holding 14 and 214 rules, and EC2's describe_subnets (filtered by VPC) and describe_security_groups, for
both servers, and our/moto ratios. Both servers get the same VPC and subnets through their EC2 API.
Goals: create/modify <= 1.0x moto, describe_rules(214) <= 0.2x moto.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.processes import BIN, ROOT, free_port  # noqa: E402


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError as e:
            if getattr(e, "code", None):  # an HTTP error status means the server is up
                return
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def client(service: str, url: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="t",
        aws_secret_access_key="t",
        config=Config(retries={"max_attempts": 1}),
    )


def median_ms(call: Callable[[int], object], n: int) -> float:
    times = []
    for i in range(n):
        start = time.perf_counter()
        call(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def network(url: str) -> tuple[str, list[str]]:
    """A VPC with a subnet in each of two zones, made through the server's EC2 API."""
    ec2 = client("ec2", url)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"]
        for i, z in enumerate("ab")
    ]
    return vpc, subnets


def run(url: str, calls: int) -> dict[str, float]:
    vpc, subnets = network(url)
    elbv2, ec2 = client("elbv2", url), client("ec2", url)
    lb = elbv2.create_load_balancer(Name="bench", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    tgs = [
        elbv2.create_target_group(Name=f"bench-{i}", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")[
            "TargetGroups"
        ][0]["TargetGroupArn"]
        for i in range(3)
    ]
    listeners = [
        elbv2.create_listener(
            LoadBalancerArn=lb,
            Protocol="HTTP",
            Port=port,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tgs[0]}],
        )["Listeners"][0]["ListenerArn"]
        for port in (80, 81, 82)
    ]

    def actions(w: int) -> list[dict[str, Any]]:
        return [
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": tgs[1], "Weight": 100 - w},
                        {"TargetGroupArn": tgs[2], "Weight": w},
                    ],
                    "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 3600},
                },
            }
        ]

    def create(listener: str, priority: int) -> str:
        return str(
            elbv2.create_rule(
                ListenerArn=listener,
                Priority=priority,
                Actions=actions(priority % 100),
                Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": [f"/p{priority}/*"]}}],
            )["Rules"][0]["RuleArn"]
        )

    for p in range(1, 14):
        create(listeners[1], p)
    for p in range(1, 214):
        create(listeners[2], p)
    created: list[str] = []
    figures = {"create_rule": median_ms(lambda i: created.append(create(listeners[0], 1000 + i)), calls)}
    figures["modify_rule"] = median_ms(
        lambda i: elbv2.modify_rule(RuleArn=created[i % len(created)], Actions=actions((i + 50) % 100)), calls
    )
    figures["describe_target_groups"] = median_ms(lambda i: elbv2.describe_target_groups(), calls)
    figures["describe_rules (14)"] = median_ms(lambda i: elbv2.describe_rules(ListenerArn=listeners[1]), calls)
    figures["describe_rules (214)"] = median_ms(
        lambda i: elbv2.describe_rules(ListenerArn=listeners[2], PageSize=400), max(20, calls // 4)
    )
    in_vpc = [{"Name": "vpc-id", "Values": [vpc]}]
    figures["ec2 describe_subnets"] = median_ms(lambda i: ec2.describe_subnets(Filters=in_vpc), calls)
    figures["ec2 describe_security_groups"] = median_ms(lambda i: ec2.describe_security_groups(), calls)
    return figures


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200, help="calls per measured operation (default 200)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-api-"))
    ours_port, moto_port = free_port(), free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ours = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "provider",
            "serve",
            "--port",
            str(ours_port),
            "--db",
            str(work / "state.duckdb"),
            "--log-level",
            "warning",
            "--quota",
            "rules-per-application-load-balancer=1000",  # describe_rules over 214 rules of one load balancer
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    moto_bin = BIN / "moto_server" if (BIN / "moto_server").exists() else Path(shutil.which("moto_server") or "")
    moto = subprocess.Popen(
        [str(moto_bin), "-H", "127.0.0.1", "-p", str(moto_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        ours_url, moto_url = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{moto_port}"
        wait_http(ours_url + "/healthz")
        wait_http(moto_url + "/moto-api/")
        theirs = run(moto_url, args.calls)
        mine = run(ours_url, args.calls)
    finally:
        stop(ours)
        stop(moto)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'operation':<30}{'elbv2-provider ms':>18}{'moto ms':>10}{'ratio':>8}")
    for op in mine:
        print(f"{op:<30}{mine[op]:>18.2f}{theirs[op]:>10.2f}{mine[op] / theirs[op]:>7.2f}x")


if __name__ == "__main__":
    main()
