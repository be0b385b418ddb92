"""Propagation: ModifyRule's 200 -> live traffic on the new weights, vs Traefik's file provider as the peer.

Both Traefiks run in the same run with the same settings (throttle 0s); the HTTP one polls
`python -m provider serve` every --poll-ms (default: Settings.poll_interval_ms, what `up` mode uses), the file
one watches a directory where the same config bytes are renamed in atomically. Weights toggle 100/0 <-> 0/100;
a change counts as live at the first response from the newly weighted backend. Then a burst of 10 ModifyRule
calls within 1 s: how long after the last one until traffic settles on the final weights (20 responses in a row).

The HTTP Traefiks poll `/traefik/config?wait_ms=W` (long poll, as `up` and compose do: the server holds a poll
that already has the current config until a change or W ms); --wait-ms 0 measures plain polling. Last, the
CPU that polling costs at idle.

    .venv/bin/python bench/propagation.py [--changes 20] [--poll-ms 50] [--wait-ms 800]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from provider.settings import Settings  # noqa: E402
from provider.traefik.static import LONG_POLL_MS, THROTTLE, routing_config  # noqa: E402
from tests.support.backends import Backend  # noqa: E402
from tests.support.clients import Client, elbv2_client, get_bytes  # noqa: E402
from tests.support.processes import free_port, start_server, stop_process  # noqa: E402
from tests.support.traefik import Traefik  # noqa: E402


class FileTraefik(Traefik):
    """The peer: the same static config (provider/traefik/static.py) but the file provider on a watched directory."""

    def __init__(self, directory: Path, log: Path) -> None:
        self.ports = {80: free_port()}
        self.api_port = free_port()
        listeners, api = {80: f"127.0.0.1:{self.ports[80]}"}, f"127.0.0.1:{self.api_port}"
        config = routing_config(listeners, Settings(), "/", api_address=api, level="ERROR")
        file_provider = {"directory": str(directory), "watch": True}
        config["providers"] = {"providersThrottleDuration": THROTTLE, "file": file_provider}
        self.launch(config, log)


def groups_of(elbv2: Any, backends: dict[str, Backend]) -> tuple[dict[str, Any], dict[str, str]]:
    """A load balancer, and a target group per backend (name -> ARN), each backend its one target."""
    lb = elbv2.create_load_balancer(Name="web", Subnets=["subnet-a", "subnet-b"])["LoadBalancers"][0]
    tgs = {}
    for n, b in backends.items():
        tg = elbv2.create_target_group(Name=f"t{n}", Protocol="HTTP", Port=80, VpcId=lb["VpcId"], TargetType="ip")
        tgs[n] = tg["TargetGroups"][0]["TargetGroupArn"]
        elbv2.register_targets(TargetGroupArn=tgs[n], Targets=[{"Id": "127.0.0.1", "Port": b.port}])
    return lb, tgs


def all_to(tgs: dict[str, str], to: str) -> list[dict[str, object]]:
    """A forward action with every weight on target group ``to``."""
    groups = [{"TargetGroupArn": arn, "Weight": 100 if n == to else 0} for n, arn in tgs.items()]
    return [{"Type": "forward", "ForwardConfig": {"TargetGroups": groups}}]


def until_served_by(client: Client, name: str, t0: float, timeout: float = 15) -> float:
    while time.perf_counter() - t0 < timeout:
        if client.request("/p/x").body.startswith(name + " "):
            return time.perf_counter() - t0
        time.sleep(0.002)
    raise AssertionError(f"{name} never served")


def summary(xs: list[float]) -> str:
    q = statistics.quantiles(xs, n=20)
    return f"median {statistics.median(xs) * 1e3:.0f} ms, p95 {q[18] * 1e3:.0f} ms, max {max(xs) * 1e3:.0f} ms"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def idle_cost(
    server_pid: int, settings: Settings, elbv2: Any, lb_arn: str, whole: Traefik, tmp: Path, wait_ms: int
) -> None:
    """CPU spent polling while nothing changes, as in `up` mode: one Traefik per listener port (5 ports) plus
    the whole-config one (``whole``), all polling every ``settings.poll_interval_ms``."""
    ports = [81, 82, 83, 84]
    for p in ports:
        fixed = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}]
        elbv2.create_listener(LoadBalancerArn=lb_arn, Protocol="HTTP", Port=p, DefaultActions=fixed)
    traefiks = [
        Traefik(settings, f"/traefik/config/{p}", [p], tmp / f"traefik-{p}.log", wait_ms=wait_ms)
        for p in [80, *ports]
    ]
    try:
        time.sleep(2)
        pids = [whole.process.pid, *(t.process.pid for t in traefiks)]
        seconds = 10.0
        before = cpu_seconds(server_pid), sum(cpu_seconds(p) for p in pids)
        time.sleep(seconds)
        server = (cpu_seconds(server_pid) - before[0]) / seconds
        polling = (sum(cpu_seconds(p) for p in pids) - before[1]) / seconds
        query = f"?wait_ms={wait_ms}" if wait_ms else ""
        print(
            f"idle, poll {settings.poll_interval_ms} ms{query}, 6 Traefiks (5 ports + whole): "
            f"server {server:.1%} of one CPU, Traefiks {polling:.1%} together ({polling / len(pids):.1%} each)"
        )
    finally:
        for t in traefiks:
            t.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--changes", type=int, default=20)
    ap.add_argument("--poll-ms", type=int, default=Settings.poll_interval_ms)
    ap.add_argument("--wait-ms", type=int, default=LONG_POLL_MS)  # what `up` and compose use; 0: plain polling
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="propagation-"))
    backends = {n: Backend(n) for n in "ab"}
    port = free_port()
    process = start_server(tmp, process=True, port=port).process
    url = f"http://127.0.0.1:{port}"
    settings = Settings(port=port, poll_interval_ms=args.poll_ms)
    http_t = Traefik(settings, "/traefik/config", [80], tmp / "traefik-http.log", wait_ms=args.wait_ms)
    watched = tmp / "dyn"
    watched.mkdir()
    file_t = FileTraefik(watched, tmp / "traefik-file.log")
    try:
        elbv2 = elbv2_client(url)
        lb, tgs = groups_of(elbv2, backends)
        listener = elbv2.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"],
            Protocol="HTTP",
            Port=80,
            DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
        )["Listeners"][0]["ListenerArn"]

        def actions(to: str) -> list[dict[str, object]]:
            return all_to(tgs, to)

        conditions = [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/p/*"]}}]
        rule = elbv2.create_rule(ListenerArn=listener, Priority=1, Conditions=conditions, Actions=actions("a"))
        rule_arn = rule["Rules"][0]["RuleArn"]
        configs = {}
        for n in "ab":  # the peer gets exactly the bytes the provider serves for each weight setting
            elbv2.modify_rule(RuleArn=rule_arn, Actions=actions(n))
            configs[n] = get_bytes(url + "/traefik/config")

        def write(to: str) -> None:
            tmp_file = watched / ".next.yaml.tmp"
            tmp_file.write_bytes(configs[to])
            os.replace(tmp_file, watched / "dyn.yaml")

        results: dict[str, list[float]] = {"http provider (ModifyRule)": [], "file provider (rename)": []}
        changers: dict[str, tuple[Traefik, Callable[[str], None]]] = {
            "http provider (ModifyRule)": (http_t, lambda to: elbv2.modify_rule(RuleArn=rule_arn, Actions=actions(to))),
            "file provider (rename)": (file_t, write),
        }
        for label, (traefik, change) in changers.items():
            client, current = Client(traefik.ports[80]), "b"
            change(current)
            until_served_by(client, current, time.perf_counter())
            for _ in range(args.changes):
                time.sleep(0.5)  # isolated changes
                current = "a" if current == "b" else "b"
                change(current)
                t0 = time.perf_counter()  # after ModifyRule's 200 / after the rename
                results[label].append(until_served_by(client, current, t0))
        held = f", long poll {args.wait_ms} ms" if args.wait_ms else ""
        print(f"{args.changes} isolated changes each (poll {args.poll_ms} ms{held}, throttle 0 s, loopback):")
        for label, xs in results.items():
            print(f"  {label:28s} {summary(xs)}")
        ratio = statistics.median(results["http provider (ModifyRule)"]) / statistics.median(
            results["file provider (rename)"]
        )
        print(f"  http/file median ratio: {ratio:.2f}x")

        for label, (traefik, change) in changers.items():
            client = Client(traefik.ports[80])
            time.sleep(1)
            sequence = ["a", "b"] * 5  # 10 changes within 1 s, the last one to "b"
            for to in sequence:
                change(to)
                time.sleep(0.09)
            t_last = time.perf_counter()
            streak, settled = 0, None
            while time.perf_counter() - t_last < 15:
                ok = client.request("/p/x").body.startswith("b ")
                streak = streak + 1 if ok else 0
                if ok and settled is None:
                    settled = time.perf_counter() - t_last
                if not ok:
                    settled = None
                if streak >= 20:
                    break
            shown = "never" if settled is None else f"{settled * 1e3:.0f} ms"
            print(f"burst of 10 in 1 s, {label}: final weights live {shown} after the last change")
        idle_cost(process.pid, settings, elbv2, lb["LoadBalancerArn"], http_t, tmp, args.wait_ms)
    finally:
        http_t.stop()
        file_t.stop()
        stop_process(process)
        for b in backends.values():
            b.stop()


if __name__ == "__main__":
    main()
