"""Calls from the server to the metrics process over its Unix socket.

``relay`` passes a request through as bytes on the event loop. It is deliberately lean (a pooled connection, the
head written and read by hand): with an HTTP client library, the relay's own Python work on the server's loop
cost as much as the shared GIL it replaces (bench/metrics_stalls.py). ``call`` is the internal routes' JSON, from
worker threads.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from starlette.requests import Request

from provider.cloudwatch.sampler import HostCounts
from provider.errors import ApiError
from provider.metricsserver import wire
from provider.telemetry.counting import Increments

CALL_TIMEOUT_S = 30.0
RELAY_TIMEOUT_S = 300.0  # a query over a year of many series may take a while; a hung child must not pin a client
# Not passed on: this hop's own, and the body's encoding (the relay passes the body as read: gzip undone)
_NOT_PASSED = frozenset({"host", "connection", "content-length", "transfer-encoding", "keep-alive", "date",
                         "server", "expect", "te", "upgrade", "content-encoding"})

Relayed = tuple[int, dict[str, str], bytes]
Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class Starter(Protocol):
    """The process behind the socket (process.MetricsProcess), started on first need."""

    @property
    def empty(self) -> bool: ...

    async def ensure(self) -> None: ...

    def ensure_blocking(self) -> None: ...


class MetricsUnavailable(ApiError):
    code = "ServiceUnavailable"
    status = 503


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=CALL_TIMEOUT_S)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


class Client:
    def __init__(self, socket_path: str, process: Starter) -> None:
        self.socket = socket_path
        self.process = process
        self._idle: list[Streams] = []  # the relay's open connections, touched on the event loop only

    def forget(self) -> None:
        """Drop the relay's connections (the process they went to has ended)."""
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()

    async def relay(self, request: Request, body: bytes) -> Relayed:
        """``request`` (with its ``body``, read) answered by the metrics process: its status, headers and body."""
        await self.process.ensure()
        raw, query = request.scope.get("raw_path") or request.url.path.encode(), request.scope["query_string"]
        target = (raw + b"?" + query if query else raw).decode("latin-1")  # as it came, still percent-encoded
        return await self.exchange(request.method, target, request.headers.items(), body)

    async def exchange(self, method: str, target: str, headers: Iterable[tuple[str, str]], body: bytes) -> Relayed:
        """``relay`` to a process already started."""
        kept = [f"{k}: {v}" for k, v in headers if k.lower() not in _NOT_PASSED]
        head = "\r\n".join([f"{method} {target} HTTP/1.1", "Host: metrics", f"Content-Length: {len(body)}", *kept])
        request = f"{head}\r\n\r\n".encode("latin-1") + body
        for _ in range(2):
            reused = bool(self._idle)
            try:
                streams = self._idle.pop() if reused else await asyncio.open_unix_connection(self.socket)
            except OSError as e:
                raise MetricsUnavailable(f"CloudWatch is not available: {e}") from e
            try:
                answer = await asyncio.wait_for(_exchange(streams, request), RELAY_TIMEOUT_S)
            except asyncio.IncompleteReadError as e:
                streams[1].close()
                if reused and not e.partial:  # it closed an idle connection before reading this request: again
                    continue
                raise MetricsUnavailable("CloudWatch closed the connection") from e
            except OSError as e:  # TimeoutError too
                streams[1].close()
                if reused and isinstance(e, BrokenPipeError):  # closed before this request was written
                    continue
                raise MetricsUnavailable(f"CloudWatch did not answer: {e!r}") from e
            except BaseException:  # cancelled mid-exchange: the connection's state is unknown
                streams[1].close()
                raise
            self._idle.append(streams)
            return answer
        raise MetricsUnavailable("CloudWatch closed the connection")

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """One internal route's JSON answer (from a worker thread)."""
        self.process.ensure_blocking()
        conn = _UnixConnection(self.socket)
        try:
            payload = None if body is None else json.dumps(body).encode()
            conn.request(method, path, payload, {"Content-Type": "application/json"})
            response = conn.getresponse()
            data = response.read()
        except OSError as e:
            raise MetricsUnavailable(f"the metrics process is not available: {e}") from e
        finally:
            conn.close()
        if response.status != 200:
            raise MetricsUnavailable(f"{path}: {response.status} {data[:200]!r}")
        return json.loads(data)

    # What the server's Traefik reader needs (telemetry.sources.Ledger)
    def sources(self) -> list[str]:
        return [] if self.process.empty else list(self.call("GET", wire.SOURCES))

    def counted(self, source: str) -> dict[str, float]:
        return dict(self.call("GET", f"{wire.COUNTED}?{urllib.parse.urlencode({'source': source})}"))

    def commit(self, source: str, second: int, found: Increments, counted: Mapping[str, float]) -> None:
        self.call("POST", wire.COMMIT, wire.commit_body(source, second, found, counted))

    def roll_up(self, now_s: int) -> None:
        if not self.process.empty:
            self.call("POST", wire.ROLL_UP, {"now_s": now_s})

    def put_host_counts(self, counts: Sequence[HostCounts], at_ms: int) -> None:
        if counts:
            self.call("POST", wire.HOST_COUNTS, wire.host_counts_body(counts, at_ms))

    def traffic_rows(self, since: int, until: int) -> list[tuple[Any, ...]]:
        if self.process.empty:
            return []
        return [tuple(row) for row in self.call("GET", f"{wire.TRAFFIC}?since={since}&until={until}")]


async def _exchange(streams: Streams, request: bytes) -> Relayed:
    reader, writer = streams
    writer.write(request)
    lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name and name.lower() not in _NOT_PASSED:
            headers[name] = value.strip()
    return status, headers, await reader.readexactly(length)
