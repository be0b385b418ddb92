"""`elbv2-provider rollout` run in-process against a real server, on a FakeClock: its flags parsed by the real
parser, the real engine and Api, and a display that keeps the events and acts at the ones the test names (change
a rule, fire an alarm, stop the server, press Ctrl-C). The step's numbers can be scripted at the engine's Metrics
boundary; everything else goes over HTTP to the server."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from provider.cli import build_parser
from provider.rollout.client.api import Api
from provider.rollout.client.engine import Metrics, Rollout
from provider.rollout.client.flags import plan_of
from provider.rollout.model import StepMetrics
from tests.support.clock import FakeClock

Event = dict[str, Any]


class Killed(BaseException):
    """The command killed where it stands (SIGKILL): no rollback, no last word. Not an Exception, so the
    engine lets it through as it would a real kill."""


@dataclass
class Script:
    """A Display that keeps every event and runs an action at the first event of a kind with the given fields."""

    events: list[Event] = field(default_factory=list)
    actions: list[tuple[str, dict[str, Any], Callable[[], None]]] = field(default_factory=list)

    def at(self, kind: str, action: Callable[[], None], **match: Any) -> None:
        self.actions.append((kind, match, action))

    def event(self, kind: str, **fields: Any) -> None:
        self.events.append({"event": kind, **fields})
        for i, (want, match, action) in enumerate(self.actions):
            if want == kind and all(fields.get(k) == v for k, v in match.items()):
                del self.actions[i]
                action()
                return

    def first(self, kind: str) -> Event:
        found = [e for e in self.events if e["event"] == kind]
        assert found, f"no {kind} event in {self.events}"
        return found[0]

    def kinds(self, *wanted: str) -> list[str]:
        return [e["event"] for e in self.events if e["event"] in wanted]


@dataclass
class Scripted:
    """The canary's numbers in any window are ``now`` (the test changes them mid-rollout); the windows asked for
    are kept."""

    now: StepMetrics = field(default_factory=lambda: StepMetrics(0, 0, None))
    asked: list[tuple[str, str, datetime, datetime]] = field(default_factory=list)

    def step_metrics(self, target: str, group: str, start: datetime, end: datetime) -> StepMetrics:
        self.asked.append((target, group, start, end))
        return self.now


def rollout(url: str, *argv: str, clock: FakeClock, script: Script, metrics: Metrics | None = None) -> int:
    """``elbv2-provider rollout --endpoint-url URL *argv`` in this process; the exit code."""
    args = build_parser().parse_args(["rollout", "--endpoint-url", url, *argv])
    return Rollout(plan_of(args), Api(url), script, clock, metrics).run()
