"""Rollback time: from the canary's first 5xx to the stable group back at 100%, against the step interval.

One run, one server (`python -m provider up`, its access log ingested), the same backends and steady load:
  ours: `elbv2-provider rollout --steps 5,10,25,50,100 --interval I --max-error-rate 0.01 --min-requests 10`
        (judges every second on the step's own metrics, fails as soon as a gate is crossed);
  peer: the README's progressive-rollout.sh (the scenario's script, its stub filled in with `aws cloudwatch
        get-metric-statistics`), WAIT=I: it looks once, at the end of each step.
The canary starts answering 500 at a random moment of the first step; the rule's weights are polled every
50 ms until stable is at 100. Printed: median seconds per side, as a fraction of the interval, and the ratio.

    .venv/bin/python bench/rollout_rollback.py [--interval 10] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.clients import AWS_ENV, elbv2_client  # noqa: E402
from tests.support.processes import BIN, ROOT, free_port, start_server  # noqa: E402
from tests.support.readme import readme_block  # noqa: E402
from tests.support.rollout import Canary, Load, Version, canary_rule, command, forward  # noqa: E402


def wait(predicate: object, timeout: float) -> float:
    """Seconds until ``predicate()`` is true (polled every 50 ms); raises after ``timeout``."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():  # type: ignore[operator]
            return time.monotonic() - start
        time.sleep(0.05)
    raise TimeoutError(f"not within {timeout}s")


def one(side: str, c: Canary, canary: Version, interval: float, url: str, script: Path) -> float:
    c.elbv2.modify_rule(RuleArn=c.rule, Actions=forward(c.stable, c.canary, 100))
    canary.status = 200
    env = {**os.environ, **AWS_ENV, "PYTHONPATH": str(ROOT), "EP": url, "WAIT": f"{interval:g}",
           "PATH": f"{BIN}:{os.environ['PATH']}"}
    if side == "ours":
        argv = command(url, "--rule-arn", c.rule, "--to", c.canary, "--from", c.stable, "--steps", "5,10,25,50,100",
                       "--interval", f"{interval:g}s", "--max-error-rate", "0.01", "--min-requests", "10")
    else:
        argv = ["bash", str(script), c.rule, c.stable, c.canary]
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait(lambda: c.weights()["canary"] > 0, 30)
        time.sleep(random.uniform(0, interval * 0.8))
        canary.status = 500
        return wait(lambda: c.weights() == {"stable": 100, "canary": 0}, interval * 3 + 30)
    finally:
        process.wait(interval * 3 + 30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-rollout-"))
    server = start_server(tmp, process=True, up=True, dashboard_port=free_port(), health_time_scale=0.2)
    stable, canary = Version("stable"), Version("canary")
    c = canary_rule(elbv2_client(server.url), free_port(), {"stable": stable.port, "canary": canary.port})
    load = Load(c.listener_port)
    script = tmp / "progressive-rollout.sh"
    script.write_text(readme_block("progressive-rollout.sh"))
    times: dict[str, list[float]] = {"ours": [], "peer": []}
    try:
        wait(lambda: load.statuses.get(200, 0) > 50, 60)
        for _ in range(args.runs):
            for side in ("ours", "peer"):
                times[side].append(one(side, c, canary, args.interval, server.url, script))
    finally:
        load.stop()
        server.stop()
        stable.stop()
        canary.stop()
    print(f"first 5xx -> stable at 100%, interval {args.interval:g} s, {args.runs} runs each")
    for side, label in (("ours", "elbv2-provider rollout"), ("peer", "progressive-rollout.sh (aws cloudwatch)")):
        m = statistics.median(times[side])
        print(f"  {label:42s} median {m:5.2f} s = {m / args.interval:.2f} x interval  "
              f"(runs: {', '.join(f'{t:.2f}' for t in times[side])})")
    print(f"  ratio ours/peer: {statistics.median(times['ours']) / statistics.median(times['peer']):.2f}")


if __name__ == "__main__":
    main()
