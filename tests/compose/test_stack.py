"""The demo stack of compose.yaml, run for real (`make compose-test`; issue 12).

Up with --wait, the 95/5 canary through Traefik's published port, the HTTPS listener verified against the local
CA, `--scale`, setup run twice, `docker stop`
(drained at the signal: no failed request) and `docker kill` (counted), a provider restart, `down -v`.
The tests run in file order on one stack (conftest.stack).
"""

from __future__ import annotations

import collections
import http.client
import json
import os
import socket
import ssl
import subprocess
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.compose import Stack, docker, leftovers
from tests.support.processes import BIN
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.docker, pytest.mark.slow]
CANARY = {"v1": 95, "v2": 5}
NETWORK = "elbv2-demo"
WAIT_S = 90  # a container start, a health threshold, a restart
DEMO_DOMAIN = "demo.localhost"  # compose.yaml's HTTPS listener: its ACM certificate names it


def get(url: str) -> tuple[str, str]:
    """The version that answered and the replica (its X-Served-By), or the error's class name and ""."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode().strip()), str(response.headers.get("X-Served-By", ""))
    except OSError as e:
        return type(e).__name__, ""


def split(stack: Stack, requests: int = 100) -> collections.Counter[str]:
    url = stack.url("traefik", 8000) + "/app/"
    return collections.Counter(get(url)[0] for _ in range(requests))


def wait_for_canary(stack: Stack) -> None:
    """Until 100 requests in a row split exactly 95/5 (weighted round robin, once every target is healthy)."""
    seen: list[collections.Counter[str]] = []
    try:
        wait_for("a 95/5 split", lambda: seen.append(split(stack)) or seen[-1] == CANARY, WAIT_S)
    except AssertionError as e:
        raise AssertionError(f"{e}; the last 100 requests: {dict(seen[-1]) if seen else None}") from None


def described(elbv2: Any) -> dict[str, Any]:
    lbs = elbv2.describe_load_balancers()["LoadBalancers"]
    listeners = [x for lb in lbs for x in elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]]
    return {
        "load_balancers": lbs,
        "target_groups": elbv2.describe_target_groups()["TargetGroups"],
        "listeners": listeners,
        "rules": [r for x in listeners for r in elbv2.describe_rules(ListenerArn=x["ListenerArn"])["Rules"]],
    }


def health(elbv2: Any, group: str) -> dict[str, str]:
    """target id (the container's address) -> state, for the group named `group`."""
    arn = elbv2.describe_target_groups(Names=[group])["TargetGroups"][0]["TargetGroupArn"]
    found = elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    return {d["Target"]["Id"]: d["TargetHealth"]["State"] for d in found}


def address(container: dict[str, Any]) -> str:
    return str(container["NetworkSettings"]["Networks"][NETWORK]["IPAddress"])


def running(container_id: str) -> bool:
    return bool(json.loads(docker("inspect", container_id))[0]["State"]["Running"])


class Clients:
    """`count` threads each sending requests to /app/ back to back until stopped; results tallied."""

    def __init__(self, stack: Stack, count: int = 4) -> None:
        self.url = stack.url("traefik", 8000) + "/app/"
        self.results: collections.Counter[str] = collections.Counter()
        self.last_answer: dict[str, float] = {}  # replica (host name) -> when it last answered (monotonic)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._send, daemon=True) for _ in range(count)]

    def _send(self) -> None:
        while not self._stop.is_set():
            answer, replica = get(self.url)
            with self._lock:
                self.results[answer] += 1
                self.last_answer[replica] = time.monotonic()

    def __enter__(self) -> Clients:
        for t in self._threads:
            t.start()
        wait_for("the clients under way", lambda: self.total() >= 40, timeout=30)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(10)

    def total(self) -> int:
        with self._lock:
            return sum(self.results.values())

    def failed(self) -> int:
        with self._lock:
            return sum(n for answer, n in self.results.items() if answer not in CANARY)


def test_canary_splits_95_5_through_the_published_port(stack: Stack) -> None:
    wait_for_canary(stack)
    assert split(stack) == CANARY


def test_https_listener_serves_its_acm_certificate_verified_against_the_local_ca(stack: Stack) -> None:
    with urllib.request.urlopen(stack.url("provider", 8080) + "/ca.pem", timeout=5) as response:
        ca = response.read().decode()
    host, port = stack.url("traefik", 443).removeprefix("http://").rsplit(":", 1)
    ctx = ssl.create_default_context(cadata=ca)  # the local CA only: nothing else is trusted

    def answer() -> str:
        conn = http.client.HTTPSConnection(DEMO_DOMAIN, int(port), context=ctx, timeout=5)
        conn.sock = ctx.wrap_socket(socket.create_connection((host, int(port)), timeout=5),
                                    server_hostname=DEMO_DOMAIN)
        conn.request("GET", "/app/")
        body = conn.getresponse().read().decode().strip()
        conn.close()
        return body

    wait_for("HTTPS verified against the local CA", lambda: answer() == "v1", WAIT_S, ignore=(OSError,))
    with socket.create_connection((host, int(port)), timeout=5) as raw, \
            ctx.wrap_socket(raw, server_hostname=DEMO_DOMAIN) as tls:
        assert tls.version() == "TLSv1.3"


def test_setup_run_again_changes_nothing(stack: Stack) -> None:
    elbv2 = stack.elbv2()
    before = described(elbv2)
    # the canary rule and the default on 8000, the default on 443
    assert len(before["target_groups"]) == 2 and len(before["rules"]) == 3
    stack.run("run", "--rm", "--no-deps", "setup")
    assert described(elbv2) == before


def test_scale_registers_the_replicas_by_label(stack: Stack) -> None:
    # three v1 replicas too: the stop and kill tests below take two of them away
    stack.up("--scale", "v1=3", "--scale", "v2=3")
    elbv2 = stack.elbv2()
    for group in ("v1", "v2"):
        addresses = {address(c) for c in stack.containers(group)}
        assert len(addresses) == 3
        wait_for(f"three healthy {group} targets", lambda g=group, a=addresses: health(elbv2, g) == dict.fromkeys(
            a, "healthy"), WAIT_S)
    wait_for_canary(stack)
    assert split(stack) == CANARY


def test_stop_drains_at_the_signal_and_fails_no_request(stack: Stack) -> None:
    elbv2 = stack.elbv2()
    container = stack.containers("v1")[0]
    target = address(container)
    stopper = threading.Thread(target=docker, args=("stop", container["Id"]))
    with Clients(stack) as clients:
        signalled = time.monotonic()
        stopper.start()
        wait_for("draining", lambda: health(elbv2, "v1").get(target) == "draining", timeout=10)
        drained_after = time.monotonic() - signalled
        still_running = running(container["Id"])  # the backend takes 2 s to exit (demo/backend.py)
        stopper.join(30)
        sent_before_exit = clients.total()
        wait_for("more requests after the exit", lambda: clients.total() >= sent_before_exit + 40, timeout=30)
    last = clients.last_answer.get(container["Config"]["Hostname"], signalled) - signalled
    print(f"\ndocker stop: draining {drained_after:.2f} s after the signal, its last answer {last:.2f} s after it;"
          f" clients: {dict(clients.results)}")
    assert still_running
    assert clients.failed() == 0


def test_kill_fails_only_the_requests_under_way(stack: Stack) -> None:
    elbv2 = stack.elbv2()
    container = next(c for c in stack.containers("v1") if c["State"]["Running"])
    target = address(container)
    with Clients(stack) as clients:
        docker("kill", container["Id"])
        wait_for("out of routing", lambda: health(elbv2, "v1").get(target) in ("draining", None), timeout=10)
        sent = clients.total()
        wait_for("more requests after", lambda: clients.total() >= sent + 40, timeout=30)
    print(f"\ndocker kill: {clients.failed()} failed of {clients.total()}: {dict(clients.results)}")
    assert split(stack) == CANARY  # one v1 left, and it takes all of v1's share


def requests_counted(stack: Stack) -> float:
    """RequestCount of the demo load balancer over the last hour, by the real aws CLI against the compose endpoint
    (Traefik's access log reaches the provider through the shared volume)."""
    now = datetime.now(UTC)
    arn = stack.elbv2().describe_load_balancers(Names=["demo"])["LoadBalancers"][0]["LoadBalancerArn"]
    args = ["--namespace", "AWS/ApplicationELB", "--metric-name", "RequestCount", "--period", "3600"]
    args += ["--dimensions", f"Name=LoadBalancer,Value={arn.split(':loadbalancer/', 1)[1]}"]
    args += ["--start-time", (now - timedelta(hours=1)).isoformat()]
    args += ["--end-time", (now + timedelta(minutes=1)).isoformat()]
    out = subprocess.run(
        [str(BIN / "aws"), "cloudwatch", "get-metric-statistics", *args, "--statistics", "Sum",
         "--endpoint-url", stack.url("provider", 8080), "--query", "sum(Datapoints[].Sum)"],
        env={**os.environ, "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", "AWS_DEFAULT_REGION": "us-east-1"},
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout
    return float(out)


def test_cloudwatch_counts_the_requests_traefik_served(stack: Stack) -> None:
    settled: list[float] = [requests_counted(stack)]
    # earlier steps' last requests may still be on their way into the metrics: wait until the count holds still
    wait_for("the count to settle", lambda: settled.append(requests_counted(stack)) or settled[-1] == settled[-2],
             WAIT_S)
    before = settled[-1]
    answered = split(stack, 200)
    assert set(answered) <= {"v1", "v2"}, answered
    wait_for("200 more requests counted", lambda: requests_counted(stack) >= before + 200, timeout=30)
    assert requests_counted(stack) == before + 200


def test_provider_restart_keeps_state_and_routing(stack: Stack) -> None:
    before = described(stack.elbv2())
    stack.run("restart", "provider")
    stack.up()
    wait_for("the API answers again", lambda: bool(described(stack.elbv2())["load_balancers"]), WAIT_S)
    assert described(stack.elbv2()) == before
    wait_for_canary(stack)


def test_down_leaves_nothing_behind(stack: Stack) -> None:
    stack.run("down", "-v")
    assert leftovers() == {"containers": [], "networks": [], "volumes": []}
    assert NETWORK not in docker("network", "ls", "--format", "{{.Name}}").split()
