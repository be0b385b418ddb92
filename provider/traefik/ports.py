"""Can a listener port be bound, and if not, what should the person do about it.

>>> explain("Permission denied")
'permission denied — ports below 1024 need root or CAP_NET_BIND_SERVICE; pick a port >= 1024'
"""

from __future__ import annotations

import errno
import os
import socket


def bind_problem(host: str, port: int) -> str | None:
    """Why `host:port` cannot be bound right now, in words for a person; None when it can.

    SO_REUSEADDR as Go sets it, so sockets in TIME_WAIT from a stopped Traefik do not count as in use.
    """
    try:
        family, kind, proto, _, sockaddr = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as e:
        return f"{host!r} does not resolve ({e.strerror}) — check --listen-host"
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(sockaddr)
        except OSError as e:
            return explain(os.strerror(e.errno) if e.errno else str(e))
    return None


def free_port(host: str) -> int:
    """A port the kernel has free now on ``host`` (for a Traefik's own loopback entryPoints)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def explain(reason: str) -> str:
    """OS wording -> what to do: 'permission denied' -> 'permission denied — ... pick a port >= 1024'."""
    text = reason.strip().lower()
    if text == os.strerror(errno.EACCES).lower():
        return f"{text} — ports below 1024 need root or CAP_NET_BIND_SERVICE; pick a port >= 1024"
    if text == os.strerror(errno.EADDRINUSE).lower():
        return f"{text} — another program holds it; stop it or pick another port"
    if text == os.strerror(errno.EADDRNOTAVAIL).lower():
        return f"{text} — this machine has no such address; check --listen-host"
    return text
