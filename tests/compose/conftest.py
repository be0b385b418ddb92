"""The compose stack, for real: `make compose-test` sets ELBV2_COMPOSE_TEST=1 after building the images with
.ci/compose-images.sh; `make test` skips these tests. ELBV2_COMPOSE_EXTRA names one more compose file
(e.g. to mount an engine socket other than /var/run/docker.sock into the provider). The stack is up for the
module, and down (-v) at its end."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from tests.conftest import ROOT
from tests.e2e import harness
from tests.test_compose import compose_command

PROJECT = "elbv2-demo"  # compose.yaml's name
OVERRIDE = ROOT / "tests" / "compose" / "compose.ci.yaml"
WAIT_SECONDS = 180


@dataclass
class Stack:
    command: list[str]

    def run(self, *args: str, timeout: float = WAIT_SECONDS + 60, check: bool = True) -> str:
        done = subprocess.run([*self.command, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT)
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def up(self, *args: str) -> None:
        self.run("up", "-d", "--wait", "--wait-timeout", str(WAIT_SECONDS), "--no-build", *args)

    def url(self, service: str, port: int) -> str:
        """The published host address of a container port, e.g. http://127.0.0.1:32771."""
        return "http://" + self.run("port", service, str(port)).strip()

    def containers(self, service: str) -> list[dict[str, Any]]:
        ids = self.run("ps", "-q", service).split()
        return list(json.loads(docker("inspect", *ids))) if ids else []

    def elbv2(self) -> Any:
        return boto3.client("elbv2", endpoint_url=self.url("provider", 8080), region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test")


def docker(*args: str, timeout: float = 120) -> str:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=True).stdout


def engine_answers() -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def leftovers() -> dict[str, list[str]]:
    """What the project still has in the engine: containers, networks and volumes by compose label."""
    label = f"label=com.docker.compose.project={PROJECT}"
    return {
        "containers": docker("ps", "-aq", "--filter", label).split(),
        "networks": docker("network", "ls", "-q", "--filter", label).split(),
        "volumes": docker("volume", "ls", "-q", "--filter", label).split(),
    }


def wait_for(what: str, probe: Callable[[], bool], timeout: float = 90) -> None:
    harness.wait_for(probe, timeout, what)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    if os.environ.get("ELBV2_COMPOSE_TEST") != "1":
        pytest.skip("the compose stack runs with `make compose-test` (it builds the images first)")
    command = compose_command()
    if command is None or not engine_answers():
        pytest.skip("no Docker engine answers (or no docker compose v2): the compose stack cannot run")
    files = [ROOT / "compose.yaml", OVERRIDE, *filter(None, [os.environ.get("ELBV2_COMPOSE_EXTRA")])]
    found = Stack([*command, "--project-directory", str(ROOT), *(a for f in files for a in ("-f", str(f)))])
    found.run("down", "-v", "--remove-orphans")  # a stack left over by an interrupted run
    found.up()
    try:
        yield found
    finally:
        found.run("down", "-v", "--remove-orphans", check=False)
