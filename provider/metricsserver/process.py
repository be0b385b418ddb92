"""The server's side of the metrics process: start it when it is first needed, restart it if it dies, stop it.

It starts with the server when its file exists (alarms to evaluate, Traefiks read before); otherwise at the first
call that needs it (a CloudWatch request, a Traefik to read, host counts to store). A server that only answers the
other services never starts one.

It is also started again once its memory has grown ``Settings.metrics_recycle_mb`` past its size a minute after it
started. DuckDB's memory outside its own accounting grows with the seconds written, whatever it is set to
(bench/telemetry_store_rss.py); a new process opens the same file at its starting size. Calls meanwhile wait for
it (about a second), none fails, and a scrape's commit in flight is finished first (a graceful stop).
"""

from __future__ import annotations

import asyncio
import ctypes
import dataclasses
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from provider.metricsserver.client import Client, MetricsUnavailable
from provider.metricsserver.wire import HEALTH
from provider.settings import Settings, env_var

log = logging.getLogger("elbv2.metrics")

READY_WAIT_S = 60.0  # a cold start imports the service models and may replay the file's write-ahead log
STOP_WAIT_S = 10.0
WATCH_EVERY_S = 1.0
WARM_S = 60.0  # its size this long after a start is the one growth is measured from
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel kills it when the server's thread that started it ends, so a
    server killed with -9 leaves no metrics process holding the file."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _environment(settings: Settings) -> dict[str, str]:
    """The server's settings as ``ELBV2_*`` variables (Settings.from_env): not in the command line, which every
    user of the machine can read."""
    env = dict(os.environ)
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        if value is None:
            env.pop(env_var(f), None)
        else:
            env[env_var(f)] = str(value)
    return env


class MetricsProcess:
    """``process.client`` for every call; ``await process.watch()`` for the server's lifetime (on its event loop's
    thread, whose end kills the child), ``process.stop()`` at its end."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._folder: Path | None = None  # made at the first start: a Unix socket's path is at most 107 bytes
        self.client = Client("", self)
        self._child: subprocess.Popen[bytes] | None = None
        self._ready = False  # the child answered
        self._ever = False  # started once
        self._loop: asyncio.AbstractEventLoop | None = None
        self._starting: asyncio.Lock | None = None
        self._started_at = 0.0
        self._warm_mb: float | None = None

    @property
    def started(self) -> bool:
        """Started and answering."""
        return self._ready and self._child is not None and self._child.poll() is None

    @property
    def pid(self) -> int | None:
        return self._child.pid if self.started and self._child is not None else None

    @property
    def empty(self) -> bool:
        """No metrics can be stored yet: never started, and no file from before."""
        db = self.settings.metrics_db
        return not self._ever and (db == ":memory:" or not Path(db).exists())

    async def ensure(self) -> None:
        """Started and answering (on the event loop)."""
        if self.started:
            return
        async with self._lock():
            if not self.started:
                await self._start()

    def _lock(self) -> asyncio.Lock:
        self._loop = asyncio.get_running_loop()
        self._starting = self._starting or asyncio.Lock()
        return self._starting

    def ensure_blocking(self) -> None:
        """``ensure`` from a worker thread: the child is started on the event loop's thread."""
        if self.started:
            return
        if self._loop is None:
            raise MetricsUnavailable("the metrics process has not been started")
        asyncio.run_coroutine_threadsafe(self.ensure(), self._loop).result(READY_WAIT_S + STOP_WAIT_S)

    async def _start(self) -> None:
        """A new child (the one before, if any, stopped first: one process at a time holds the file)."""
        self._ready = False
        self.client.forget()
        if self._child is not None:
            await asyncio.to_thread(_end, self._child)
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="elbv2-metrics-"))
            self.client.socket = str(self._folder / "metrics.sock")
        Path(self.client.socket).unlink(missing_ok=True)
        self._child = subprocess.Popen(
            [sys.executable, "-m", "provider.metricsserver", self.client.socket], env=_environment(self.settings),
            preexec_fn=_die_with_parent,  # noqa: PLW1509  # only prctl: safe between fork and exec
        )
        deadline = time.monotonic() + READY_WAIT_S
        while True:
            if self._child.poll() is not None:
                raise MetricsUnavailable(f"the metrics process exited with {self._child.returncode} while starting")
            try:
                await self.client.exchange("GET", HEALTH, (), b"")
                self._ready = self._ever = True
                self._started_at, self._warm_mb = time.monotonic(), None
                return
            except MetricsUnavailable:
                if time.monotonic() > deadline:
                    raise
            await asyncio.sleep(0.02)

    async def watch(self) -> None:
        """Until cancelled (a server background task): start it now if its file exists; start it again if it
        ends, or once it has grown ``metrics_recycle_mb``."""
        self._loop = asyncio.get_running_loop()
        if not self.empty:
            await self._ensure_logged()
        while True:
            await asyncio.sleep(WATCH_EVERY_S)
            if self._child is not None and self._child.poll() is not None:
                log.error("the metrics process exited with %s; starting it again", self._child.returncode)
                await self._ensure_logged()
            elif self._grown():
                log.info("the metrics process grew %d MB past its size a minute after it started; starting it "
                         "again", self.settings.metrics_recycle_mb)
                async with self._lock():  # calls wait for the new one
                    await self._start()

    def _grown(self) -> bool:
        if not self.settings.metrics_recycle_mb or not self.started or self._child is None:
            return False
        size = _rss_mb(self._child.pid)
        if self._warm_mb is None:
            if time.monotonic() - self._started_at >= WARM_S:
                self._warm_mb = size
            return False
        return size - self._warm_mb > self.settings.metrics_recycle_mb

    async def _ensure_logged(self) -> None:
        try:
            await self.ensure()
        except MetricsUnavailable as e:
            log.error("could not start the metrics process: %s", e)

    def stop(self) -> None:
        child, self._child, self._ready = self._child, None, False
        self.client.forget()
        if child is not None:
            _end(child)
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


def _end(child: subprocess.Popen[bytes]) -> None:
    """Stop ``child`` as uvicorn stops (requests in flight are answered, the file closed); kill it if it will not."""
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            log.error("the metrics process did not stop within %g s; killing it", STOP_WAIT_S)
            child.kill()
            child.wait()


def _rss_mb(pid: int) -> float:
    try:
        resident = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return resident * os.sysconf("SC_PAGE_SIZE") / 2**20
