"""`elbv2-provider rollout` end to end: `elbv2-provider up` (its own Traefik, its access log ingested), real
backends, steady load through the listener, the real command as a subprocess judging the canary's metrics."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.support.clients import AWS_ENV, elbv2_client
from tests.support.processes import BIN, Server, free_port, start_server
from tests.support.readme import readme_block
from tests.support.rollout import Canary, Load, Running, Version, canary_rule, forward
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow

GATES = ("--interval", "5s", "--max-error-rate", "0.05", "--max-p99", "0.25", "--min-requests", "20")


@dataclass
class World:
    server: Server
    canary: Canary
    stable_backend: Version
    canary_backend: Version
    load: Load


@pytest.fixture
def started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """An `up` with its Traefik, backends and steady load for each test: shared by the module, a test's canary
    judged the previous test's failures (seen once: a slow canary failed on the error rate, not on its p99)."""
    server = start_server(tmp_path_factory.mktemp("rollout"), process=True, up=True, health_time_scale=0.2)
    stable, canary = Version("stable"), Version("canary")
    c = canary_rule(elbv2_client(server.url), free_port(), {"stable": stable.port, "canary": canary.port})
    load = Load(c.listener_port)
    try:
        wait_for("traffic through the listener", lambda: load.statuses.get(200, 0) > 20, 30)
        yield World(server, c, stable, canary, load)
    finally:
        load.stop()
        server.stop()
        stable.stop()
        canary.stop()


@pytest.fixture
def world(started: World) -> World:
    """The module's world as each test starts: healthy backends, 100% on stable (a rollout's windows open after)."""
    for backend in (started.stable_backend, started.canary_backend):
        backend.status, backend.delay_s = 200, 0.0
    c = started.canary
    c.elbv2.modify_rule(RuleArn=c.rule, Actions=forward(c.stable, c.canary))
    return started


def rollout(w: World, *args: str) -> Running:
    return Running.start(w.server.url, "--rule-arn", w.canary.rule, "--to", w.canary.canary, *args)


def test_healthy_canary_reaches_100(world: World) -> None:
    r = rollout(world, "--steps", "25,100", *GATES)
    try:
        assert r.finish() == 0, r.events
    finally:
        r.stop()
    passed = [e for e in r.events if e["event"] == "passed"]
    assert len(passed) == 2 and all(e["requests"] >= 20 and e["errors"] == 0 for e in passed)
    assert world.canary.weights() == {"stable": 0, "canary": 100}


def test_canary_failing_at_25_is_rolled_back_within_that_step(world: World) -> None:
    r = rollout(world, "--steps", "10,25,50,100", *GATES)
    try:
        r.wait_event("step", to_weight=25)
        world.canary_backend.status = 500
        assert r.finish() == 3, r.events
    finally:
        r.stop()
    back = r.wait_event("rolled-back")
    assert back["step"] == 2  # judged on the 25% step's own requests, before any later step
    assert back["reasons"][0].startswith("error rate ") and back["errors"] > 0
    assert world.canary.weights() == {"stable": 100, "canary": 0}
    assert not [e for e in r.events if e["event"] == "step" and e["to_weight"] > 25]


def test_slow_canary_fails_the_p99_gate(world: World) -> None:
    world.canary_backend.delay_s = 0.4
    r = rollout(world, "--steps", "50,100", *GATES)
    try:
        assert r.finish() == 3, r.events
    finally:
        r.stop()
    back = r.wait_event("rolled-back")
    assert back["reasons"][0].startswith("p99 ") and back["p99_s"] > 0.25
    assert world.canary.weights() == {"stable": 100, "canary": 0}


def test_alarm_on_the_canary_5xx_rolls_back(world: World) -> None:
    cw: Any = boto3.client("cloudwatch", endpoint_url=world.server.url, region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test",
                           config=Config(retries={"max_attempts": 1}))
    lb = "/".join(world.canary.rule.split(":")[-1].split("/")[1:4])
    cw.put_metric_alarm(AlarmName="canary-5xx", Namespace="AWS/ApplicationELB", MetricName="HTTPCode_Target_5XX_Count",
                        Dimensions=[{"Name": "LoadBalancer", "Value": lb},
                                    {"Name": "TargetGroup", "Value": world.canary.canary.split(":")[-1]}],
                        Statistic="Sum", Period=10, EvaluationPeriods=1, Threshold=1,
                        ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching")
    world.canary_backend.status = 500
    r = rollout(world, "--steps", "50,100", "--interval", "20s", "--min-requests", "0", "--alarm", "canary-5xx")
    try:
        assert r.finish() == 3, r.events
    finally:
        r.stop()
        cw.delete_alarms(AlarmNames=["canary-5xx"])  # the next test's world has no alarm
    assert r.wait_event("rolled-back")["reasons"] == ["alarm canary-5xx is in ALARM"]
    assert world.canary.weights() == {"stable": 100, "canary": 0}


def test_readme_script_rolls_back_a_failing_canary(world: World, tmp_path: Path) -> None:
    """The README's progressive-rollout.sh, verbatim, with its stub filled in by `aws cloudwatch` calls."""
    script = tmp_path / "progressive-rollout.sh"
    script.write_text(readme_block("progressive-rollout.sh"))
    world.canary_backend.status = 500
    c = world.canary
    done = subprocess.run(["bash", str(script), c.rule, c.stable, c.canary], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **AWS_ENV, "EP": world.server.url, "WAIT": "5",
                                            "PATH": f"{BIN}:{os.environ['PATH']}"})
    assert done.returncode == 1, done
    assert "Setting weights: Stable=95%, New=5%" in done.stdout and "rolling back" in done.stdout
    assert c.weights() == {"stable": 100, "canary": 0}
