"""Fixed responses, redirects and transforms through Traefik, against a forward to a fast backend, in one run.

One Traefik (as `up` configures it: the alb plugin loaded from disk) serves four rules of one listener:
``/fwd`` forwards to nginx (the peer: the fastest thing a forward can reach), ``/fixed`` is a fixed response,
``/moved`` a redirect, ``/rw/*`` the same forward with a url-rewrite and a host-header-rewrite. wrk drives each
in turn, the same threads, connections and duration; the ratios are what the issue asks for (goal: fixed and
redirect at least 0.8x of the forward; the transform's cost per request).

    .venv/bin/python bench/answers.py [--seconds 5] [--connections 32] [--rounds 3]
    (needs wrk and nginx: apt-get install -y wrk nginx-light)
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from provider.elbv2.model import Action, ActionType, Redirect, Target  # noqa: E402
from provider.elbv2.model import ConditionField as F  # noqa: E402
from provider.elbv2.transforms import Rewrite, Transform, TransformType  # noqa: E402
from tests.support.builders import StateBuilder, fixed  # noqa: E402
from tests.support.clients import Client  # noqa: E402
from tests.support.conditions import cond  # noqa: E402
from tests.support.models import T0  # noqa: E402
from tests.support.processes import InProcessServer, free_port  # noqa: E402
from tests.support.traefik import Traefik  # noqa: E402
from tests.support.waiting import wait_for  # noqa: E402

NGINX_CONF = """daemon off; worker_processes 1; pid {dir}/nginx.pid; error_log {dir}/error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; server {{ listen 127.0.0.1:{port}; location / {{ return 200 "ok"; }} }} }}
"""
TRANSFORMS = (
    Transform(TransformType.URL_REWRITE, (Rewrite("^/rw/(.*)$", "/fwd/$1"),)),
    Transform(TransformType.HOST_HEADER_REWRITE, (Rewrite("^(.*)$", "internal.$1"),)),
)


def nginx(directory: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    conf = directory / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=directory, port=port))
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen([binary, "-c", str(conf), "-p", str(directory)], stderr=subprocess.DEVNULL)
    wait_for("nginx", lambda: _answers(port))
    return process, port


def _answers(port: int) -> bool:
    try:
        return Client(port).request("/").status == 200
    except OSError:
        return False


def state(nginx_port: int) -> StateBuilder:
    b = StateBuilder()
    b.lb("web")
    b.listener("web", 80)
    b.targets.append(Target(b.tg("fast").arn, "127.0.0.1", nginx_port, T0))
    b.rule("web", 80, 1, b.forward(("fast", 1)), cond(F.PATH_PATTERN, "/fwd"))
    b.rule("web", 80, 2, fixed("teapot", "418"), cond(F.PATH_PATTERN, "/fixed"))
    moved = Action(ActionType.REDIRECT, redirect=Redirect("HTTP_301", protocol="HTTPS", port="443"))
    b.rule("web", 80, 3, moved, cond(F.PATH_PATTERN, "/moved"))
    rewritten = b.rule("web", 80, 4, b.forward(("fast", 1)), cond(F.PATH_PATTERN, "/rw/*"))
    b.rules[-1] = replace(rewritten, transforms=TRANSFORMS)
    b.rule("web", 80, None, fixed("none", "404"))
    return b


def wrk(port: int, path: str, seconds: int, connections: int, *, tls: bool = False, header: str = "") -> float:
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}{path}"
    extra = ["-H", header] if header else []
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", *extra, url], capture_output=True, text=True, check=True,
    ).stdout
    found = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    assert found, out
    return float(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        server, nginx_port = nginx(directory)
        provider = InProcessServer()
        traefik = Traefik(provider.settings, "/traefik/config", [80], directory / "traefik.log")
        try:
            traefik.wait_applied(provider.load(state(nginx_port).state()))
            port = traefik.ports[80]
            checks = {"/fwd": 200, "/fixed": 418, "/moved": 301, "/rw/x": 200}
            assert {p: Client(port).request(p).status for p in checks} == checks
            paths = {"forward": "/fwd", "fixed": "/fixed", "redirect": "/moved", "forward+transforms": "/rw/x"}
            runs: dict[str, list[float]] = {name: [] for name in paths}
            for _ in range(args.rounds):  # interleaved, so drift on a shared machine hits each alike
                for name, path in paths.items():
                    runs[name].append(wrk(port, path, args.seconds, args.connections))
        finally:
            traefik.stop()
            provider.stop()
            server.terminate()
            server.wait(10)
    rate = {name: statistics.median(values) for name, values in runs.items()}
    for name, value in rate.items():
        print(f"{name:20s} {value:10.0f} req/s (median of {args.rounds}: {', '.join(f'{v:.0f}' for v in runs[name])})")
    print(f"fixed / forward              {rate['fixed'] / rate['forward']:.2f}x  (goal >= 0.8x)")
    print(f"redirect / forward           {rate['redirect'] / rate['forward']:.2f}x  (goal >= 0.8x)")
    print(f"forward+transforms / forward {rate['forward+transforms'] / rate['forward']:.2f}x")
    cost_us = (1 / rate["forward+transforms"] - 1 / rate["forward"]) * 1e6 * args.connections
    print(f"transform cost per request   {cost_us:.0f} us of latency at {args.connections} connections")


if __name__ == "__main__":
    main()
