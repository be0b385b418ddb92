"""`up` mode: run Traefik so that every listener port carries real traffic, with no manual step.

Design: **one Traefik per listener port, plus one for the dashboard.** EntryPoints are static in Traefik, so
a new port needs a process that binds it. The Traefik for port P owns entryPoint `listener<P>` and polls
`/traefik/config/<P>`; adding or deleting a listener starts or stops only that process, so the other ports
are never touched. The dashboard Traefik polls the whole `/traefik/config` and declares every
`listener<P>` entryPoint on an ephemeral loopback port, so it shows every router and service as enabled;
it is restarted (a blip of the dashboard only) when the port set changes.

Why not one Traefik for all ports with `reusePort` and a start-new-then-stop-old handover: the new process
binds the shared ports at start-up and the kernel hands it connections before its first config poll has
arrived, which it answers 404. Measured on loopback, 3 steady clients, 8 handovers: 611 failed requests of
25,000 (418 with requestAcceptGraceTimeout=1s); the per-port design saw 0 (bench/supervisor_designs.py
measures both; tests/e2e/test_supervisor.py holds the supervisor to zero).
A new port served its first 200 0.09-0.23 s after spawn (the test prints it). The price: ~90 MB RSS per
Traefik process.

Ports that cannot be bound (privileged, in use, bad --listen-host) are tried with a socket first, then
every RETRY_S; one clear line is logged and everything else keeps serving. Each Traefik is a child process
tied to this one (provider/traefik/process.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import tempfile
import time
from collections.abc import Coroutine, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from provider.background import every
from provider.settings import Settings
from provider.traefik import process
from provider.traefik import static as traefik_static
from provider.traefik.ports import bind_problem, explain
from provider.traefik.process import TraefikProcess

log = logging.getLogger("elbv2.supervisor")

WATCH_S = 0.1  # how often the store version is compared
RETRY_S = 5.0  # how often an unbindable port or a crashed Traefik is tried again
READY_S = 10.0
DASHBOARD = "dashboard"

_BIND_ERROR = re.compile(r"listen tcp (\S+?):(\d+): bind: ([^\"]+)")


class _Listener(Protocol):
    @property
    def port(self) -> int: ...


class _State(Protocol):
    @property
    def listeners(self) -> Mapping[str, _Listener]: ...


class _Store(Protocol):
    @property
    def version(self) -> int: ...

    def snapshot(self) -> _State: ...


async def supervise(settings: Settings, store: _Store) -> None:
    """Run Traefik for the store's listener ports until cancelled; then stop every process it started."""
    with _data_dir(settings) as data:
        supervisor = Supervisor(settings, data)
        try:
            await supervisor.watch(store)
        finally:
            try:
                await supervisor.close()
            finally:
                supervisor.kill_remaining()


@contextlib.contextmanager
def _data_dir(settings: Settings) -> Iterator[Path]:
    """Next to the DuckDB file; a temporary folder for an in-memory store."""
    if settings.db == ":memory:":
        with tempfile.TemporaryDirectory(prefix="elbv2-traefik-") as tmp:
            yield Path(tmp)
    else:
        path = Path(settings.db).resolve().parent
        path.mkdir(parents=True, exist_ok=True)
        yield path


