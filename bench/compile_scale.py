"""Compile + serve at scale: 10,000 rules, 1,000 target groups, 2,000 targets.

Prints (1) compile + render time in-process (goal <= 100 ms): the first compile (empty memo)
and a recompile after one ModifyRule-like change (a new Rule object with other weights), each rendering the
whole config and every listener port's part as the dataplane does, checked against ``serialize`` of the dict;
(2) polls/s of the real app's cached /traefik/config vs a bare Starlette endpoint returning the same bytes,
both under uvicorn in their own process and driven by the same keep-alive client loop (goal >= 0.9x),
(3) each server's RSS (goal <= 150 MB), (4) in the real server: ModifyRule's 200 -> the next poll's new bytes.

    .venv/bin/python bench/compile_scale.py [--rules 10000 --tgs 1000 --targets 2000 --polls 400]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from provider.compiler.compile import CompileMemo, CompileOptions, compile_entries, serialize  # noqa: E402
from provider.elbv2.model import (  # noqa: E402
    Action,
    ActionType,
    Condition,
    ConditionField,
    Forward,
    HealthCheck,
    Listener,
    LoadBalancer,
    ProtocolName,
    QueryPair,
    Rule,
    State,
    Target,
    TargetGroup,
    TargetGroupTuple,
    TargetType,
)

ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012"
T0 = datetime(2025, 1, 1, tzinfo=UTC)
RULES_PER_LISTENER = 1000


def build_state(n_rules: int, n_tgs: int, n_targets: int) -> State:
    n_lbs = max(1, n_rules // RULES_PER_LISTENER)
    lbs = [
        LoadBalancer(
            f"{ARN}:loadbalancer/app/lb{i}/{i:016x}",
            f"lb{i}",
            f"lb{i}-1.us-east-1.elb.amazonaws.com",
            "internet-facing",
            "ipv4",
            "vpc-1",
            (),
            (),
            T0,
        )
        for i in range(n_lbs)
    ]
    listeners = [
        Listener(f"{ARN}:listener/app/lb{i}/{i:016x}/{i:016x}", lb.arn, 8000 + i, ProtocolName.HTTP)
        for i, lb in enumerate(lbs)
    ]
    tgs = [
        TargetGroup(
            f"{ARN}:targetgroup/tg{i}/{i:016x}",
            f"tg{i}",
            ProtocolName.HTTP,
            "HTTP1",
            80,
            "vpc-1",
            TargetType.IP,
            "ipv4",
            HealthCheck(),
            T0,
        )
        for i in range(n_tgs)
    ]
    targets = [Target(tgs[i % n_tgs].arn, f"10.0.{i // 250}.{i % 250 + 1}", 8080, T0) for i in range(n_targets)]
    kinds = [
        lambda i: (Condition(ConditionField.PATH_PATTERN, (f"/svc{i}/*",)),),
        lambda i: (
            Condition(ConditionField.HOST_HEADER, (f"*.h{i}.example.com",)),
            Condition(ConditionField.PATH_PATTERN, (f"/a{i}", f"/b{i}?x")),
        ),
        lambda i: (Condition(ConditionField.HTTP_HEADER, (f"v{i}*",), header_name="X-Version"),),
        lambda i: (Condition(ConditionField.QUERY_STRING, query=(QueryPair("variant", f"{i}"),)),),
    ]
    rules: list[Rule] = []
    for i in range(n_rules):
        li = listeners[i % n_lbs]
        priority = i // n_lbs + 1
        groups = (TargetGroupTuple(tgs[i % n_tgs].arn, 90), TargetGroupTuple(tgs[(i + 1) % n_tgs].arn, 10))
        action = Action(ActionType.FORWARD, forward=Forward(groups if i % 2 else groups[:1]))
        rules.append(
            Rule(
                f"{li.arn.replace(':listener/', ':listener-rule/')}/{i:016x}",
                li.arn,
                priority,
                kinds[i % len(kinds)](i),
                (action,),
            )
        )
    for li in listeners:
        action = Action(ActionType.FORWARD, forward=Forward((TargetGroupTuple(tgs[0].arn, 1),)))
        rules.append(Rule(f"{li.arn.replace(':listener/', ':listener-rule/')}/default", li.arn, None, (), (action,)))
    return State(
        version=1,
        load_balancers={x.arn: x for x in lbs},
        target_groups={x.arn: x for x in tgs},
        listeners={x.arn: x for x in listeners},
        rules={x.arn: x for x in rules},
        targets={x.key: x for x in targets},
    )


def servers_of(state: State) -> dict[str, list[tuple[str, int]]]:
    return {arn: sorted((t.id, t.port) for t in ts) for arn, ts in state.targets_by_group.items()}


def child(kind: str, port: int, sizes: tuple[int, int, int]) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    state = build_state(*sizes)
    if kind == "provider":
        from provider.app import create_app
        from provider.settings import Settings

        # the default set-up: a DuckDB file (an in-memory database would also hold every table page in RAM)
        db = Path(tempfile.mkdtemp(prefix="bench-compile-")) / "state.duckdb"
        app = create_app(Settings(port=port, db=str(db)))
        store = app.state.runtime.store
        with store.write() as tx:
            for field_ in ("load_balancers", "target_groups", "targets", "listeners", "rules"):
                for obj in getattr(state, field_).values():
                    tx.put(obj)
    else:
        body = compile_entries(state, servers_of(state), CompileOptions(f"http://127.0.0.1:{port}")).render()

        async def config(_: Request) -> Response:
            return Response(body, media_type="application/json")

        app = Starlette(routes=[Route("/traefik/config", config)])
    del state
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def modify_then_poll(port: int, n: int = 10) -> str:
    import httpx

    from tests.support.clients import elbv2_client

    # rule 0 of the child's state (priority 1 on the first listener): its ARN, without building 10,000 rules
    listener = f"{ARN}:listener-rule/app/lb0/{0:016x}/{0:016x}"
    rule_arn = f"{listener}/{0:016x}"
    elbv2 = elbv2_client(f"http://127.0.0.1:{port}")
    took = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        before = client.get("/traefik/config").content
        for i in range(n):  # a new path: target groups here are shared across LBs, which ModifyRule refuses
            conditions = [{"Field": "path-pattern", "PathPatternConfig": {"Values": [f"/svc0-{i}/*"]}}]
            elbv2.modify_rule(RuleArn=rule_arn, Conditions=conditions)
            t = time.perf_counter()
            after = client.get("/traefik/config").content
            took.append(time.perf_counter() - t)
            assert after != before
            before = after
    return f"median {statistics.median(took) * 1e3:.0f} ms, max {max(took) * 1e3:.0f} ms"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    import httpx  # here, not at the top: the server children would carry it in their RSS

    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", type=int, default=10_000)
    ap.add_argument("--tgs", type=int, default=1_000)
    ap.add_argument("--targets", type=int, default=2_000)
    ap.add_argument("--polls", type=int, default=400)
    ap.add_argument("--child", nargs=2)
    args = ap.parse_args()
    sizes = (args.rules, args.tgs, args.targets)
    if args.child:
        child(args.child[0], int(args.child[1]), sizes)
        return

    state = build_state(*sizes)
    servers, options = servers_of(state), CompileOptions("http://127.0.0.1:8080")
    ports = sorted({li.port for li in state.listeners.values()})
    memo = CompileMemo()  # as the config endpoint keeps one

    def compile_and_render(s: State) -> tuple[float, float, bytes]:
        t, cpu = time.perf_counter(), time.process_time()
        entries = compile_entries(s, servers, options, memo)
        body = entries.render()
        for port in ports:
            entries.render(port)
        return time.perf_counter() - t, time.process_time() - cpu, body

    cold, cold_cpu, body = compile_and_render(state)
    assert body == serialize(json.loads(body)), "render differs from serialize"
    rules = dict(state.rules)
    forward_rules = [r for r in rules.values() if r.priority is not None and r.actions[0].forward]
    times, cpus = [], []
    for i in range(10):  # one rule changes per compile, on a different listener each time
        old = forward_rules[i * 7]
        forward = old.actions[0].forward
        assert forward is not None
        groups = tuple(replace(g, weight=g.weight + i + 1) for g in forward.target_groups)
        rules[old.arn] = replace(
            old, actions=(replace(old.actions[0], forward=replace(forward, target_groups=groups)),)
        )
        took, cpu, body = compile_and_render(replace(state, version=i + 2, rules=dict(rules)))
        times.append(took)
        cpus.append(cpu)
    print(
        f"state: {args.rules} rules, {args.tgs} target groups, {args.targets} targets, {len(ports)} listener ports; "
        f"config {len(body) / 1e6:.1f} MB"
    )
    print(
        f"compile + render whole + {len(ports)} ports, first compile (empty memo): "
        f"{cold * 1e3:.0f} ms (cpu {cold_cpu * 1e3:.0f} ms)"
    )
    print(
        "compile + render, recompile after one rule change (as after ModifyRule): "
        f"median {statistics.median(times) * 1e3:.0f} ms (cpu {statistics.median(cpus) * 1e3:.0f} ms), "
        f"max {max(times) * 1e3:.0f} ms (goal <= 100 ms)"
    )

    procs: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    try:
        for kind in ("provider", "bare"):
            port = free_port()
            cmd = [
                sys.executable,
                __file__,
                "--child",
                kind,
                str(port),
                "--rules",
                str(args.rules),
                "--tgs",
                str(args.tgs),
                "--targets",
                str(args.targets),
            ]
            procs[kind] = (subprocess.Popen(cmd, env={**os.environ, "PYTHONUNBUFFERED": "1"}), port)
        bodies: dict[str, bytes] = {}
        first_poll: dict[str, float] = {}
        for kind, (proc, port) in procs.items():
            deadline = time.monotonic() + 120
            while True:
                try:
                    t = time.perf_counter()
                    bodies[kind] = httpx.get(f"http://127.0.0.1:{port}/traefik/config", timeout=30).content
                    first_poll[kind] = time.perf_counter() - t
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise
                    time.sleep(0.2)
        print(
            f"first poll after start (provider compiles lazily): {first_poll['provider'] * 1e3:.0f} ms; "
            f"same bytes as bare: {len(bodies['provider']) == len(bodies['bare'])}"
        )
        rates: dict[str, list[float]] = {"provider": [], "bare": []}
        for _ in range(3):  # alternate rounds so drift hits both alike
            for kind, (_, port) in procs.items():
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                    client.get("/traefik/config")
                    t = time.perf_counter()
                    for _ in range(args.polls):
                        client.get("/traefik/config").raise_for_status()
                    rates[kind].append(args.polls / (time.perf_counter() - t))
        p, b = statistics.median(rates["provider"]), statistics.median(rates["bare"])
        print(
            f"cached poll answer: provider {p:.0f}/s vs bare Starlette {b:.0f}/s -> ratio {p / b:.2f}x (goal >= 0.9x)"
        )
        for kind, (proc, _) in procs.items():
            print(f"RSS {kind}: {rss_mb(proc.pid):.0f} MB" + (" (goal <= 150 MB)" if kind == "provider" else ""))
        print(f"ModifyRule 200 -> next poll has the new bytes (real server): {modify_then_poll(procs['provider'][1])}")
    finally:
        for proc, _ in procs.values():
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
