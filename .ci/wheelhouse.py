"""A throwaway PyPI stand-in for `docker build`: serves a directory of wheels as a pip find-links page.

The stand-in python image (see .ci/compose-images.sh) sets PIP_NO_INDEX=1 and
PIP_FIND_LINKS=http://elbv2-wheelhouse/; a build run with `--build-arg HTTP_PROXY=http://127.0.0.1:<port>`
(a predefined build argument, so the Dockerfile needs no ARG) and `--network host` sends pip's requests
here, absolute URLs included. Usage: wheelhouse.py DIR PORT_FILE (writes the port it bound, 0 = any free one).
"""

from __future__ import annotations

import functools
import http.server
import sys
import urllib.parse
from pathlib import Path


class Handler(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        # A proxied request line carries the whole URL: keep its path, the host is always the wheelhouse.
        return super().translate_path(urllib.parse.urlsplit(path).path or "/")

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    directory, port_file = sys.argv[1], Path(sys.argv[2])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=directory))
    port_file.write_text(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
