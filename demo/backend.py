"""Demo backend: answers every GET with the version it runs (VERSION=v1|v2), e.g. `v1`."""

from __future__ import annotations

import http.server
import os
import socket

VERSION = os.environ.get("VERSION", "v1")
PORT = int(os.environ.get("PORT", "8080"))


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"{VERSION}\n".encode()
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n\r\n"
        self.wfile.write(head.encode() + body)  # one write: no Nagle/delayed-ACK stall

    def log_message(self, *args: object) -> None:
        pass


class Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6 if os.environ.get("HOST", "0.0.0.0") == "::" else socket.AF_INET


if __name__ == "__main__":
    Server((os.environ.get("HOST", "0.0.0.0"), PORT), Handler).serve_forever()
