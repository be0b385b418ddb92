"""The processes of the tests, started one way each and stopped by PID: free loopback ports; the server, in this
process by default (the real app on uvicorn in a thread, as moto's in-process mode) and as a subprocess only where
the process is the point (its exit code, a signal, kill -9, `up`'s children, a restart of another process); any
ASGI app on uvicorn in a thread."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Literal, overload

import uvicorn

from provider.app import create_app
from provider.compiler.compile import CompileOptions, compile_config
from provider.configserver.cache import public_key_pairs
from provider.elbv2.model import State
from provider.elbv2.target_health import TargetHealthState
from provider.metricsserver.process import MetricsProcess
from provider.runtime import Runtime
from provider.settings import ENV_PREFIX, Settings
from provider.store import Store
from provider.targets.health import HealthMonitor
from provider.traefik.supervisor import supervise
from tests.support.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
START_S = 20.0


class ServerDidNotStart(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def traefik_children(pid: int, cwd: Path | None = None) -> set[int]:
    """The traefik processes whose parent is ``pid`` (Linux: /proc), only those working in ``cwd`` if given (`up`
    runs each of its Traefiks in ``<state dir>/traefik``)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                here = Path(os.readlink(entry / "cwd")) if cwd is not None else None
            except OSError:
                continue
            comm, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
            if comm == "traefik" and int(rest[1]) == pid and here == cwd:
                found.add(int(entry.name))
    return found


def kill_traefiks(pid: int, state_dir: Path) -> None:
    """SIGKILL the Traefiks `up` (in process ``pid``, its state in ``state_dir``) started: a test done with them
    need not wait for their drain (2.5 s and more each, provider/traefik/static.py); `up` retries a crashed one
    only after seconds, so nothing starts again meanwhile."""
    for child in traefik_children(pid, state_dir.resolve() / "traefik"):
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)


