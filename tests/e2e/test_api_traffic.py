"""The whole loop: boto3 -> the server (DuckDB file) -> /traefik/config -> real Traefik -> backends."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from provider.traefik.static import LONG_POLL_MS
from tests.support.backends import Backend
from tests.support.clients import Client, elbv2_client, get_bytes
from tests.support.processes import InProcessServer, start_server
from tests.support.traefik import Traefik
from tests.support.waiting import wait_for

# 200 failed polls (one every 50 ms), five times the poll timeout (2 s): Traefik's handling of a provider that is gone
# does not change after that.
DOWN_S = 10


@dataclass
class World:
    elbv2: Any
    traefik: Traefik
    server: InProcessServer
    listener: str
    tgs: dict[str, str]

    @property
    def url(self) -> str:
        return self.server.url




@pytest.fixture
def world(request: pytest.FixtureRequest, tmp_path: Path, backends: dict[str, Backend]) -> Iterator[World]:
    server = start_server(tmp_path)
    wait_ms = getattr(request, "param", LONG_POLL_MS)  # as `up`; 0: plain polling
    traefik = Traefik(server.settings, "/traefik/config", [80], tmp_path / "traefik.log", wait_ms=wait_ms)
    elbv2 = elbv2_client(server.url)
    lb = elbv2.create_load_balancer(Name="web", Subnets=["subnet-a", "subnet-b"])["LoadBalancers"][0]
    tgs = {}
    for name in "ab":
        tg = elbv2.create_target_group(Name=f"t{name}", Protocol="HTTP", Port=80, VpcId=lb["VpcId"], TargetType="ip")
        tgs[name] = tg["TargetGroups"][0]["TargetGroupArn"]
        elbv2.register_targets(TargetGroupArn=tgs[name], Targets=[{"Id": "127.0.0.1", "Port": backends[name].port}])
    listener = elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
    )["Listeners"][0]["ListenerArn"]
    yield World(elbv2, traefik, server, listener, tgs)
    traefik.stop()
    server.stop()


def forward(w: World, weights: dict[str, int]) -> list[dict[str, Any]]:
    groups = [{"TargetGroupArn": w.tgs[n], "Weight": wt} for n, wt in weights.items()]
    return [{"Type": "forward", "ForwardConfig": {"TargetGroups": groups}}]


def served_by(client: Client, path: str, n: int = 20) -> set[str]:
    return {client.request(path).body.split(" ")[0] for _ in range(n)}


def path_rule(w: World, priority: int, path: str, actions: list[dict[str, Any]]) -> str:
    conditions = [{"Field": "path-pattern", "PathPatternConfig": {"Values": [path]}}]
    rule = w.elbv2.create_rule(ListenerArn=w.listener, Priority=priority, Conditions=conditions, Actions=actions)
    return str(rule["Rules"][0]["RuleArn"])


@pytest.mark.parametrize("world", [0, LONG_POLL_MS], ids=["poll", "long-poll"], indirect=True)
def test_modify_rule_hot_reloads_weights(world: World) -> None:
    rule = path_rule(world, 10, "/w/*", forward(world, {"a": 100, "b": 0}))
    client = Client(world.traefik.ports[80])
    wait_for("100/0 to route", lambda: served_by(client, "/w/x") == {"a"})
    world.elbv2.modify_rule(RuleArn=rule, Actions=forward(world, {"a": 0, "b": 100}))
    wait_for("0/100 to route", lambda: served_by(client, "/w/x") == {"b"})
    world.elbv2.modify_rule(RuleArn=rule, Actions=forward(world, {"a": 95, "b": 5}))
    wait_for("95/5 to route", lambda: served_by(client, "/w/x", 100) == {"a", "b"})
    # Traefik's weighted round robin gives b one pick in every 20, at float deadlines that drift by one request now
    # and then: a window whose edge falls on a pick may count 951/49. Start the window mid-way between two picks.
    wait_for("a pick of b", lambda: client.request("/w/x").body.startswith("b "))
    for _ in range(10):
        client.request("/w/x")
    counts = {"a": 0, "b": 0}
    for _ in range(1000):
        counts[client.request("/w/x").body.split(" ")[0]] += 1
    assert counts == {"a": 950, "b": 50}


@pytest.mark.parametrize("world", [0, LONG_POLL_MS], ids=["poll", "long-poll"], indirect=True)
def test_set_rule_priorities_swap_flips_routing(world: World) -> None:
    broad = path_rule(world, 1, "/s/*", forward(world, {"a": 1}))
    exact = path_rule(world, 2, "/s/x", forward(world, {"b": 1}))
    client = Client(world.traefik.ports[80])
    wait_for("broad rule first", lambda: served_by(client, "/s/x") == {"a"})
    world.elbv2.set_rule_priorities(
        RulePriorities=[{"RuleArn": broad, "Priority": 2}, {"RuleArn": exact, "Priority": 1}]
    )
    wait_for("exact rule first", lambda: served_by(client, "/s/x") == {"b"})
    assert served_by(client, "/s/y") == {"a"}


def test_long_poll_never_answers_stale_bytes(world: World) -> None:
    """A keep-alive poller that has the current config is held; whatever the timing, each answer is the
    config current when it is sent: unchanged bytes when the wait runs out, new bytes after a change."""
    rule = path_rule(world, 10, "/l/*", forward(world, {"a": 100, "b": 0}))
    conn = http.client.HTTPConnection("127.0.0.1", world.server.port, timeout=15)

    def poll(wait_ms: int) -> bytes:
        conn.request("GET", f"/traefik/config?wait_ms={wait_ms}")
        response = conn.getresponse()
        assert response.status == 200
        return response.read()

    first = poll(200)
    assert first == get_bytes(world.url + "/traefik/config")
    assert poll(200) == first  # held, nothing changed: the same bytes when the wait runs out
    held: list[bytes] = []
    thread = threading.Thread(target=lambda: held.append(poll(10_000)))
    thread.start()
    world.elbv2.modify_rule(RuleArn=rule, Actions=forward(world, {"a": 0, "b": 100}))
    thread.join(15)
    conn.close()
    assert held == [get_bytes(world.url + "/traefik/config")] and held[0] != first


@pytest.mark.slow
def test_provider_down_traefik_keeps_routing_and_restart_gives_same_bytes(world: World) -> None:
    path_rule(world, 1, "/k/*", forward(world, {"a": 70, "b": 30}))
    client = Client(world.traefik.ports[80])
    wait_for("70/30 to route", lambda: served_by(client, "/k/1", 50) == {"a", "b"})
    before = get_bytes(world.url + "/traefik/config")
    world.server.stop()
    statuses = set()
    deadline = time.monotonic() + DOWN_S
    while time.monotonic() < deadline:
        statuses.add(client.request("/k/1").status)
        time.sleep(0.5)
    assert statuses == {200}
    world.server.start()  # the same port and file
    assert get_bytes(world.url + "/traefik/config") == before
    assert served_by(client, "/k/1", 50) == {"a", "b"}
    assert world.traefik.problems() == []
