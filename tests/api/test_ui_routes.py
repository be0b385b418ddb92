"""The status page's routes over real HTTP: read-only, open without the provider token, locked-down headers."""

from __future__ import annotations

import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

import pytest

from tests.support.processes import start_server


def fetch(url: str, method: str = "GET") -> tuple[int, Message, str]:
    """Status, headers (case-insensitive) and body; redirects followed."""
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            return resp.status, resp.headers, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def test_page_is_open_without_the_provider_token(tmp_path: Path) -> None:
    server = start_server(tmp_path, provider_token="s3cret")
    try:
        assert fetch(server.url + "/traefik/config")[0] == 401  # the token guards Traefik's config ...
        status, headers, body = fetch(server.url + "/ui")  # ... not the page (the README says so)
        assert status == 200 and body.startswith("<!doctype html>")
        assert "s3cret" not in body
        assert headers["Content-Security-Policy"].startswith("default-src 'none'; script-src 'self'")
        assert headers["Cache-Control"] == "no-store"
        script = fetch(server.url + "/ui/app.js")
        assert (script[0], script[1]["Content-Type"]) == (200, "text/javascript; charset=utf-8")
    finally:
        server.stop()


@pytest.mark.parametrize("path", ["/ui/", "/ui/body"])
def test_read_only(tmp_path: Path, path: str) -> None:
    server = start_server(tmp_path)
    try:
        assert fetch(server.url + path, method="POST")[0] == 405
    finally:
        server.stop()