@dataclass
class Supervisor:
    settings: Settings
    data: Path
    listeners: dict[int, TraefikProcess] = field(default_factory=dict)
    dashboard: TraefikProcess | None = None
    dashboard_ports: frozenset[int] | None = None
    retry_at: dict[int | str, float] = field(default_factory=dict)  # port or DASHBOARD -> monotonic time
    reported: dict[int | str, str] = field(default_factory=dict)  # last problem logged, to log it once
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.binary = traefik_static.traefik_binary(self.settings)
        self.conf_dir = self.data / "traefik"
        self.conf_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.data / "traefik.log"
        self.log_file: BinaryIO = self.log_path.open("ab")
        s = self.settings
        log.info("AWS endpoint %s (--endpoint-url); Traefik polls %s/traefik/config/<port>", s.base_url, s.base_url)
        log.info("Traefik dashboard http://127.0.0.1:%d/dashboard/", s.dashboard_port)
        log.info("Traefik logs in %s (binary %s); listener ports bound on %s", self.log_path, self.binary,
                 s.listen_host)

    async def watch(self, store: _Store) -> None:
        seen: int | None = None
        ports: frozenset[int] = frozenset()

        async def step(_: float) -> None:
            nonlocal seen, ports
            if store.version != seen:
                seen = store.version
                ports = frozenset(listener.port for listener in store.snapshot().listeners.values())
            await self.reconcile(ports)

        await every(WATCH_S, step, log=log, failure="supervisor: reconcile failed; trying again")

    async def reconcile(self, ports: frozenset[int]) -> None:
        now = time.monotonic()
        for port, t in list(self.listeners.items()):
            if t.process.returncode is not None:
                await self._reap(t, port)
                del self.listeners[port]
        gone = {p: self.listeners[p] for p in set(self.listeners) - ports}
        await asyncio.gather(*(process.stop(t) for t in gone.values()))  # still tracked: close() covers a cancel
        for port, t in gone.items():
            del self.listeners[port]
            log.info("listener port %d released (Traefik pid %d stopped)", port, t.pid)
        for key in [k for k in self.retry_at if isinstance(k, int) and k not in ports]:
            self.retry_at.pop(key, None)
            self.reported.pop(key, None)
        for port in sorted(ports - set(self.listeners)):
            if self.retry_at.get(port, 0.0) <= now:
                await self._start_listener(port)
        await self._reconcile_dashboard(ports, now)

    async def _start_listener(self, port: int) -> None:
        host = self.settings.listen_host
        problem = bind_problem(host, port)
        if problem:
            self._problem(port, f"listener port {port} cannot be bound on {host}: {problem}")
            return
        t = await self._spawn(traefik_static.entrypoint_name(port), traefik_static.listener_config(port, self.settings))
        self.listeners[port] = t
        self._spawn_task(self._announce(t, port))

    async def _reconcile_dashboard(self, ports: frozenset[int], now: float) -> None:
        d = self.dashboard
        if d is not None and d.process.returncode is not None:
            self.dashboard = None
            await self._reap(d, DASHBOARD)
        elif d is not None and self.dashboard_ports == ports:
            return
        if self.retry_at.get(DASHBOARD, 0.0) > now:
            return
        if self.dashboard is not None:
            await process.stop(self.dashboard)
            self.dashboard = None
        problem = bind_problem("127.0.0.1", self.settings.dashboard_port)
        if problem:
            self._problem(DASHBOARD, f"dashboard port {self.settings.dashboard_port} cannot be bound on 127.0.0.1: "
                          f"{problem} (pick another with --dashboard-port)")
            return
        self.dashboard = await self._spawn(DASHBOARD, traefik_static.dashboard_config(ports, self.settings))
        self.dashboard_ports = ports
        if self.reported.pop(DASHBOARD, None):
            log.info("dashboard now serving on http://127.0.0.1:%d/dashboard/", self.settings.dashboard_port)

    def _problem(self, key: int | str, message: str) -> None:
        self.retry_at[key] = time.monotonic() + RETRY_S
        if self.reported.get(key) != message:
            self.reported[key] = message
            log.error("%s; trying again every %g s, everything else keeps serving", message, RETRY_S)

    async def _reap(self, t: TraefikProcess, key: int | str) -> None:
        """A Traefik exited on its own: say why (its last error line) and schedule a retry."""
        await process.finish(t)
        why = t.last_error or f"exit code {t.process.returncode}; see {self.log_path}"
        bind = _BIND_ERROR.search(why)
        if bind:
            why = f"cannot be bound on {bind.group(1)}: {explain(bind.group(3))}"
        self._problem(key, f"Traefik for {t.name} exited: {why}")

    async def _pump(self, t: TraefikProcess) -> None:
        """Copy a Traefik's output to traefik.log, prefixed; surface errors about entryPoints to our log."""
        assert t.process.stdout is not None
        prefix = f"[{t.name} pid {t.pid}] ".encode()
        async for line in t.process.stdout:
            self.log_file.write(prefix + line)
            self.log_file.flush()
            text = line.decode(errors="replace").strip()
            if " ERR " in text or " FTL " in text or "Command error" in text:
                t.last_error = text
                # The dashboard sees a new port's routers just before its restart declares the entryPoint.
                if t.name != DASHBOARD and "entrypoint" in text.lower() and not _BIND_ERROR.search(text):
                    log.warning("traefik %s: %s", t.name, text)

    async def _announce(self, t: TraefikProcess, port: int) -> None:
        host = self.settings.listen_host
        host = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host
        deadline = t.started + READY_S
        while t.process.returncode is None and time.monotonic() < deadline:
            try:
                async with asyncio.timeout(0.5):  # not asyncio.wait_for: it can lose a cancel (process.stop)
                    _, writer = await asyncio.open_connection(host, port)
                writer.close()
            except (OSError, TimeoutError):
                await asyncio.sleep(0.02)
                continue
            was = self.reported.pop(port, None)
            log.info("listener port %d: Traefik pid %d serving on %s after %.2f s%s", port, t.pid,
                     traefik_static.address(self.settings.listen_host, port), time.monotonic() - t.started,
                     " (it can be bound now)" if was else "")
            return

    async def _spawn(self, name: str, config: traefik_static.StaticConfig) -> TraefikProcess:
        path = process.write_config(self.conf_dir, name, config)
        t = await process.start(self.binary, name, path)
        t.pump = asyncio.create_task(self._pump(t))
        log.debug("started Traefik pid %d for %s (%s)", t.pid, name, path)
        return t

    def _spawn_task(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        everything = [*self.listeners.values(), *([self.dashboard] if self.dashboard else [])]
        await asyncio.gather(*(process.stop(t) for t in everything))
        self.listeners.clear()
        self.dashboard = None
        self.log_file.close()
        log.info("stopped %d Traefik process(es)", len(everything))

    def kill_remaining(self) -> None:
        """Last resort when close() itself was interrupted: SIGKILL every group still running."""
        for t in [*self.listeners.values(), *([self.dashboard] if self.dashboard else [])]:
            if t.process.returncode is None:
                process.kill(t)
