"""Exactly once: the provider killed with SIGKILL during traffic and started again, a rename rotation (Traefik
reopens on USR1) and a copy-truncate rotation; each request Traefik served is one row, none lost or doubled."""

from __future__ import annotations

import shutil
import signal
import subprocess
import threading
from collections import Counter
from pathlib import Path

from provider.store import Store
from provider.store.requests import RequestLog
from provider.traefik.logtail import file_id
from tests.conftest import free_port
from tests.e2e.harness import Backend, Client, StateBuilder, Traefik, serve, wait_for


def _preload(db: Path, a: Backend, b: Backend) -> None:
    s = StateBuilder()
    s.lb("web")
    s.listener("web", 80)
    s.tg("v1", a)
    s.tg("v2", b)
    s.rule("web", 80, None, s.forward(("v1", 95), ("v2", 5)))
    store = Store(str(db))
    with store.write() as tx:
        for f in ("load_balancers", "target_groups", "targets", "listeners", "rules"):
            for obj in getattr(s.state(), f).values():
                tx.put(obj)
    store.close()


def _traffic(client: Client, n: int, served: list[int]) -> None:
    for _ in range(n):
        served.append(client.request("/").status)


class Server:
    """``python -m provider serve`` on one port and DuckDB file, stopped and started again at will."""

    def __init__(self, port: int, db: Path, log: Path) -> None:
        self.port, self.db, self.log = port, db, log
        self.process: subprocess.Popen[bytes] | None = serve(port, db, log)

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        if self.process is not None:
            self.process.send_signal(sig)
            self.process.wait(10)
            self.process = None

    def start(self) -> None:
        self.process = serve(self.port, self.db, self.log)

    def settled(self, access: Path) -> bool:
        """Stopped (opening its DuckDB file needs the lock), is the stored position at the end of the access
        log? If not, it starts again to read on."""
        self.stop()
        store = Store(str(self.db))
        log = RequestLog(store)
        position = log.positions().get("listener80")
        log.close()
        store.close()
        done = position is not None and (position.file_id, position.offset) == (file_id(access), access.stat().st_size)
        if not done:
            self.start()
        return done


def test_every_request_is_counted_once_across_kill_and_rotations(tmp_path: Path) -> None:
    a, b = Backend("a"), Backend("b")
    db = tmp_path / "state.duckdb"
    _preload(db, a, b)
    access = tmp_path / "access" / "listener80.json"
    server = Server(free_port(), db, tmp_path / "provider.log")
    endpoint = f"http://127.0.0.1:{server.port}/traefik/config"
    traefik = Traefik(endpoint, [80], tmp_path / "traefik.log", access_log=access)
    served: list[int] = []
    try:
        client = Client(traefik.ports[80])
        wait_for(lambda: client.request("/").status == 200, what="the route")
        served.append(200)
        busy = threading.Thread(target=_traffic, args=(Client(traefik.ports[80]), 600, served))
        busy.start()
        wait_for(lambda: len(served) > 200, what="traffic")
        server.stop(signal.SIGKILL)  # mid-traffic, mid-ingestion; Traefik keeps serving its last config
        busy.join(60)
        server.start()
        _traffic(client, 100, served)

        access.rename(access.with_name("listener80.json.1"))  # rename rotation: Traefik reopens on USR1
        _traffic(client, 50, served)
        traefik.process.send_signal(signal.SIGUSR1)
        wait_for(access.exists, what="Traefik to reopen its access log")
        _traffic(client, 100, served)
        wait_for(lambda: server.settled(access), 60, what="the access log to be read to its end")

        shutil.copy(access, access.with_name("listener80.json.2"))  # copy-truncate rotation, provider down
        with access.open("r+b") as f:
            f.truncate(0)
        _traffic(client, 70, served)
        server.start()
        wait_for(lambda: server.settled(access), 60, what="the truncated log to be read")
    finally:
        server.stop()
        traefik.stop()
        a.stop()
        b.stop()
    assert Counter(served) == {200: 921}
    store = Store(str(db))
    log = RequestLog(store)
    rows = log.since(0)
    log.close()
    store.close()
    assert len(rows) == 921
    assert Counter(r.target_group for r in rows).most_common(1)[0][1] > 800  # the 95% group
