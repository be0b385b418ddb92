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
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from provider.traefik import plugin
from provider.traefik.static import StaticConfig

STOP_S = 5.0  # SIGTERM, then SIGKILL after this long (Traefik's own grace is 2 s)

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
    """SIGTERM to the group, SIGKILL after STOP_S; then the output pump ends."""
    _signal_group(t, signal.SIGTERM)
    try:
        await asyncio.wait_for(t.process.wait(), STOP_S)
    except TimeoutError:
        _signal_group(t, signal.SIGKILL)
        await t.process.wait()
    if t.pump is not None:
        await t.pump
    release(t)


def kill(t: TraefikProcess) -> None:
    """SIGKILL the group if it still runs (the last resort when a graceful stop was interrupted)."""
    _signal_group(t, signal.SIGKILL)


def release(t: TraefikProcess) -> None:
    # asyncio closes a subprocess transport only when asked; unclosed, it errors when collected after the loop.
    transport = getattr(t.process, "_transport", None)
    if transport is not None:
        transport.close()


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
