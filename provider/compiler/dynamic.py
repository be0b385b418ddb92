"""Traefik dynamic configuration as JSON text: one text per entry (router, service, middleware, transport), and the
``DynamicEntries`` that joins them in sorted order into bytes byte-identical to ``serialize`` of the same dict.

>>> entry("s", {"loadBalancer": {"servers": []}})
'"s":{"loadBalancer":{"servers":[]}}'
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii
from typing import Any

DynamicConfig = dict[str, Any]

PLACEHOLDER_SERVICE = "elbv2-placeholder"  # in every rendering, so no config is ever empty
# The order json.dumps(sort_keys=True) puts the sections in, so a join of sorted entries equals ``serialize``.
_SECTIONS = ("middlewares", "routers", "serversTransports", "services")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")
_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode  # one encoder: no per-call setup


def safe_name(name: str) -> str:
    """A name Traefik takes as is: ``web/1 a`` -> ``web_1_a``."""
    return _UNSAFE_NAME.sub("_", name)


def entry_point(port: int) -> str:
    """``80`` -> ``listener80``."""
    return f"listener{port}"


@dataclass
class DynamicEntries:
    """The config as JSON texts: ``sections["routers"]["web-80-p1-x"] == '"web-80-p1-x":{...}'``, and for each
    listener port the names of the entries its routers use (services reachable from them, their middlewares
    and transports). The placeholder service is in every rendering, so none is ever empty."""

    sections: dict[str, dict[str, str]] = field(default_factory=lambda: {s: {} for s in _SECTIONS})
    by_port: dict[int, dict[str, set[str]]] = field(default_factory=dict)
    # listener port -> the ``tls`` section's text for it alone (compiler/tls.py); whole: the text for every port
    tls: dict[int | None, str] = field(default_factory=dict)

    def merge(self, port: int, section: str, texts: Mapping[str, str]) -> None:
        """Add entries used by listener ``port`` (an entry's text is the same wherever it is used)."""
        self.sections[section].update(texts)
        used = self.by_port.get(port)
        if used is None:
            used = self.by_port[port] = {s: set() for s in _SECTIONS}
        used[section].update(texts)

    def render(self, port: int | None = None) -> bytes:
        """The whole config, or listener ``port``'s part (only the placeholder for a port without routers)."""
        parts = []
        for section in _SECTIONS:
            texts = self.sections[section]
            if port is None:
                names = sorted(texts)
            else:
                used = self.by_port.get(port, {}).get(section, set())
                names = sorted(used | {PLACEHOLDER_SERVICE} if section == "services" else used)
            if names:
                parts.append(f'"{section}":{{{",".join([texts[n] for n in names])}}}')
        tls = self.tls.get(port, "")
        tail = f',"tls":{tls}' if tls else ""
        return f'{{"http":{{{",".join(parts)}}}{tail}}}'.encode()


def for_port(config: DynamicConfig, port: int) -> DynamicConfig:
    """The routers on ``listener<port>`` and only the services, middlewares and transports they use
    (plus the placeholder service, so a port without routers still gets a complete config)."""
    http = config["http"]
    routers = {n: r for n, r in http.get("routers", {}).items() if r.get("entryPoints") == [entry_point(port)]}
    services: dict[str, Any] = {}
    pending = [r["service"] for r in routers.values()]
    while pending:
        name = pending.pop()
        if name in services or name not in http.get("services", {}):
            continue
        services[name] = http["services"][name]
        pending.extend(child["name"] for child in services[name].get("weighted", {}).get("services", []))
    used_mw = {m for r in routers.values() for m in r.get("middlewares", [])}
    middlewares = {n: m for n, m in http.get("middlewares", {}).items() if n in used_mw}
    used_tr = {s["loadBalancer"].get("serversTransport") for s in services.values() if "loadBalancer" in s}
    transports = {n: t for n, t in http.get("serversTransports", {}).items() if n in used_tr}
    services[PLACEHOLDER_SERVICE] = http["services"][PLACEHOLDER_SERVICE]
    part = {"routers": routers, "services": services, "middlewares": middlewares, "serversTransports": transports}
    out: DynamicConfig = {"http": {k: v for k, v in part.items() if v}}
    if "tls" in config and any("tls" in r for r in routers.values()):  # exact while one HTTPS listener has the port
        out["tls"] = config["tls"]
    return out


def serialize(config: DynamicConfig) -> bytes:
    """Canonical bytes: sorted keys, compact separators, ASCII: ``{"b":1,"a":[]}`` -> ``b'{"a":[],"b":1}'``."""
    return json.dumps(config, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def entry(name: str, value: DynamicConfig) -> str:
    return f"{encode_basestring_ascii(name)}:{_encode(value)}"


def router_entry(
    name: str, port: int, priority: int, rule: str, service: str, middlewares: Sequence[str], tls: bool,
    access_log: bool = False,
) -> str:
    """A router's entry written directly, keys in sorted order (the hot path: one per rule; a unit test holds
    it to ``serialize``): ``"r":{"entryPoints":["listener80"],"priority":1,"rule":"...","service":"s"}``.
    Without ``access_log`` the router skips Traefik's access log (building a record costs ~30% of throughput)."""
    q = encode_basestring_ascii
    listed = f'"middlewares":[{",".join([q(m) for m in middlewares])}],' if middlewares else ""
    logged = "" if access_log else '"observability":{"accessLogs":false},'
    end = ',"tls":{}}' if tls else "}"
    return (
        f'{q(name)}:{{"entryPoints":[{q(entry_point(port))}],{listed}{logged}"priority":{priority},'
        f'"rule":{q(rule)},"service":{q(service)}{end}'
    )


def weighted_entry(name: str, children: Sequence[tuple[str, int]], sticky: DynamicConfig | None) -> str:
    """A weighted service's entry written directly, keys in sorted order (one per weighted rule)."""
    q = encode_basestring_ascii
    services = ",".join([f'{{"name":{q(n)},"weight":{w}}}' for n, w in children])
    end = f',"sticky":{_encode(sticky)}}}}}' if sticky else "}}"
    return f'{q(name)}:{{"weighted":{{"services":[{services}]{end}'


def load_balancer(
    urls: Sequence[str],
    sticky: DynamicConfig | None = None,
    transport: str | None = None,
    strategy: str | None = None,
    weights: Sequence[int] = (),
) -> DynamicConfig:
    """A loadBalancer service; passHostHeader as ALB does (targets see the client's Host); ``strategy`` None is
    Traefik's default (wrr); ``weights``, when given, one per url."""
    servers: list[dict[str, Any]] = [{"url": u} for u in urls]
    for server, weight in zip(servers, weights, strict=False):
        server["weight"] = weight
    lb: dict[str, Any] = {"passHostHeader": True, "servers": servers}
    if strategy:
        lb["strategy"] = strategy
    if sticky:
        lb["sticky"] = sticky
    if transport:
        lb["serversTransport"] = transport
    return {"loadBalancer": lb}


def cookie(name: str, max_age: int, secure: bool) -> DynamicConfig:
    """A sticky cookie: HttpOnly, path /, ``secure`` only on HTTPS listeners (browsers never send it back over HTTP)."""
    return {"cookie": {"name": name, "maxAge": max_age, "httpOnly": True, "secure": secure, "path": "/"}}
