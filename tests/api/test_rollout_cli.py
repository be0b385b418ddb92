"""`elbv2-provider rollout` against a real server. In-process on a FakeClock (a rollout's minutes in a moment):
bad input exits 2 with nothing changed, a plain rollout to 100% and what status and /rollouts then show, the
listener's default action, an alarm, a failing or slow or quiet canary rolling back, a concurrent ModifyRule
stopping it, Ctrl-C, a server restarted mid-rollout or gone for good, and a command killed (abandoned). Two real
subprocesses keep what only a process shows: the live line on a terminal with a real SIGINT, and SIGTERM."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provider.cli import build_parser
from provider.rollout.client import main
from provider.rollout.client.api import Api
from provider.rollout.model import HEARTBEAT_STALE_S, UNREACHABLE_S, StepMetrics
from tests.support.clients import AWS_ENV, aws_client, elbv2_client
from tests.support.clock import FakeClock
from tests.support.processes import ROOT, InProcessServer
from tests.support.rollout import Canary, Running, canary_rule, command, forward, run
from tests.support.scripted_rollout import Killed, Script, Scripted, rollout

pytestmark = pytest.mark.slow

FAST = ("--interval", "5s", "--min-requests", "0")
World = tuple[InProcessServer, Canary]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    server = InProcessServer(tmp_path / "state.duckdb")
    try:
        yield server, canary_rule(elbv2_client(server.url))
    finally:
        server.stop()


def status(url: str, clock: FakeClock, output: str = "json") -> tuple[int, Any]:
    """`rollout status` in-process: its exit code, and its rows (json) or its text and errors (text)."""
    out, err = io.StringIO(), io.StringIO()
    code = main.status(Api(url), output, out, err, clock)
    return code, json.loads(out.getvalue()) if output == "json" and code == 0 else out.getvalue() + err.getvalue()


def interrupt() -> None:
    raise KeyboardInterrupt


def kill() -> None:
    raise Killed


@pytest.mark.parametrize(("args", "says"), [
    pytest.param(("--steps", "10,5,100"), "--steps must increase", id="steps-decrease"),
    pytest.param(("--steps", "50,150"), "between 1 and 100", id="steps-over-100"),
    pytest.param(("--interval", "2s"), "--interval must be a duration of at least 5s", id="interval-under-5s"),
    pytest.param(("--to", "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/other/0123456789abcdef"),
                 "is not in the forward action", id="group-not-in-rule"),
    pytest.param(("--alarm", "no-such-alarm"), "no such alarm: no-such-alarm", id="unknown-alarm"),
])
def test_bad_input_exits_2_saying_what_is_wrong_and_changes_nothing(world: World, args: tuple[str, ...],
                                                                    says: str) -> None:
    server, c = world
    flags = {"--rule-arn": c.rule, "--to": c.canary, **dict(zip(args[::2], args[1::2], strict=True))}
    argv = ["rollout", "--endpoint-url", server.url, *[x for kv in flags.items() for x in kv]]
    out, err = io.StringIO(), io.StringIO()
    assert main.run(build_parser().parse_args(argv), out, err) == 2
    assert says in out.getvalue() + err.getvalue()
    assert c.weights() == {"stable": 100, "canary": 0}


def test_no_gates_reaches_100_and_status_lists_it(world: World) -> None:
    server, c = world
    clock, script = FakeClock(), Script()
    assert rollout(server.url, "--rule-arn", c.rule, "--to", c.canary, "--steps", "50,100", *FAST, clock=clock,
                   script=script) == 0
    assert script.kinds("step", "passed", "succeeded") == ["step", "passed", "step", "passed", "succeeded"]
    assert [(e["from_weight"], e["to_weight"]) for e in script.events if e["event"] == "step"] == [(50, 50), (0, 100)]
    assert c.weights() == {"stable": 0, "canary": 100}
    assert c.weights(c.listener) == {"stable": 100, "canary": 0}  # the rule moved, not the listener
    clock.sleep(HEARTBEAT_STALE_S * 10)  # a finished rollout stays finished
    code, rows = status(server.url, clock)
    assert (code, [(r["status"], r["canary_weight"], r["step"]) for r in rows]) == (0, [("succeeded", 100, "2/2")])
    with urllib.request.urlopen(f"{server.url}/rollouts", timeout=5) as response:
        (stored,) = json.loads(response.read())  # what the status page reads: the gates and the last numbers
    assert (stored["thresholds"]["min_requests"], stored["last"]) == (0, {"requests": 0, "errors": 0, "p99_s": None})
    assert stored["step_ends_at"] > stored["started_at"]
    bad = urllib.request.Request(f"{server.url}/rollouts/x", b'{"id": "x"}', method="PUT")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(bad, timeout=5)
    assert e.value.code == 400  # not a record: refused, nothing stored
    assert len(status(server.url, clock)[1]) == 1


def test_listener_default_action_moves_with_listener_arn(world: World) -> None:
    server, c = world
    script = Script()
    assert rollout(server.url, "--listener-arn", c.listener, "--to", c.canary, "--steps", "100", *FAST,
                   clock=FakeClock(), script=script) == 0
    assert c.weights(c.listener) == {"stable": 0, "canary": 100}
    assert c.weights() == {"stable": 100, "canary": 0}
    step = script.first("step")
    assert (step["step"], step["of"], step["to_weight"], step["from_weight"]) == (1, 1, 100, 0)


def test_alarm_in_alarm_rolls_back(world: World) -> None:
    server, c = world
    cw = aws_client(server.url, "cloudwatch")
    cw.put_metric_alarm(AlarmName="canary-5xx", Namespace="AWS/ApplicationELB", MetricName="HTTPCode_Target_5XX_Count",
                        Dimensions=[{"Name": "TargetGroup", "Value": c.canary.split(":")[-1]}], Statistic="Sum",
                        Period=10, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
                        TreatMissingData="ignore")  # no traffic here: the state set below stays
    script = Script()
    script.at("step", lambda: cw.set_alarm_state(AlarmName="canary-5xx", StateValue="ALARM",
                                                 StateReason="5xx from the canary"), step=1)
    assert rollout(server.url, "--rule-arn", c.rule, "--to", c.canary, "--steps", "25,100", *FAST,
                   "--alarm", "canary-5xx", clock=FakeClock(), script=script) == 3
    assert script.first("rolled-back")["reasons"] == ["alarm canary-5xx is in ALARM"]
    assert c.weights() == {"stable": 100, "canary": 0}


@pytest.mark.parametrize(("failing", "reason"), [
    pytest.param(StepMetrics(200, 10, 0.01), "error rate 5.00% (10/200) > max 1.00%", id="errors"),
    pytest.param(StepMetrics(200, 0, 0.8), "p99 800 ms > max 500 ms", id="slow"),
])
def test_a_canary_failing_at_a_step_is_rolled_back_within_it(world: World, failing: StepMetrics,
                                                             reason: str) -> None:
    server, c = world
    clock, script, metrics = FakeClock(), Script(), Scripted(StepMetrics(200, 0, 0.01))

    def go_bad() -> None:
        metrics.now = failing
        metrics.asked.clear()

    script.at("step", go_bad, step=2)
    assert rollout(server.url, "--rule-arn", c.rule, "--to", c.canary, "--steps", "10,25,50,100", "--interval", "5s",
                   "--max-error-rate", "0.01", "--max-p99", "0.5", "--min-requests", "20", clock=clock,
                   script=script, metrics=metrics) == 3
    back = script.first("rolled-back")
    assert (back["step"], back["reasons"]) == (2, [reason])
    assert [e["to_weight"] for e in script.events if e["event"] == "step"] == [10, 25]
    assert c.weights() == {"stable": 100, "canary": 0}
    (target, group, start, end), = metrics.asked  # judged at the first look, on the 25% step's own window
    assert (target, group, (end - start).total_seconds()) == (c.rule, c.canary, 1.0)


def test_too_few_requests_waits_then_rolls_back(world: World) -> None:
    server, c = world
    script = Script()
    assert rollout(server.url, "--rule-arn", c.rule, "--to", c.canary, "--steps", "50,100", "--interval", "5s",
                   "--min-requests", "20", "--max-wait", "5s", clock=FakeClock(), script=script,
                   metrics=Scripted(StepMetrics(3, 0, 0.01))) == 3
    assert script.kinds("step", "waiting", "rolled-back") == ["step", "waiting", "rolled-back"]
    assert script.first("waiting")["reason"] == "3 requests < min 20"
    assert script.first("rolled-back")["reasons"] == ["too few requests: 3 in 10s, min 20"]
    assert c.weights() == {"stable": 100, "canary": 0}


def test_concurrent_modify_rule_stops_without_overwriting(world: World) -> None:
    server, c = world
    script = Script()
    script.at("step", lambda: c.elbv2.modify_rule(RuleArn=c.rule, Actions=forward(c.stable, c.canary, 70)), step=1)
    assert rollout(server.url, "--rule-arn", c.rule, "--to", c.canary, "--steps", "10,100", *FAST,
                   clock=FakeClock(), script=script) == 3
    assert "changed by someone else" in script.first("stopped")["reason"]
    assert c.weights() == {"stable": 70, "canary": 30}


@pytest.mark.parametrize(("flag", "after", "shown"), [
    pytest.param((), {"stable": 100, "canary": 0}, "rolled-back", id="rolls-back"),
    pytest.param(("--on-interrupt", "keep"), {"stable": 50, "canary": 50}, "interrupted", id="keep"),
])
def test_ctrl_c(world: World, flag: tuple[str, ...], after: dict[str, int], shown: str) -> None:
    server, c = world
    clock, script = FakeClock(), Script()
    script.at("progress", interrupt, step=1)
    assert rollout(server.url, "--rule-arn", c.rule, "--to", c.canary, "--steps", "50,100", *FAST, *flag,
                   clock=clock, script=script) == 3
    assert c.weights() == after
    assert status(server.url, clock)[1][0]["status"] == shown


def test_server_restarted_mid_rollout_is_ridden_out(world: World) -> None:
    server, c = world
    clock, script = FakeClock(), Script()
    down: list[tuple[int, Any]] = []

    def back_up() -> None:
        down.append(status(server.url, clock, "text"))
        server.start()

    script.at("progress", server.stop, step=1)
    script.at("unreachable", back_up)  # the command says so, and rides it out
    assert rollout(server.url, "--rule-arn", c.rule, "--to", c.canary, "--steps", "50,100", *FAST, clock=clock,
                   script=script) == 0
    (code, said), = down
    assert code == 2 and "did not answer" in said
    assert c.weights() == {"stable": 0, "canary": 100}
    assert [(r["status"], r["step"]) for r in status(server.url, clock)[1]] == [("succeeded", "2/2")]


def test_server_gone_for_good_gives_up_saying_where_the_weights_are(world: World) -> None:
    server, c = world
    clock, script = FakeClock(), Script()
    script.at("progress", server.stop, step=1)
    assert rollout(server.url, "--rule-arn", c.rule, "--to", c.canary, "--steps", "50,100", *FAST, clock=clock,
                   script=script) == 2
    said = script.first("error")["reason"]
    assert f"did not answer for {UNREACHABLE_S:.0f}s" in said and "canary 50% / stable 50%" in said
    server.start()
    assert c.weights() == {"stable": 50, "canary": 50}
    assert status(server.url, clock)[1][0]["status"] == "abandoned"  # its last word never arrived


def test_command_and_server_both_killed_status_says_abandoned_with_the_weights(world: World) -> None:
    server, c = world
    clock, script = FakeClock(), Script()
    script.at("progress", kill, step=1)
    with pytest.raises(Killed):
        rollout(server.url, "--rule-arn", c.rule, "--to", c.canary, "--steps", "50,100", *FAST, clock=clock,
                script=script)
    server.stop()
    server.start()
    assert status(server.url, clock)[1][0]["status"] == "running"  # its last heartbeat is fresh
    clock.sleep(HEARTBEAT_STALE_S + 1)
    (row,) = status(server.url, clock)[1]
    assert (row["status"], row["canary_weight"], row["stable_weight"], row["step"]) == ("abandoned", 50, 50, "1/2")
    assert c.weights() == {"stable": 50, "canary": 50}  # what status says is what the rule has
    code, text = status(server.url, clock, "text")
    assert code == 0 and "abandoned (the command stopped reporting" in text and "canary 50% / stable 50%" in text


# ---- real subprocesses: what only a process shows ---------------------------------------------------------------
def test_on_a_terminal_progress_is_one_live_line_and_ctrl_c_rolls_back(world: World) -> None:
    server, c = world
    leader, follower = pty.openpty()
    # a step far longer than the test: Ctrl-C always lands inside it, however loaded the machine
    process = subprocess.Popen(command(server.url, "--rule-arn", c.rule, "--to", c.canary, "--steps", "100",
                                       "--interval", "120s", "--min-requests", "0"),
                               cwd=ROOT, stdout=follower, stderr=follower, env={**os.environ, **AWS_ENV})
    os.close(follower)
    try:
        live = _read_until(leader, b"\r\x1b[Kstep 1/1 canary 100% stable 0%: 0 requests")  # redrawn in place
        process.send_signal(signal.SIGINT)
        rest = _read_until(leader, None)
        assert process.wait(10) == 3
    finally:
        os.close(leader)
        if process.poll() is None:
            process.kill()
            process.wait(5)
    assert "rolled-back: interrupted" in (live + rest).decode()
    assert c.weights() == {"stable": 100, "canary": 0}
    shown = run(server.url, "status", "--output", "json")
    assert [(r["status"], r["step"]) for r in json.loads(shown.stdout)] == [("rolled-back", "1/1")]


def _read_until(fd: int, marker: bytes | None, timeout: float = 30) -> bytes:
    """What the terminal shows until ``marker`` (None: until the command exits and closes it), waiting at most
    ``timeout`` seconds."""
    out, deadline = b"", time.monotonic() + timeout
    while marker is None or marker not in out:
        left = deadline - time.monotonic()
        assert left > 0, f"{marker!r} not shown within {timeout}s: {out!r}"
        if select.select([fd], [], [], left)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the command exited and closed the terminal
                chunk = b""
            if not chunk:
                assert marker is None, f"the command exited before showing {marker!r}: {out!r}"
                return out
            out += chunk
    return out


def test_sigterm_rolls_back(world: World) -> None:
    server, c = world
    process = Running.start(server.url, "--rule-arn", c.rule, "--to", c.canary, "--steps", "50,100", *FAST)
    try:
        process.wait_event("progress", step=1)
        process.process.send_signal(signal.SIGTERM)
        assert process.finish() == 3
    finally:
        process.stop()
    assert c.weights() == {"stable": 100, "canary": 0}
    assert process.wait_event("rolled-back")["reasons"] == ["interrupted"]

