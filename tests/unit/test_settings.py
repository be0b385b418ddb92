"""Each setting declared once (provider/settings.py) becomes a flag of `serve` and `up` with its default and its
ELBV2_* variable in the help; flags win over the environment, the environment over the defaults."""

from __future__ import annotations

from dataclasses import fields

import pytest

from provider.cli import build_parser, settings_from
from provider.settings import FLAG, Settings, env_var


@pytest.mark.parametrize("command", ["serve", "up"])
def test_every_setting_is_a_flag_with_its_variable_and_default(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "1000")  # no wrapped lines: argparse may break a line inside a hyphenated word
    with pytest.raises(SystemExit):
        build_parser().parse_args([command, "--help"])
    shown = capsys.readouterr().out
    expected = [f for f in fields(Settings) if command == "up" or not f.metadata[FLAG].up_only]
    missing = [f.name for f in expected
               if f"; {env_var(f)})" not in shown or f"(default {f.metadata[FLAG].shown or f.default};" not in shown]
    assert missing == []


def test_up_only_flags_are_refused_by_serve() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--listen-host", "0.0.0.0"])


def test_flags_win_over_the_environment_and_it_over_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELBV2_PORT", "9090")
    monkeypatch.setenv("ELBV2_REGION", "eu-west-1")
    monkeypatch.setenv("ELBV2_HEALTH_TIME_SCALE", "0.5")
    args = build_parser().parse_args(["up", "--port", "7070", "--dashboard-port", "7071",
                                      "--quota", "rules-per-application-load-balancer=200", "--quota", "a=1"])
    s = settings_from(args)
    assert (s.port, s.dashboard_port, s.region, s.health_time_scale, s.quotas, s.host) == (
        7070, 7071, "eu-west-1", 0.5, "rules-per-application-load-balancer=200,a=1", "127.0.0.1")


def test_a_flag_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--port", "eighty"])


def test_the_environment_alone_sets_every_kind_of_value() -> None:
    env = {"ELBV2_PORT": "9090", "ELBV2_HEALTH_TIME_SCALE": "0.25", "ELBV2_DOCKER_NETWORK": "demo",
           "ELBV2_LOG_LEVEL": "debug"}
    s = Settings.from_env(env)
    assert (s.port, s.health_time_scale, s.docker_network, s.log_level) == (9090, 0.25, "demo", "debug")
