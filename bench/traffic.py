"""What the throughput benches share: their options, the rig (a temp dir, nginx as the fastest target a forward can
reach, an in-process provider and one Traefik as `up` runs it, the alb plugin loaded from disk), wrk rounds
interleaved over the paths compared (so drift on a shared machine hits each alike) with Traefik's own CPU time per
request beside each rate, and the medians printed. Each bench keeps only its state and what it compares.

(needs wrk and nginx: apt-get install -y wrk nginx-light)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.clients import Client  # noqa: E402
from tests.support.processes import InProcessServer, free_port  # noqa: E402
from tests.support.traefik import Traefik  # noqa: E402
from tests.support.waiting import wait_for  # noqa: E402

NGINX_CONF = """daemon off; worker_processes 1; pid {dir}/nginx.pid; error_log {dir}/error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; server {{ listen 127.0.0.1:{port}; location / {{ return 200 "ok"; }} }} }}
"""


def options(description: str | None) -> argparse.Namespace:
    """--seconds (per wrk run), --connections, --rounds; ``description`` (the bench's docstring) for --help."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    return parser.parse_args()


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


def wrk(port: int, path: str, seconds: int, connections: int, *, tls: bool = False, header: str = "") -> float:
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}{path}"
    extra = ["-H", header] if header else []
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", *extra, url], capture_output=True, text=True, check=True,
    ).stdout
    found = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    assert found, out
    return float(found.group(1))


@dataclass
class Rig:
    provider: InProcessServer
    traefik: Traefik
    nginx_port: int
    port: int  # the listener's port as Traefik serves it on loopback


@contextmanager
def rig(alb_port: int) -> Iterator[Rig]:
    """nginx, a provider and one Traefik serving ALB port ``alb_port``; all stopped on the way out."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        server, nginx_port = nginx(directory)
        provider = InProcessServer()
        traefik = Traefik(provider.settings, "/traefik/config", [alb_port], directory / "traefik.log")
        try:
            yield Rig(provider, traefik, nginx_port, traefik.ports[alb_port])
        finally:
            traefik.stop()
            provider.stop()
            server.terminate()
            server.wait(10)


@dataclass
class Runs:
    rates: dict[str, list[float]]  # requests per second, one per round
    cpu_us: dict[str, list[float]]  # Traefik's CPU time per request, one per round


def rounds(rig: Rig, args: argparse.Namespace, paths: Mapping[str, str], *, tls: bool = False,
           header: str = "") -> Runs:
    """wrk on each of ``paths`` (name -> path) in turn, ``args.rounds`` times, the same threads, connections,
    duration and header for each."""
    runs = Runs({name: [] for name in paths}, {name: [] for name in paths})
    pid = rig.traefik.process.pid
    for _ in range(args.rounds):  # interleaved, so drift on a shared machine hits each alike
        for name, path in paths.items():
            before = cpu_seconds(pid)
            rate = wrk(rig.port, path, args.seconds, args.connections, tls=tls, header=header)
            runs.rates[name].append(rate)
            runs.cpu_us[name].append((cpu_seconds(pid) - before) / (rate * args.seconds) * 1e6)
    return runs


def report(rates: Mapping[str, list[float]]) -> dict[str, float]:
    """Prints each name's median rate with the rounds it is the median of; returns the medians."""
    medians = {name: statistics.median(values) for name, values in rates.items()}
    width = max(map(len, rates)) + 2
    for name, values in rates.items():
        each = ", ".join(f"{v:.0f}" for v in values)
        print(f"{name:{width}s} {medians[name]:10.0f} req/s (median of {len(values)}: {each})")
    return medians


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
