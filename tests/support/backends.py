"""Loopback HTTP backends, written once: a threaded HTTP/1.1 server on a free port (or a given one, to stop and
start it again) whose answer to each request is ``reply(request)``. Each answer leaves in one send: a second
small write would wait for the peer's delayed ACK (Nagle), ~40 ms. Every method is answered."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = tuple[int, bytes] | tuple[int, bytes, Mapping[str, str]]
STOP_POLL_S = 0.05  # how often the serving loop looks for stop(): http.server's 0.5 s made each stop wait ~0.25 s


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: Any  # http.client.HTTPMessage: case-insensitive .get()
    body: bytes


def phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class Backend:
    """``Backend("a")`` answers ``a <METHOD> <path>`` (text/plain); ``Backend(reply=f)`` answers ``f(request)``:
    (status, body) or (status, body, headers). ``keep_alive=False`` closes each connection after its answer, so a
    stopped backend is unreachable at once (no connection left open to it). ``hits`` counts the requests."""

    def __init__(
        self,
        name: str = "backend",
        reply: Callable[[Request], Answer] | None = None,
        *,
        port: int = 0,
        keep_alive: bool = True,
    ) -> None:
        self.name, self.reply, self.keep_alive = name, reply or self.echo, keep_alive
        self.hits = 0
        self.server: ThreadingHTTPServer | None = None
        self.port = port
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def echo(self, request: Request) -> Answer:
        return 200, f"{self.name} {request.method} {request.path}".encode(), {"Content-Type": "text/plain"}

    def start(self) -> None:
        """Listen (again) on ``port`` (a free one the first time when it is 0)."""
        backend = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                backend.hits += 1
                status, content, *rest = backend.reply(Request(self.command, self.path, self.headers, body))
                headers = {**(rest[0] if rest else {}), "Content-Length": str(len(content))}
                if not backend.keep_alive:
                    headers["Connection"] = "close"
                    self.close_connection = True
                head = f"HTTP/1.1 {status} {phrase(status)}\r\n"
                head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                self.wfile.write(head.encode() + b"\r\n" + content)

            def __getattr__(self, name: str) -> Any:
                if name.startswith("do_"):  # any method, `get` and `M-SEARCH` too
                    return self.answer
                raise AttributeError(name)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, args=(STOP_POLL_S,), daemon=True).start()

    def stop(self) -> None:
        """Stop listening (the port closes); ``start()`` listens on it again."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def forwarded_port(request: Request) -> Answer:
    """``via <port>``: the listener port Traefik received the request on (its X-Forwarded-Port)."""
    return 200, f"via {request.headers.get('X-Forwarded-Port')}\n".encode()
