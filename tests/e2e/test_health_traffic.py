"""DescribeTargetHealth agrees with the traffic through a real Traefik, and the aws CLI waiters complete.

The server runs in-process (create_app runs the prober; the Traefik supervisor is added) at a
health time scale of 0.1; backends on loopback answer the traffic path with their name whatever their
health check says, so a request routed to an unhealthy target would show.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import waiting
from tests.support.backends import Answer, Backend, Request
from tests.support.clients import aws_cli, elbv2_client
from tests.support.processes import free_port, start_server


class Named(Backend):
    """Answers /health with ``status`` and every other path with its name."""

    def __init__(self, name: str) -> None:
        self.status = 200
        super().__init__(name, self.answer)

    def answer(self, request: Request) -> Answer:
        return (self.status, b"health\n") if request.path == "/health" else (200, self.name.encode())


@dataclass
class World:
    url: str
    elbv2: Any
    tg_arn: str
    listener_port: int
    backends: dict[str, Named]

    def states(self) -> dict[str, str]:
        descriptions = self.elbv2.describe_target_health(TargetGroupArn=self.tg_arn)["TargetHealthDescriptions"]
        by_port = {b.port: name for name, b in self.backends.items()}
        return {by_port[d["Target"]["Port"]]: d["TargetHealth"]["State"] for d in descriptions}

    def register(self, *names: str) -> None:
        targets = [{"Id": "127.0.0.1", "Port": self.backends[n].port} for n in names]
        self.elbv2.register_targets(TargetGroupArn=self.tg_arn, Targets=targets)

    def traffic(self, count: int = 30) -> dict[str, int]:
        seen: dict[str, int] = {}
        with httpx.Client(timeout=5) as client:
            for _ in range(count):
                r = client.get(f"http://127.0.0.1:{self.listener_port}/")
                key = r.text if r.status_code == 200 else str(r.status_code)
                seen[key] = seen.get(key, 0) + 1
        return seen


# health checks at a tenth of AWS's timing, then a config change; a request that fails is a no
wait_for = functools.partial(waiting.wait_for, timeout=30, interval=0.1, ignore=(httpx.HTTPError,))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """`up` in this process: the prober, and the supervisor running a Traefik for the listener port."""
    server = start_server(tmp_path, up=True, health_time_scale=0.1, poll_interval_ms=100)
    backends = {name: Named(name) for name in ("a", "b", "c")}
    try:
        url = server.url
        elbv2 = elbv2_client(url)
        lb = elbv2.create_load_balancer(Name="lb", Subnets=["subnet-a", "subnet-b"])["LoadBalancers"][0]
        tg = elbv2.create_target_group(
            Name="web",
            Protocol="HTTP",
            Port=80,
            VpcId=lb["VpcId"],
            TargetType="ip",
            HealthCheckPath="/health",
            HealthCheckIntervalSeconds=5,
            HealthCheckTimeoutSeconds=2,
            HealthyThresholdCount=2,
            UnhealthyThresholdCount=2,
        )["TargetGroups"][0]
        elbv2.modify_target_group_attributes(
            TargetGroupArn=tg["TargetGroupArn"],
            # 5 s at scale 0.1: longer than a config change takes to reach traffic on a loaded machine (~2 s seen)
            Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "50"}],
        )
        listener_port = free_port()
        elbv2.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"],
            Protocol="HTTP",
            Port=listener_port,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
        )
        yield World(url, elbv2, tg["TargetGroupArn"], listener_port, backends)
    finally:
        server.stop()
        for b in backends.values():
            b.stop()


def steady(world: World, expected: set[str]) -> Callable[[], bool]:
    """True once a burst of requests reaches exactly `expected` (Traefik has applied the config)."""
    return lambda: set(world.traffic(20)) == expected


def test_described_health_is_what_the_traffic_does(world: World) -> None:
    world.register("a", "b")
    wait_for("a, b healthy", lambda: world.states() == {"a": "healthy", "b": "healthy"})
    wait_for("traffic to a and b", steady(world, {"a", "b"}))

    world.backends["b"].status = 503
    wait_for("b unhealthy", lambda: world.states()["b"] == "unhealthy")
    wait_for("traffic to a only", steady(world, {"a"}))
    assert world.traffic(50) == {"a": 50}  # the unhealthy target gets nothing

    world.elbv2.deregister_targets(
        TargetGroupArn=world.tg_arn, Targets=[{"Id": "127.0.0.1", "Port": world.backends["a"].port}]
    )
    assert world.states()["a"] == "draining"
    wait_for("fail open to b, the only target left", steady(world, {"b"}))
    assert world.states() == {"a": "draining", "b": "unhealthy"}
    assert "a" not in world.traffic(50)  # the draining target gets nothing, even failing open
    wait_for("a gone after the delay", lambda: set(world.states()) == {"b"})


@pytest.mark.slow
def test_aws_cli_waiters_complete(world: World) -> None:
    aws = aws_cli(world.url)
    port = str(world.backends["c"].port)
    aws("elbv2", "register-targets", "--target-group-arn", world.tg_arn, "--targets", f"Id=127.0.0.1,Port={port}")
    # A waiter sleeps 15 s between checks: asked once the state is there, it checks its acceptor on our answer at once.
    wait_for("c healthy", lambda: world.states() == {"c": "healthy"})
    aws(
        "elbv2",
        "wait",
        "target-in-service",
        "--target-group-arn",
        world.tg_arn,
        "--targets",
        f"Id=127.0.0.1,Port={port}",
    )
    assert world.states() == {"c": "healthy"}
    aws("elbv2", "deregister-targets", "--target-group-arn", world.tg_arn, "--targets", f"Id=127.0.0.1,Port={port}")
    wait_for("c gone after the delay", lambda: world.states() == {})
    aws(
        "elbv2",
        "wait",
        "target-deregistered",
        "--target-group-arn",
        world.tg_arn,
        "--targets",
        f"Id=127.0.0.1,Port={port}",
    )
    assert world.states() == {}


def test_below_the_minimum_healthy_count_the_group_fails_open(world: World) -> None:
    world.elbv2.modify_target_group_attributes(
        TargetGroupArn=world.tg_arn,
        Attributes=[{"Key": "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count", "Value": "2"}],
    )
    world.register("a", "b", "c")
    wait_for("all healthy", lambda: world.states() == {"a": "healthy", "b": "healthy", "c": "healthy"})
    world.backends["c"].status = 503
    wait_for("c unhealthy", lambda: world.states()["c"] == "unhealthy")
    wait_for("2 healthy >= 2: a and b only", steady(world, {"a", "b"}))
    assert "c" not in world.traffic(30)

    world.backends["b"].status = 503
    wait_for("b unhealthy", lambda: world.states()["b"] == "unhealthy")
    wait_for("1 healthy < 2: every target again", steady(world, {"a", "b", "c"}))
    assert world.states() == {"a": "healthy", "b": "unhealthy", "c": "unhealthy"}


def test_slow_start_ramps_a_new_target_up_over_time(world: World) -> None:
    # 90 s at health time scale 0.1: a 9 s ramp in 10 steps, sampled by windows of 20 requests
    world.elbv2.modify_target_group_attributes(
        TargetGroupArn=world.tg_arn, Attributes=[{"Key": "slow_start.duration_seconds", "Value": "90"}]
    )
    world.register("a")
    wait_for("a healthy", lambda: world.states() == {"a": "healthy"})
    world.register("b")
    wait_for("b healthy", lambda: world.states()["b"] == "healthy")
    windows = []
    for _ in range(15):
        windows.append(world.traffic(20).get("b", 0))
        time.sleep(0.2)  # spreads the windows over the ramp (nothing asserts on time)
    thirds = [sum(windows[i : i + 5]) for i in (0, 5, 10)]
    assert thirds[0] < thirds[1] < thirds[2], windows  # b's share grows
    assert windows[0] <= 5, windows  # it starts small
    wait_for("ramp over: an even split", lambda: world.traffic(40) == {"a": 20, "b": 20})
