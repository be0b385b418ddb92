"""Real processes for routing tests: backends that say who they are, the real app (store + dataplane) under
uvicorn in a thread, and the real Traefik polling it. Loopback only, free ports, bounded waits, kill by PID."""

from __future__ import annotations

import http.client
import json
import ssl
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import uvicorn

from provider.app import create_app
from provider.elbv2.model import (
    Action,
    ActionType,
    Condition,
    ConditionField,
    FixedResponse,
    Forward,
    HealthCheck,
    Listener,
    LoadBalancer,
    ProtocolName,
    QueryPair,
    Rule,
    State,
    Target,
    TargetGroup,
    TargetGroupTuple,
    TargetType,
)
from provider.settings import Settings
from provider.store import Store
from provider.traefik import plugin
from provider.traefik.compiler import CompileOptions, compile_config
from provider.traefik.static import LONG_POLL_MS, routing_config, traefik_binary
from tests.conftest import free_port

T0 = datetime(2025, 1, 1, tzinfo=UTC)
ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012"
WAIT_S = 15.0


def wait_for(predicate: Callable[[], bool], timeout: float = WAIT_S, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


# ---- backends --------------------------------------------------------------------------------------------------
class Backend:
    """Answers every request with ``<name> <METHOD> <path>``; headers and body leave in one send."""

    def __init__(self, name: str) -> None:
        self.name = name
        backend = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                body = f"{backend.name} {self.command} {self.path}".encode()
                head = f"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n\r\n"
                self.wfile.write(head.encode() + body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_patch = do_get = _answer  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Replier:
    """A backend whose answer to GET is ``reply(path, headers)``: (status, body); e.g. slow, or echoing."""

    def __init__(self, reply: Callable[[str, Any], tuple[int, bytes]]) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                status, body = reply(self.path, self.headers)
                # one send: a second small write would wait for Traefik's delayed ACK (Nagle), ~40 ms
                head = f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\nContent-Length: {len(body)}\r\n\r\n"
                self.wfile.write(head.encode() + body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ---- the provider: real app, real store, no prober (every registered target is routable: fail open) ---------
class Provider:
    def __init__(self, token: str | None = None, **settings: Any) -> None:
        self.port = free_port()
        self.settings = Settings(host="127.0.0.1", port=self.port, db=":memory:", provider_token=token, **settings)
        self.app = create_app(self.settings)
        self.store: Store = self.app.state.runtime.store
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        wait_for(lambda: self.server.started, what="uvicorn")

    @property
    def options(self) -> CompileOptions:
        return CompileOptions(fixed_response_url=self.settings.base_url)

    def load(self, state: State) -> dict[str, Any]:
        """Replace the whole stored state with ``state``; returns the config Traefik should end up with."""
        with self.store.write() as tx:
            current = tx.state
            for f in ("rules", "listeners", "targets", "target_groups", "load_balancers"):
                for obj in list(getattr(current, f).values()):
                    tx.delete(obj)
            for f in ("load_balancers", "target_groups", "targets", "listeners", "rules"):
                for obj in getattr(state, f).values():
                    tx.put(obj)
        snapshot = self.store.snapshot()
        servers = {arn: [(t.id, t.port) for t in ts] for arn, ts in snapshot.targets_by_group.items()}
        return compile_config(snapshot, servers, self.options)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


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
        wait_for(lambda: self.api("/api/overview") is not None, what="traefik api")

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
        wait_for(lambda: self.applied(expected), what="traefik to apply the config")

    def problems(self) -> list[str]:
        """Disabled routers or services, and errors, of our provider."""
        out = []
        for kind in ("routers", "services", "middlewares"):
            for item in self.api(f"/api/http/{kind}?per_page=1000") or []:
                if item.get("provider") == "http" and (item.get("status") != "enabled" or item.get("error")):
                    out.append(f"{kind} {item.get('name')}: {item.get('status')} {item.get('error')}")
        return out

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)



# ---- a keep-alive client ----------------------------------------------------------------------------------------
@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: str

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


@dataclass
class Client:
    port: int
    tls: bool = False
    conn: http.client.HTTPConnection | None = field(default=None, repr=False)

    def request(self, path: str = "/", method: str = "GET", headers: dict[str, str] | None = None) -> Reply:
        for attempt in range(3):
            try:
                if self.conn is None:
                    if self.tls:
                        ctx = ssl._create_unverified_context()  # Traefik's default self-signed certificate
                        self.conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=5, context=ctx)
                    else:
                        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                self.conn.request(method, path, headers=headers or {})
                resp = self.conn.getresponse()
                return Reply(resp.status, resp.getheaders(), resp.read().decode("utf-8", "replace"))
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# ---- state builders ---------------------------------------------------------------------------------------------
@dataclass
class StateBuilder:
    """Builds a State with the domain dataclasses: ``b.lb("web"); b.listener("web", 80); b.forward(...)``."""

    lbs: dict[str, LoadBalancer] = field(default_factory=dict)
    tgs: dict[str, TargetGroup] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    listeners: dict[tuple[str, int], Listener] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)

    def lb(self, name: str, age: int = 0) -> LoadBalancer:
        n = len(self.lbs) + 1
        self.lbs[name] = LoadBalancer(
            arn=f"{ARN}:loadbalancer/app/{name}/{n:016x}",
            name=name,
            dns_name=f"{name}-{n}.us-east-1.elb.amazonaws.com",
            scheme="internet-facing",
            ip_address_type="ipv4",
            vpc_id="vpc-1",
            subnets=(),
            security_groups=(),
            created_time=T0 + timedelta(seconds=age),
        )
        return self.lbs[name]

    def listener(self, lb: str, port: int, protocol: ProtocolName = ProtocolName.HTTP) -> Listener:
        balancer = self.lbs[lb]
        li = Listener(
            arn=f"{ARN}:listener/app/{lb}/{balancer.arn[-16:]}/{port:016x}",
            load_balancer_arn=balancer.arn,
            port=port,
            protocol=protocol,
        )
        self.listeners[(lb, port)] = li
        return li

    def tg(self, name: str, *backends: Backend, attributes: dict[str, str] | None = None) -> TargetGroup:
        tg = TargetGroup(
            arn=f"{ARN}:targetgroup/{name}/{len(self.tgs) + 1:016x}",
            name=name,
            protocol=ProtocolName.HTTP,
            protocol_version="HTTP1",
            port=80,
            vpc_id="vpc-1",
            target_type=TargetType.IP,
            ip_address_type="ipv4",
            health_check=HealthCheck(),
            created_time=T0,
            attributes=tuple(sorted((attributes or {}).items())),
        )
        self.tgs[name] = tg
        self.targets.extend(Target(tg.arn, "127.0.0.1", b.port, T0) for b in backends)
        return tg

    def rule(self, lb: str, port: int, priority: int | None, action: Action, *conditions: Condition) -> Rule:
        li = self.listeners[(lb, port)]
        rid = f"{'d' if priority is None else 'r'}{priority or 0:05d}{port:011x}"
        rule = Rule(
            arn=f"{li.arn.replace(':listener/', ':listener-rule/')}/{rid}",
            listener_arn=li.arn,
            priority=priority,
            conditions=conditions,
            actions=(action,),
        )
        self.rules.append(rule)
        return rule

    def forward(self, *weighted: tuple[str, int], sticky: int | None = None) -> Action:
        groups = tuple(TargetGroupTuple(self.tgs[name].arn, w) for name, w in weighted)
        return Action(ActionType.FORWARD, forward=Forward(groups, sticky is not None, sticky))

    def state(self) -> State:
        return State(
            load_balancers={b.arn: b for b in self.lbs.values()},
            target_groups={g.arn: g for g in self.tgs.values()},
            listeners={li.arn: li for li in self.listeners.values()},
            rules={r.arn: r for r in self.rules},
            targets={t.key: t for t in self.targets},
        )


def fixed(body: str, status: str = "200", content_type: str = "text/plain") -> Action:
    return Action(ActionType.FIXED_RESPONSE, fixed_response=FixedResponse(status, content_type, body))


def cond(field_: ConditionField, *values: str, header: str | None = None) -> Condition:
    return Condition(field=field_, values=values, header_name=header)


def query(*pairs: tuple[str | None, str]) -> Condition:
    return Condition(field=ConditionField.QUERY_STRING, query=tuple(QueryPair(k, v) for k, v in pairs))


def serve(port: int, db: Path, log: Path, timeout: float = 20) -> subprocess.Popen[bytes]:
    """``python -m provider serve`` on a given port (a restart must keep the port Traefik polls)."""
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "provider", "serve", "--port", str(port), "--db", str(db)],
        cwd=Path(__file__).resolve().parents[2],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )

    def up() -> bool:
        assert process.poll() is None, log.read_text()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    wait_for(up, timeout, what="provider serve")
    return process


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def get_bytes(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return bytes(resp.read())
