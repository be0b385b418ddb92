"""Demo backend: answers every GET with the version it runs (VERSION=v1|v2), e.g. `v1`, and says which
replica answered in an X-Served-By header (the host name: in compose, the container's short id).

On SIGTERM (`docker stop`) it goes on serving for STOP_GRACE_SECONDS (default 2), as an application behind a
load balancer does while it is deregistered, then exits: requests still on their way are answered.
"""

from __future__ import annotations

import http.server
import os
import signal
import socket
import threading
import time
from types import FrameType

VERSION = os.environ.get("VERSION", "v1")
PORT = int(os.environ.get("PORT", "8080"))
STOP_GRACE_SECONDS = float(os.environ.get("STOP_GRACE_SECONDS", "2"))
HOSTNAME = socket.gethostname()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"{VERSION}\n".encode()
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
                f"X-Served-By: {HOSTNAME}\r\n\r\n")
        self.wfile.write(head.encode() + body)  # one write: no Nagle/delayed-ACK stall

    def log_message(self, *args: object) -> None:
        pass


class Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6 if os.environ.get("HOST", "0.0.0.0") == "::" else socket.AF_INET


def main() -> None:
    server = Server((os.environ.get("HOST", "0.0.0.0"), PORT), Handler)

    def shut_down_later() -> None:
        time.sleep(STOP_GRACE_SECONDS)
        server.shutdown()

    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=shut_down_later, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    server.serve_forever()


if __name__ == "__main__":
    main()
