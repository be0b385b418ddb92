"""Driving `elbv2-provider rollout` as a real subprocess: its JSON events read line by line as they come
(bounded waits), its exit code, and a rule with a stable and a canary group to roll out on."""

from __future__ import annotations

import http.client
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.support.backends import Answer, Backend, Request
from tests.support.clients import AWS_ENV
from tests.support.processes import ROOT


@dataclass
class Canary:
    """A load balancer whose listener's default action forwards to `stable` (100) and `canary` (0), and a rule
    (priority 10, path /app/*) that does the same."""

    elbv2: Any
    listener: str
    rule: str
    stable: str
    canary: str
    listener_port: int

    def weights(self, target: str | None = None) -> dict[str, int]:
        target = target or self.rule
        if ":listener/" in target:
            actions = self.elbv2.describe_listeners(ListenerArns=[target])["Listeners"][0]["DefaultActions"]
        else:
            actions = self.elbv2.describe_rules(RuleArns=[target])["Rules"][0]["Actions"]
        groups = actions[0]["ForwardConfig"]["TargetGroups"]
        names = {self.stable: "stable", self.canary: "canary"}
        return {names.get(g["TargetGroupArn"], g["TargetGroupArn"]): g["Weight"] for g in groups}


def forward(stable: str, canary: str, stable_weight: int = 100) -> list[dict[str, Any]]:
    groups = [{"TargetGroupArn": stable, "Weight": stable_weight}, {"TargetGroupArn": canary,
                                                                      "Weight": 100 - stable_weight}]
    return [{"Type": "forward", "ForwardConfig": {"TargetGroups": groups}}]


def canary_rule(elbv2: Any, port: int = 80, targets: dict[str, int] | None = None) -> Canary:
    """``targets``: 'stable'/'canary' -> a loopback port to register."""
    lb = elbv2.create_load_balancer(Name="web", Subnets=["subnet-a", "subnet-b"])["LoadBalancers"][0]
    arns = {}
    for name in ("stable", "canary"):
        tg = elbv2.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=lb["VpcId"], TargetType="ip",
                                       HealthCheckPath="/health", HealthCheckIntervalSeconds=5,
                                       HealthCheckTimeoutSeconds=2, HealthyThresholdCount=2)
        arns[name] = tg["TargetGroups"][0]["TargetGroupArn"]
        if targets and name in targets:
            elbv2.register_targets(TargetGroupArn=arns[name], Targets=[{"Id": "127.0.0.1", "Port": targets[name]}])
    listener = elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=port,
                                     DefaultActions=forward(arns["stable"], arns["canary"]))["Listeners"][0]
    rule = elbv2.create_rule(ListenerArn=listener["ListenerArn"], Priority=10, Actions=forward(arns["stable"],
                             arns["canary"]), Conditions=[{"Field": "path-pattern", "Values": ["/app/*"]}])
    return Canary(elbv2, listener["ListenerArn"], rule["Rules"][0]["RuleArn"], arns["stable"], arns["canary"], port)


def command(url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "provider", "rollout", "--endpoint-url", url, *args]


def run(url: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(url, *args), cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **AWS_ENV})


@dataclass
class Running:
    """A rollout subprocess with --output json; its events are collected as they are printed."""

    process: subprocess.Popen[str]
    events: list[dict[str, Any]] = field(default_factory=list)
    lines: queue.Queue[str | None] = field(default_factory=queue.Queue)

    @staticmethod
    def start(url: str, *args: str) -> Running:
        process = subprocess.Popen(command(url, "--output", "json", *args), cwd=ROOT, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, env={**os.environ, **AWS_ENV})
        running = Running(process)
        threading.Thread(target=running._read, daemon=True).start()
        return running

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _take(self, timeout: float) -> bool:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            return True
        if line is None:
            return False
        self.events.append(json.loads(line) if line.startswith("{") else {"event": "text", "line": line})
        return True

    def wait_event(self, kind: str, timeout: float = 60, **match: Any) -> dict[str, Any]:
        """The first event of ``kind`` (with the fields in ``match``), waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            for e in self.events[seen:]:
                if e["event"] == kind and all(e.get(k) == v for k, v in match.items()):
                    return e
            seen = len(self.events)
            if not self._take(min(1.0, max(0.0, deadline - time.monotonic()))) and seen == len(self.events):
                break
        raise AssertionError(f"no {kind} event {match} within {timeout}s; got {self.events}")

    def finish(self, timeout: float = 120) -> int:
        code = self.process.wait(timeout)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self._take(1):
            pass
        return code

    def interrupt(self) -> None:
        self.process.send_signal(signal.SIGINT)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)


class Version(Backend):
    """A backend that says which version answered, with an answer the test changes while it runs: ``status``
    (500 to fail) and ``delay_s`` (to be slow). /health always answers 200 quickly, so the health checker keeps
    the target in rotation and only the traffic tells."""

    def __init__(self, name: str) -> None:
        self.status, self.delay_s = 200, 0.0
        super().__init__(name, self._answer)

    def _answer(self, request: Request) -> Answer:
        if request.path == "/health":
            return 200, self.name.encode()
        if self.delay_s:
            time.sleep(self.delay_s)
        return self.status, self.name.encode()


class Load:
    """Steady traffic to a listener port from a few threads until stopped; counts the answers by status."""

    def __init__(self, port: int, path: str = "/app/x", threads: int = 4) -> None:
        self.port, self.path, self.running = port, path, True
        self.statuses: dict[int, int] = {}
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]
        for t in self.threads:
            t.start()

    def _run(self) -> None:
        while self.running:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            try:
                conn.request("GET", self.path)
                response = conn.getresponse()
                response.read()
                with self.lock:
                    self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
            except OSError:
                time.sleep(0.05)
            finally:
                conn.close()
            time.sleep(0.01)

    def stop(self) -> None:
        self.running = False
        for t in self.threads:
            t.join(10)
