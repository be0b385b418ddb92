"""supervise() end to end with the real traefik binary: ports appear and disappear with listeners, an
unbindable port is reported and skipped, and no Traefik outlives the server (SIGTERM, SIGKILL).

The in-process tests drive `provider.traefik.supervisor.supervise` with a store whose listeners the test sets,
against a small Starlette app serving hand-written Traefik configs; the process tests run `python -m provider up`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvloop
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from provider.settings import Settings
from provider.traefik import process, supervisor
from provider.traefik import static as traefik_static
from tests.support.backends import Backend, forwarded_port
from tests.support.clients import elbv2_client
from tests.support.processes import Uvicorn, free_port, start_server, traefik_children
from tests.support.waiting import until

pytestmark = pytest.mark.slow

TOKEN = "s3cret"


@dataclass(frozen=True)
class FakeListener:
    port: int


@dataclass
class FakeStore:
    """The two things the supervisor reads from the real Store: `version` and `snapshot().listeners`."""

    ports: set[int] = field(default_factory=set)
    version: int = 0

    @property
    def listeners(self) -> dict[str, FakeListener]:
        return {f"arn:{p}": FakeListener(p) for p in sorted(self.ports)}

    def snapshot(self) -> FakeStore:
        return self

    def set(self, *ports: int) -> None:
        self.ports = set(ports)
        self.version += 1


@dataclass
class World:
    store: FakeStore
    settings: Settings
    polls: list[str]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    backend = Backend("via", forwarded_port, keep_alive=False)
    store = FakeStore()
    polls: list[str] = []
    service = {"backend": {"loadBalancer": {"servers": [{"url": backend.url}]}}}

    def router(port: int) -> dict[str, object]:
        return {"rule": "PathPrefix(`/`)", "entryPoints": [f"listener{port}"], "service": "backend"}

    async def config(request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return Response("no token", status_code=401)
        port = request.path_params.get("port")
        polls.append(request.url.path)
        ports = [p for p in store.ports if port is None or p == port]
        body = {"http": {"routers": {f"r{p}": router(p) for p in ports}, "services": service}}
        return Response(json.dumps(body, sort_keys=True), media_type="application/json")

    app = Starlette(routes=[Route("/traefik/config", config), Route("/traefik/config/{port:int}", config)])
    api_port = free_port()
    server = Uvicorn(app, api_port)
    settings = Settings(port=api_port, db=str(tmp_path / "state.duckdb"), dashboard_port=free_port(),
                        provider_token=TOKEN, poll_interval_ms=100)
    yield World(store, settings, polls)
    server.stop()
    backend.stop()


async def until_200(client: httpx.AsyncClient, url: str, timeout: float = 10) -> float | None:
    """Seconds until `url` answers 200, or None after `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if (await client.get(url)).status_code == 200:
                return time.monotonic() - start
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.01)
    return None


def can_bind(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as any server would: TIME_WAIT is not "in use"
        try:
            s.bind(("127.0.0.1", port))
            s.listen()
        except OSError:
            return False
        return True


class SteadyClient(threading.Thread):
    """Requests one listener port back to back (keep-alive) until stopped; counts what failed."""

    def __init__(self, url: str, limit_s: float = 60) -> None:
        super().__init__(daemon=True)
        self.url, self.limit_s = url, limit_s
        self.ok = 0
        self.failures: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        end = time.monotonic() + self.limit_s
        with httpx.Client(timeout=2) as client:
            while not self.stop.is_set() and time.monotonic() < end:
                try:
                    r = client.get(self.url)
                    if r.status_code == 200:
                        self.ok += 1
                    else:
                        self.failures.append(f"{r.status_code} {r.text[:40]}")
                except httpx.HTTPError as e:
                    self.failures.append(repr(e))
                time.sleep(0.002)


def run_supervisor(world: World) -> asyncio.Task[None]:
    return asyncio.create_task(supervisor.supervise(world.settings, world.store))


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def test_new_port_serves_quickly_without_interrupting_others_and_delete_frees_it(world: World) -> None:
    a, b = free_port(), free_port()

    async def scenario() -> None:
        world.store.set(a)
        task = run_supervisor(world)
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                assert await until_200(client, f"http://127.0.0.1:{a}/") is not None
                steady = SteadyClient(f"http://127.0.0.1:{a}/")
                steady.start()
                await asyncio.sleep(0.3)
                world.store.set(a, b)
                new_port_s = await until_200(client, f"http://127.0.0.1:{b}/")
                assert new_port_s is not None, "the new listener port never served"
                assert (await client.get(f"http://127.0.0.1:{b}/")).text == f"via {b}\n"
                print(f"\nnew listener port served its first 200 {new_port_s:.3f} s after the store changed")

                dashboard = f"http://127.0.0.1:{world.settings.dashboard_port}/api/http/routers"
                names: set[str] = set()
                for _ in range(500):  # the dashboard restarts on a port-set change: wait for it to show both
                    try:
                        names = {r["name"] for r in (await client.get(dashboard)).json() if r["status"] == "enabled"}
                    except (httpx.HTTPError, ValueError):
                        pass
                    if {f"r{a}@http", f"r{b}@http"} <= names:
                        break
                    await asyncio.sleep(0.02)
                assert {f"r{a}@http", f"r{b}@http"} <= names

                world.store.set(a)
                start = time.monotonic()
                while not can_bind(b) and time.monotonic() - start < 10:
                    await asyncio.sleep(0.02)
                assert can_bind(b), "deleting the listener did not free its port"
                print(f"port freed {time.monotonic() - start:.3f} s after the listener was deleted")
                await asyncio.sleep(0.3)
                steady.stop.set()
                await asyncio.to_thread(steady.join, 10)
                print(f"steady client on the other port: {steady.ok} ok, {len(steady.failures)} failed")
                assert steady.ok > 0
                assert steady.failures == []
        finally:
            await stop(task)

    asyncio.run(scenario())
    assert f"/traefik/config/{a}" in world.polls  # sent with the token: the config server answers 401 without
    assert "/traefik/config" in world.polls


def test_unbindable_port_is_reported_and_other_ports_keep_serving(
    world: World, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(supervisor, "RETRY_S", 0.5)
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    held.listen()
    busy, good = held.getsockname()[1], free_port()
    caplog.set_level(logging.INFO, logger="elbv2.supervisor")

    async def scenario() -> None:
        world.store.set(busy, good)
        task = run_supervisor(world)
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                assert await until_200(client, f"http://127.0.0.1:{good}/") is not None
                expected = f"listener port {busy} cannot be bound on 127.0.0.1: address already in use"
                assert any(expected in r.getMessage() for r in caplog.records), caplog.text
                assert sum(expected in r.getMessage() for r in caplog.records) == 1, "logged once, not per retry"
                held.close()  # the port is free now: the next retry takes it
                assert await until_200(client, f"http://127.0.0.1:{busy}/") is not None
        finally:
            await stop(task)

    try:
        asyncio.run(scenario())
    finally:
        held.close()
    print("\n" + "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR))


def test_data_folder_holds_traefik_log_and_static_configs(world: World) -> None:
    port = free_port()

    async def scenario() -> None:
        world.store.set(port)
        task = run_supervisor(world)
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                assert await until_200(client, f"http://127.0.0.1:{port}/") is not None
        finally:
            await stop(task)

    asyncio.run(scenario())
    data = Path(world.settings.db).parent
    assert f"[listener{port} pid" in (data / "traefik.log").read_text()
    assert (data / "traefik" / f"listener{port}.yaml").is_file()


@pytest.mark.parametrize("new_loop", [asyncio.new_event_loop, uvloop.new_event_loop], ids=["asyncio", "uvloop"])
def test_a_cancel_landing_as_a_traefik_exits_is_not_lost(
    tmp_path: Path, new_loop: Callable[[], asyncio.AbstractEventLoop]
) -> None:
    """`up`'s shutdown race: the server cancels the supervisor in the loop turn where the Traefik it is stopping (the
    dashboard, restarted for a new port) exits. The cancel must still end the supervisor's task, or it carries on and
    the server never exits (asyncio.wait_for before Python 3.12 lost it: CPython gh-86296). The cancel is landed
    there, not raced for: by a waiter of the same exit, woken first because it waits from before the stop."""
    settings = Settings(db=str(tmp_path / "state.duckdb"))
    config = {"entryPoints": {"web": {"address": f"127.0.0.1:{free_port()}"}}}

    async def scenario() -> tuple[bool, int | None]:
        path = process.write_config(tmp_path, "dashboard", config)
        t = await process.start(traefik_static.traefik_binary(settings), "dashboard", path)

        async def stop_then_carry_on() -> None:  # as the supervisor: stop a Traefik, then watch on until cancelled
            await process.stop(t)
            await asyncio.Event().wait()

        exited = asyncio.ensure_future(t.process.wait())
        task = asyncio.create_task(stop_then_carry_on())
        exited.add_done_callback(lambda _: task.cancel())
        await asyncio.wait({task}, timeout=30)
        ended = task.done()
        task.cancel()
        await asyncio.gather(task, exited, return_exceptions=True)
        return ended and task.cancelled(), t.process.returncode

    with asyncio.Runner(loop_factory=new_loop) as runner:
        cancelled, returncode = runner.run(scenario())
    assert returncode is not None, "the Traefik was not stopped"
    assert cancelled, "the cancel that landed as the Traefik exited was lost: the task carried on"


# --- the real server process: no Traefik outlives it ---------------------------------------------------


def alive(pid: int) -> bool:
    """True while `pid` runs; a zombie waiting for a reaper does not count."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return any(alive(int(p.name)) for p in Path("/proc").iterdir() if p.name.isdigit() and _pgid(p) == pgid)


def _pgid(proc: Path) -> int | None:
    try:
        stat = (proc / "stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2 :].split()[2])


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to find the Traefik processes")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_no_traefik_outlives_the_server(tmp_path: Path, sig: signal.Signals) -> None:
    server = start_server(tmp_path, process=True, up=True)
    pids: set[int] = set()
    try:
        elbv2 = elbv2_client(server.url)
        lb = elbv2.create_load_balancer(Name="lb", Subnets=["subnet-a", "subnet-b"])["LoadBalancers"][0]
        tg = elbv2.create_target_group(Name="tg", Protocol="HTTP", Port=80, VpcId=lb["VpcId"],
                                       TargetType="ip")["TargetGroups"][0]
        elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=free_port(),
                              DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
        # the dashboard's Traefik and the listener's
        assert until(lambda: len(traefik_children(server.process.pid)) >= 2, 20), server.log.read_text()
        pids = traefik_children(server.process.pid)
        server.process.send_signal(sig)
        server.process.wait(20)
        assert until(lambda: not any(alive(p) or group_alive(p) for p in pids), 10), (
            f"Traefik {pids} still running after {sig.name} of the server"
        )
    finally:
        server.stop(signal.SIGKILL)
        for pid in pids:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
