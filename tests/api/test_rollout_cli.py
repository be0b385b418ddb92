"""`elbv2-provider rollout` as a real subprocess against a real server (no traffic: --min-requests 0): exit 2 on
bad input with nothing changed, a plain rollout to 100%, an alarm in ALARM rolling back, a concurrent ModifyRule
stopping it, Ctrl-C, and a server killed and restarted mid-rollout."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.api.conftest import AWS_ENV, elbv2_client
from tests.conftest import ROOT, free_port
from tests.e2e.harness import serve, stop_process, wait_for
from tests.support.rollout import Canary, Running, canary_rule, command, forward, run

FAST = ("--interval", "5s", "--min-requests", "0")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[str, Canary, dict[str, Any]]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    box: dict[str, Any] = {"process": serve(port, tmp_path / "state.duckdb", tmp_path / "server.log"), "port": port,
                           "tmp": tmp_path}
    yield url, canary_rule(elbv2_client(url)), box
    stop_process(box["process"])


def cloudwatch(url: str) -> Any:
    return boto3.client("cloudwatch", endpoint_url=url, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))


@pytest.mark.parametrize(("args", "says"), [
    pytest.param(("--steps", "10,5,100"), "--steps must increase", id="steps-decrease"),
    pytest.param(("--steps", "50,150"), "between 1 and 100", id="steps-over-100"),
    pytest.param(("--interval", "2s"), "--interval must be a duration of at least 5s", id="interval-under-5s"),
    pytest.param(("--to", "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/other/0123456789abcdef"),
                 "is not in the forward action", id="group-not-in-rule"),
    pytest.param(("--alarm", "no-such-alarm"), "no such alarm: no-such-alarm", id="unknown-alarm"),
])
def test_bad_input_exits_2_saying_what_is_wrong_and_changes_nothing(
        world: tuple[str, Canary, dict[str, Any]], args: tuple[str, ...], says: str) -> None:
    url, c, _ = world
    given = dict(zip(args[::2], args[1::2], strict=True))
    flags = {"--rule-arn": c.rule, "--to": c.canary, **given}
    done = run(url, *[x for kv in flags.items() for x in kv])
    assert done.returncode == 2, done
    assert says in done.stdout + done.stderr
    assert c.weights() == {"stable": 100, "canary": 0}


def test_no_gates_reaches_100_and_status_lists_it(world: tuple[str, Canary, dict[str, Any]]) -> None:
    url, c, _ = world
    done = run(url, "--rule-arn", c.rule, "--to", c.canary, "--steps", "50,100", *FAST, "--output", "json")
    assert done.returncode == 0, done
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert [e["event"] for e in events if e["event"] in ("step", "passed", "succeeded")] == [
        "step", "passed", "step", "passed", "succeeded"]
    assert [(e["from_weight"], e["to_weight"]) for e in events if e["event"] == "step"] == [(50, 50), (0, 100)]
    assert c.weights() == {"stable": 0, "canary": 100}
    assert c.weights(c.listener) == {"stable": 100, "canary": 0}  # the rule moved, not the listener
    status = run(url, "status", "--output", "json")
    assert [(r["status"], r["canary_weight"], r["step"]) for r in json.loads(status.stdout)] == [("succeeded", 100,
                                                                                                    "2/2")]
    bad = urllib.request.Request(f"{url}/rollouts/x", b'{"id": "x"}', method="PUT")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(bad, timeout=5)
    assert e.value.code == 400  # not a record: refused, nothing stored
    assert len(json.loads(run(url, "status", "--output", "json").stdout)) == 1


def test_listener_default_action_moves_with_listener_arn(world: tuple[str, Canary, dict[str, Any]]) -> None:
    url, c, _ = world
    done = run(url, "--listener-arn", c.listener, "--to", c.canary, "--steps", "100", *FAST)
    assert done.returncode == 0, done
    assert c.weights(c.listener) == {"stable": 0, "canary": 100}
    assert "step 1/1: canary 100% / stable 0%" in done.stdout


def test_alarm_in_alarm_rolls_back(world: tuple[str, Canary, dict[str, Any]]) -> None:
    url, c, _ = world
    cw = cloudwatch(url)
    cw.put_metric_alarm(AlarmName="canary-5xx", Namespace="AWS/ApplicationELB", MetricName="HTTPCode_Target_5XX_Count",
                        Dimensions=[{"Name": "TargetGroup", "Value": c.canary.split(":")[-1]}], Statistic="Sum",
                        Period=10, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
                        TreatMissingData="ignore")  # no traffic here: the state set below stays
    rollout = Running.start(url, "--rule-arn", c.rule, "--to", c.canary, "--steps", "25,100", *FAST,
                            "--alarm", "canary-5xx")
    try:
        rollout.wait_event("step", step=1)
        cw.set_alarm_state(AlarmName="canary-5xx", StateValue="ALARM", StateReason="5xx from the canary")
        assert rollout.finish() == 3
    finally:
        rollout.stop()
    back = rollout.wait_event("rolled-back")
    assert back["reasons"] == ["alarm canary-5xx is in ALARM"]
    assert c.weights() == {"stable": 100, "canary": 0}


def test_concurrent_modify_rule_stops_without_overwriting(world: tuple[str, Canary, dict[str, Any]]) -> None:
    url, c, _ = world
    rollout = Running.start(url, "--rule-arn", c.rule, "--to", c.canary, "--steps", "10,100", *FAST)
    try:
        rollout.wait_event("step", step=1)
        c.elbv2.modify_rule(RuleArn=c.rule, Actions=forward(c.stable, c.canary, 70))
        assert rollout.finish() == 3
    finally:
        rollout.stop()
    stopped = rollout.wait_event("stopped")
    assert "changed by someone else" in stopped["reason"]
    assert c.weights() == {"stable": 70, "canary": 30}


@pytest.mark.parametrize(("flag", "sig", "after"), [
    pytest.param((), signal.SIGINT, {"stable": 100, "canary": 0}, id="rolls-back"),
    pytest.param(("--on-interrupt", "keep"), signal.SIGINT, {"stable": 50, "canary": 50}, id="keep"),
    pytest.param((), signal.SIGTERM, {"stable": 100, "canary": 0}, id="sigterm-rolls-back"),
])
def test_ctrl_c(world: tuple[str, Canary, dict[str, Any]], flag: tuple[str, ...], sig: int,
                after: dict[str, int]) -> None:
    url, c, _ = world
    rollout = Running.start(url, "--rule-arn", c.rule, "--to", c.canary, "--steps", "50,100", *FAST, *flag)
    try:
        rollout.wait_event("progress", step=1)
        rollout.process.send_signal(sig)
        assert rollout.finish() == 3
    finally:
        rollout.stop()
    assert c.weights() == after
    status = json.loads(run(url, "status", "--output", "json").stdout)
    assert status[0]["status"] == ("interrupted" if flag else "rolled-back")


def test_server_killed_mid_rollout_and_restarted(world: tuple[str, Canary, dict[str, Any]]) -> None:
    url, c, box = world
    rollout = Running.start(url, "--rule-arn", c.rule, "--to", c.canary, "--steps", "50,100", *FAST)
    try:
        rollout.wait_event("progress", step=1)
        box["process"].send_signal(signal.SIGKILL)
        box["process"].wait(10)
        rollout.wait_event("unreachable")  # the command says so, and rides it out
        status_down = run(url, "status")
        assert status_down.returncode == 2 and "did not answer" in status_down.stderr
        box["process"] = serve(box["port"], box["tmp"] / "state.duckdb", box["tmp"] / "server.log")
        assert rollout.finish() == 0
    finally:
        rollout.stop()
    assert c.weights() == {"stable": 0, "canary": 100}
    status = json.loads(run(url, "status", "--output", "json").stdout)
    assert [(r["status"], r["step"]) for r in status] == [("succeeded", "2/2")]


def test_command_and_server_both_killed_status_says_abandoned_with_the_weights(
        world: tuple[str, Canary, dict[str, Any]]) -> None:
    url, c, box = world
    rollout = Running.start(url, "--rule-arn", c.rule, "--to", c.canary, "--steps", "50,100", *FAST)
    try:
        rollout.wait_event("progress", step=1)
    finally:
        rollout.stop()  # SIGKILL: no rollback, no last word
    box["process"].send_signal(signal.SIGKILL)
    box["process"].wait(10)
    box["process"] = serve(box["port"], box["tmp"] / "state.duckdb", box["tmp"] / "server.log")
    rows: list[dict[str, Any]] = []

    def abandoned() -> bool:
        rows[:] = json.loads(run(url, "status", "--output", "json").stdout)
        return rows[0]["status"] == "abandoned"

    wait_for(abandoned, 30, what="the dead rollout shown as abandoned")
    assert (rows[0]["canary_weight"], rows[0]["stable_weight"], rows[0]["step"]) == (50, 50, "1/2")
    assert c.weights() == {"stable": 50, "canary": 50}  # what status says is what the rule has
    text = run(url, "status").stdout
    assert "abandoned (the command stopped reporting" in text and "canary 50% / stable 50%" in text


def test_on_a_terminal_progress_is_one_live_line(world: tuple[str, Canary, dict[str, Any]]) -> None:
    url, c, _ = world
    leader, follower = pty.openpty()
    process = subprocess.Popen(command(url, "--rule-arn", c.rule, "--to", c.canary, "--steps", "100", *FAST),
                               cwd=ROOT, stdout=follower, stderr=follower, env={**os.environ, **AWS_ENV})
    os.close(follower)
    out = b""
    try:
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the command exited and closed the terminal
                break
            if not chunk:
                break
            out += chunk
        assert process.wait(60) == 0
    finally:
        os.close(leader)
        if process.poll() is None:
            process.kill()
    text = out.decode()
    assert "\r\x1b[Kstep 1/1 canary 100% stable 0%: 0 requests" in text  # redrawn in place
    assert "succeeded" in text
