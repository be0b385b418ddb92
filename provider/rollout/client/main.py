"""`elbv2-provider rollout ...` and `elbv2-provider rollout status`: the flags (flags.py), then the engine; the
status lists the server's records, a running one whose command stopped reporting shown as abandoned with the
weights it left.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
from collections.abc import Iterator
from typing import TextIO

from provider.rollout.client import display
from provider.rollout.client.api import UNREACHABLE, Api
from provider.rollout.client.clock import SYSTEM, Clock
from provider.rollout.client.engine import Rollout
from provider.rollout.client.flags import BadFlags, endpoint, plan_of
from provider.rollout.model import Exit, Status, shown_status


def run(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    if args.action == "status":
        return status(Api(endpoint(args), args.region), args.output, out, err)
    try:
        plan = plan_of(args)
    except BadFlags as e:
        err.write(f"elbv2-provider rollout: {e}\n")
        return Exit.USAGE
    with _sigterm_interrupts():
        return Rollout(plan, Api(endpoint(args), args.region), display.for_output(args.output, out)).run()


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """A CI job cancelled (SIGTERM) is Ctrl-C: roll back (or keep) and say so. SIGINT is handled as well, because a
    command started in the background by a script inherits SIGINT ignored. The old handlers come back after, for
    a caller that runs the command in-process."""
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def status(api: Api, output: str, out: TextIO, err: TextIO, clock: Clock = SYSTEM) -> int:
    try:
        records = api.records()
    except UNREACHABLE as e:
        err.write(f"elbv2-provider rollout status: the server at {api.endpoint_url} did not answer ({e})\n")
        return Exit.USAGE
    now = clock.now()
    rows = []
    for r in records:
        step = f"{r.step + 1}/{len(r.steps)}" if r.step >= 0 else "-"
        rows.append({"id": r.id, "status": str(shown_status(r, now)), "target": r.target, "to": r.to_group,
                     "from": r.from_group, "step": step, "canary_weight": r.to_weight, "stable_weight": r.from_weight,
                     "started": r.started_at.isoformat(), "updated": r.updated_at.isoformat(), "reason": r.reason})
    if output == "json":
        out.write(json.dumps(rows) + "\n")
        return Exit.SUCCEEDED
    if not rows:
        out.write("no rollouts\n")
    for row in rows:
        left = " (the command stopped reporting: the weights stay where it left them)" if row["status"] == str(
            Status.ABANDONED) else ""
        out.write(f"{row['id']}  {row['status']}{left}  step {row['step']}  canary {row['canary_weight']}% / stable "
                  f"{row['stable_weight']}%  {row['target']}  {row['reason']}\n")
    return Exit.SUCCEEDED
