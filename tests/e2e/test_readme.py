"""The README's canary, metrics and rollout commands, executed verbatim against `elbv2-provider up` with a real
Traefik, in one shell as a reader would run them."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from tests.support.processes import BIN, ROOT, free_port, start_server
from tests.support.readme import readme_block

pytestmark = pytest.mark.slow


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as http.server does: TIME_WAIT is no clash
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_readme_canary_splits_95_5_then_50_50_the_metrics_count_it_and_the_rollout_runs_to_100(
    tmp_path: Path,
) -> None:
    """The canary block, the metrics block (which counts the canary's requests, so before any more traffic), then
    the rollout block: the one-command rollout exits 0 at 100%."""
    if not (port_free(9001) and port_free(9002)):
        pytest.skip("the README's demo backends use ports 9001 and 9002, which are taken here")
    server = start_server(tmp_path, process=True, up=True)
    env = {**os.environ, "EP": server.url, "PORT": str(free_port()), "PATH": f"{BIN}:{os.environ['PATH']}",
           "PYTHONPATH": str(ROOT)}  # `elbv2-provider` runs this checkout's code
    blocks = readme_block("canary") + readme_block("metrics") + readme_block("rollout")
    script = subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", blocks],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        out, err = script.communicate(timeout=240)
    finally:
        try:
            os.killpg(script.pid, signal.SIGTERM)  # the README's backgrounded backends
        except ProcessLookupError:
            pass
        server.stop()
    assert script.returncode == 0, out + err
    counts = re.findall(r"^\s*(\d+) (v\d)$", out, re.M)
    assert counts == [("95", "v1"), ("5", "v2"), ("50", "v1"), ("50", "v2")], out
    # the canary group served 5 + 50 requests, none of them a 5xx
    assert re.findall(r"^(55\.0|canary 5xx rate\t0\.0)$", out, re.M) == ["55.0", "canary 5xx rate\t0.0"], out
    assert "step 2/2 passed" in out and "succeeded: canary" in out
    assert re.search(r"succeeded\s+step 2/2\s+canary 100% / stable 0%", out), out
