"""How a rollout reports: one JSON object a line (--output json, for CI), plain lines (not a terminal), or a
live status line redrawn in place on a terminal with the events printed above it.

>>> describe("step", {"step": 3, "of": 5, "to_weight": 25, "from_weight": 75})
'step 3/5: canary 25% / stable 75%'
"""

from __future__ import annotations

import json
from typing import Any, Protocol, TextIO

Fields = dict[str, Any]


def describe(kind: str, f: Fields) -> str:
    """One event in words: ('progress', {...}) -> 'step 3/5 25%: 120 requests, errors 0.00%, p99 12 ms, 4s left'."""
    if kind == "progress":
        p99 = "-" if f.get("p99_s") is None else f"{f['p99_s'] * 1000:.0f} ms"
        return (f"step {f['step']}/{f['of']} canary {f['to_weight']}% stable {f['from_weight']}%: "
                f"{f['requests']} requests, errors {f['error_rate']:.2%}, p99 {p99}, {f['left_s']:.0f}s left")
    if kind == "start":
        return (f"rollout {f['id']}: {f['to_group']} over {f['from_group']} in steps {f['steps']} every "
                f"{f['interval_s']:g}s")
    if kind == "step":
        return f"step {f['step']}/{f['of']}: canary {f['to_weight']}% / stable {f['from_weight']}%"
    if kind == "passed":
        return f"step {f['step']}/{f['of']} passed: {f['requests']} requests, errors {f['error_rate']:.2%}"
    if kind == "waiting":
        return f"waiting for requests: {f['reason']} (up to {f['left_s']:.0f}s more)"
    if kind == "unreachable":
        return f"server unreachable ({f['error']}); retrying for {f['left_s']:.0f}s"
    reason = f": {f['reason']}" if f.get("reason") else ""
    return f"{kind}{reason}"


class Json:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def event(self, kind: str, **fields: Any) -> None:
        self.out.write(json.dumps({"event": kind, **fields}, default=str) + "\n")
        self.out.flush()


class Text:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def event(self, kind: str, **fields: Any) -> None:
        self.out.write(describe(kind, fields) + "\n")
        self.out.flush()


class Live(Text):
    """Progress redraws one line in place; every other event is printed above it."""

    def event(self, kind: str, **fields: Any) -> None:
        line = describe(kind, fields)
        self.out.write("\r\x1b[K" + line + ("" if kind == "progress" else "\n"))
        self.out.flush()


class Display(Protocol):
    def event(self, kind: str, **fields: Any) -> None: ...


def for_output(output: str, out: TextIO) -> Display:
    if output == "json":
        return Json(out)
    return Live(out) if out.isatty() else Text(out)
