"""One Traefik child process of `up`: started from its static config file, stopped through its process group.

Children get PR_SET_PDEATHSIG=SIGTERM and their own process group: a crashed or SIGKILLed server leaves no
Traefik, and on shutdown the whole group is signalled. PDEATHSIG fires when the *thread* that forked the child
exits, which is the event-loop thread: run the server's loop in a thread that lives as long as it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from provider.traefik import plugin
from provider.traefik.static import StaticConfig

log = logging.getLogger("elbv2.supervisor")

STOP_S = 5.0  # SIGTERM, then SIGKILL after this long (Traefik's own grace is 2 s)
GONE_S = 2.0  # then at most this long for its exit to be seen, and as long for its output to end: no wait is unbounded

_PR_SET_PDEATHSIG = 1
# Resolved in the parent: the child between fork and exec should do as little as possible.
_prctl: Callable[..., int] | None = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None


@dataclass
class TraefikProcess:
    name: str  # listener<port> | dashboard
    process: asyncio.subprocess.Process
    started: float
    pump: asyncio.Task[None] | None = None  # copies its output to traefik.log
    last_error: str | None = None

    @property
    def pid(self) -> int:
        return self.process.pid


def write_config(conf_dir: Path, name: str, config: StaticConfig) -> Path:
    """The config file, in a directory that also holds the plugin's source (Traefik runs there)."""
    plugin.install(conf_dir)
    path = conf_dir / f"{name}.yaml"
    path.write_text(json.dumps(config, indent=2) + "\n")  # JSON is YAML; Traefik wants a .yaml name
    return path


async def start(binary: str, name: str, config_path: Path) -> TraefikProcess:
    """``traefik --configFile=<path>``, output piped (read it, or the pipe fills), in its own process group, in
    the config's directory (where ``write_config`` put the plugin)."""
    process = await asyncio.create_subprocess_exec(
        binary, f"--configFile={config_path}", cwd=config_path.parent,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        start_new_session=True, preexec_fn=_die_with_parent(os.getpid()), limit=1 << 20,
    )
    return TraefikProcess(name, process, time.monotonic())


async def stop(t: TraefikProcess) -> None:
    """SIGTERM to the group, SIGKILL after STOP_S; then ``finish``. A cancel is never lost: no ``asyncio.wait_for``,
    which before Python 3.12 returns normally when the cancel lands in the loop turn the process exits in (CPython
    gh-86296); the supervisor would carry on, and `up` never exit."""
    _signal_group(t, signal.SIGTERM)
    if not await _within(STOP_S, t.process.wait()):
        _signal_group(t, signal.SIGKILL)
        if not await _within(GONE_S, t.process.wait()):
            log.error("Traefik %s (pid %d) not seen to exit %g s after SIGKILL; no longer waited for", t.name, t.pid,
                      GONE_S)
    await finish(t)


async def finish(t: TraefikProcess) -> None:
    """After its exit: the output pump reads to the end (at most GONE_S), then the process's transport is freed."""
    if t.pump is not None:
        await asyncio.wait({t.pump}, timeout=GONE_S)  # not `await t.pump`: a cancel of ours would end the pump
        if not t.pump.done():  # someone else holds its pipe open
            t.pump.cancel()
            log.error("the output of Traefik %s (pid %d) did not end %g s after its exit; no longer read", t.name,
                      t.pid, GONE_S)
    release(t)


def kill(t: TraefikProcess) -> None:
    """SIGKILL the group if it still runs (the last resort when a graceful stop was interrupted)."""
    _signal_group(t, signal.SIGKILL)


def release(t: TraefikProcess) -> None:
    # asyncio closes a subprocess transport only when asked; unclosed, it errors when collected after the loop.
    transport = getattr(t.process, "_transport", None)
    if transport is not None:
        transport.close()


async def _within(seconds: float, done: Awaitable[object]) -> bool:
    """Whether ``done`` finished within ``seconds``."""
    try:
        async with asyncio.timeout(seconds):
            await done
    except TimeoutError:
        return False
    return True


def _signal_group(t: TraefikProcess, sig: int) -> None:
    if t.process.returncode is not None:
        return  # reaped: the pid may belong to someone else now
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(t.pid, sig)  # start_new_session: the group id is the child's pid


def _die_with_parent(parent: int) -> Callable[[], None]:
    def setup() -> None:  # runs in the child between fork and exec
        if _prctl is not None:
            _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl: nobody would signal us
            os._exit(1)

    return setup