def stop_process(process: subprocess.Popen[Any], sig: int = signal.SIGTERM, timeout: float = 10) -> None:
    """Send ``sig`` to this PID and wait; SIGKILL if it has not exited within ``timeout`` seconds."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


class Uvicorn:
    """An ASGI app served by uvicorn in a daemon thread on 127.0.0.1:``port`` (lifespan on)."""

    def __init__(self, app: Any, port: int, timeout: float = START_S) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                                    lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise ServerDidNotStart(f"uvicorn on port {port} did not start within {timeout:g}s")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


class InProcessServer:
    """The whole server in this process: provider.app.create_app (and the Traefik supervisor when ``up``) on
    ``db`` (a DuckDB file, or ":memory:") with ``settings`` (Settings' fields), served on a free port. stop() then
    start() is a server restart: the same port, the same file."""

    def __init__(self, db: str | Path = ":memory:", *, port: int | None = None, up: bool = False,
                 **settings: Any) -> None:
        self.port = port or free_port()
        self.db, self.up = Path(db), up
        self.settings = Settings(host="127.0.0.1", port=self.port, db=str(db), **settings)
        self.url = f"http://127.0.0.1:{self.port}"
        self.start()

    def start(self) -> None:
        self.app = create_app(self.settings, background=(supervise,) if self.up else ())
        self.uvicorn = Uvicorn(self.app, self.port)

    def stop(self, *, drain: bool = False) -> None:
        """Stop serving and close the DuckDB file (the app's lifespan does), as a server that exits; `up`'s
        Traefiks are killed first unless they should ``drain`` as `up` stops them (or they run in a temporary
        folder: an in-memory server's)."""
        if self.up and not drain and self.settings.db != ":memory:":
            kill_traefiks(os.getpid(), self.db.parent)
        self.uvicorn.stop()

    @property
    def runtime(self) -> Runtime:
        """The server's live parts (provider/runtime.py), as its routes and background tasks see them."""
        return self.app.state.runtime  # type: ignore[no-any-return]

    @property
    def store(self) -> Store:
        return self.runtime.store

    @property
    def metrics(self) -> MetricsProcess:
        """The server's metrics process (provider/metricsserver/), started at the first call that needs it."""
        return self.app.state.metrics  # type: ignore[no-any-return]

    @property
    def health(self) -> HealthMonitor:
        return self.runtime.health

    @property
    def options(self) -> CompileOptions:
        return CompileOptions(fixed_response_url=self.settings.base_url, session_key=self.runtime.auth_keys.session_key)

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
        public_keys = public_key_pairs(self.runtime.public_keys_certificates, snapshot)
        return compile_config(snapshot, servers, self.options, public_keys=public_keys)

    def load_checked(self, state: State) -> dict[str, Any]:
        """``load``, then wait for every target's first health check: until then the first target to pass takes
        its group's traffic alone (an ALB routes ``initial`` targets only while none is healthy)."""
        expected = self.load(state)
        wait_for("first health checks", lambda: all(
            self.health.describe(state, t).state is not TargetHealthState.INITIAL for t in state.targets.values()))
        return expected


class ServerProcess:
    """`python -m provider serve|up` as a subprocess of this checkout; its output in ``log``. ``settings`` reach it
    as ELBV2_* variables, ``args`` as flags. stop() then start() restarts it on the same port and file."""

    def __init__(self, tmp: Path, *args: str, db: Path | None = None, command: str = "serve",
                 port: int | None = None, env: dict[str, str] | None = None, timeout: float = START_S,
                 **settings: Any) -> None:
        self.port = port or free_port()
        self.db = db or tmp / "state.duckdb"
        self.log = tmp / f"server-{self.port}.log"
        self.url = f"http://127.0.0.1:{self.port}"
        variables = {ENV_PREFIX + name.upper(): str(value) for name, value in settings.items()}
        self.argv = [sys.executable, "-m", "provider", command, "--port", str(self.port), "--db", str(self.db), *args]
        self.env, self.timeout = {**os.environ, **variables, **(env or {})}, timeout
        self.up = command == "up"
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, cwd=ROOT, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
                                        env=self.env)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerDidNotStart(f"server exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise ServerDidNotStart(f"server did not start within {self.timeout:g}s:\n{self.log.read_text()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10, *, drain: bool = False) -> None:
        """``sig``, then wait; `up`'s Traefiks are killed first unless they should ``drain`` as `up` stops them."""
        if self.up and not drain and self.process.poll() is None:
            kill_traefiks(self.process.pid, self.db.parent)
        stop_process(self.process, sig, timeout)


Server = InProcessServer | ServerProcess


@overload
def start_server(tmp: Path | None = None, *, process: Literal[False] = False, db: str | Path | None = None,
                 port: int | None = None, up: bool = False, **settings: Any) -> InProcessServer: ...


@overload
def start_server(tmp: Path, *args: str, process: Literal[True], db: Path | None = None, port: int | None = None,
                 up: bool = False, env: dict[str, str] | None = None, **settings: Any) -> ServerProcess: ...


def start_server(tmp: Path | None = None, *args: str, process: bool = False, db: str | Path | None = None,
                 port: int | None = None, up: bool = False, env: dict[str, str] | None = None,
                 **settings: Any) -> Server:
    """The one server launcher: `serve` (or `up`, with its Traefiks) on a free port (or ``port``), its state in
    ``db`` (default: ``tmp``/state.duckdb; in memory without ``tmp``), ``settings`` by Settings' field names.
    In this process unless ``process``; only a subprocess takes flags (``args``) and ``env``. `up`'s Traefik
    dashboard gets a free port unless ``dashboard_port`` is given."""
    if up:
        settings.setdefault("dashboard_port", free_port())
    if process:
        assert tmp is not None, "a server process writes its log beside its state: give it a folder"
        return ServerProcess(tmp, *args, db=Path(db) if db else None, command="up" if up else "serve", port=port,
                             env=env, **settings)
    assert not args and env is None, "flags and environment variables reach only a server process"
    where = db if db is not None else (tmp / "state.duckdb" if tmp is not None else ":memory:")
    return InProcessServer(where, port=port, up=up, **settings)
