"""The status page's routes over real HTTP: read-only, open without the provider token, locked-down headers."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

import pytest

from tests.support.clients import cloudwatch
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


def test_dashboards_are_drawn_with_text_escaped(tmp_path: Path) -> None:
    """A stored dashboard through PutDashboard: metric widgets drawn, text as text (a script stays text), other
    widget types named as not rendered; an unknown name is a 404."""
    server = start_server(tmp_path)
    try:
        body = {"widgets": [
            {"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6, "properties": {
                "region": "us-east-1", "title": "<i>requests</i>", "stat": "Sum", "period": 60,
                "metrics": [["AWS/ApplicationELB", "RequestCount", "LoadBalancer", "app/web/1"],
                            [{"expression": "m1 * 2", "label": "doubled", "id": "e1"}]]}},
            {"type": "text", "x": 12, "y": 0, "width": 12, "height": 6,
             "properties": {"markdown": "<script>alert(1)</script> # runbook"}},
            {"type": "log", "x": 0, "y": 6, "width": 24, "height": 6, "properties": {"query": "fields @message"}},
        ]}
        cloudwatch(server.url).put_dashboard(DashboardName="alb-web", DashboardBody=json.dumps(body))
        status, headers, index = fetch(server.url + "/ui/dashboards/")
        assert status == 200 and '<a href="alb-web">alb-web</a>' in index
        assert headers["Content-Security-Policy"].startswith("default-src 'none'; script-src 'self'")
        status, _, page = fetch(server.url + "/ui/dashboards/alb-web")
        assert status == 200
        assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; # runbook" in page
        assert "<h3>&lt;i&gt;requests&lt;/i&gt;</h3>" in page
        assert 'data-label="RequestCount"' in page and 'data-label="doubled"' in page
        assert "log widget: not rendered here" in page
        assert fetch(server.url + "/ui/dashboards/never-made")[0] == 404
    finally:
        server.stop()
