"""Pure validators of the domain: names, tags, health checks, attributes, targets (table-driven)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from provider import errors
from provider.elbv2 import attributes, health_checks, names, tags
from provider.elbv2.load_balancer_attributes import LOAD_BALANCER_ATTRIBUTES
from provider.elbv2.load_balancer_attributes import check_combination as check_lb
from provider.elbv2.load_balancers import subnets_from
from provider.elbv2.model import HealthCheck, ProtocolName, TargetGroup
from provider.elbv2.target_group_attributes import TARGET_GROUP_ATTRIBUTE_DEFAULTS, TARGET_GROUP_ATTRIBUTES
from provider.elbv2.target_group_attributes import check_combination as check_tg
from provider.elbv2.target_groups import settings_from
from provider.elbv2.targets import health_check_port, requested, validate_ip_target
from tests.support.models import load_balancer, target_group

OK = None


def raises(expected: type[errors.ApiError] | None, call: Any, *args: Any) -> Any:
    if expected is None:
        return call(*args)
    with pytest.raises(expected) as info:
        call(*args)
    assert info.value.status == 400
    return None


@pytest.mark.parametrize(
    ("name", "lb_error", "tg_error"),
    [
        pytest.param("web", OK, OK, id="short"),
        pytest.param("a" * 32, OK, OK, id="32-chars"),
        pytest.param("a" * 33, errors.ValidationError, errors.ValidationError, id="33-chars"),
        pytest.param("my-alb-1", OK, OK, id="hyphens-inside"),
        pytest.param("-web", errors.ValidationError, errors.ValidationError, id="leading-hyphen"),
        pytest.param("web-", errors.ValidationError, errors.ValidationError, id="trailing-hyphen"),
        pytest.param("we_b", errors.ValidationError, errors.ValidationError, id="underscore"),
        pytest.param("wéb", errors.ValidationError, errors.ValidationError, id="non-ascii"),
        pytest.param("", errors.ValidationError, errors.ValidationError, id="empty"),
        pytest.param("internal-web", errors.ValidationError, OK, id="internal-prefix"),
    ],
)
def test_names(name: str, lb_error: type[errors.ApiError] | None, tg_error: type[errors.ApiError] | None) -> None:
    raises(lb_error, names.validate_load_balancer_name, name)
    raises(tg_error, names.validate_target_group_name, name)


def _tags(*pairs: tuple[str, str | None]) -> list[dict[str, str | None]]:
    return [{"key": k, "value": v} for k, v in pairs]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(None, (), id="none"),
        pytest.param(_tags(("team", "web"), ("env", None)), (("team", "web"), ("env", "")), id="value-optional"),
        pytest.param(_tags(("k" * 128, "v" * 256)), (("k" * 128, "v" * 256),), id="max-lengths"),
        pytest.param(_tags(("a b:c/d=e+f-g@h_i.j", "ü 1")), (("a b:c/d=e+f-g@h_i.j", "ü 1"),), id="charset"),
        pytest.param(_tags(("", "v")), errors.ValidationError, id="empty-key"),
        pytest.param(_tags(("k" * 129, "v")), errors.ValidationError, id="long-key"),
        pytest.param(_tags(("k", "v" * 257)), errors.ValidationError, id="long-value"),
        pytest.param(_tags(("aws:owner", "v")), errors.ValidationError, id="reserved-prefix"),
        pytest.param(_tags(("AWS:owner", "v")), errors.ValidationError, id="reserved-prefix-any-case"),
        pytest.param(_tags(("k*", "v")), errors.ValidationError, id="bad-char"),
        pytest.param(_tags(("k", "1"), ("k", "2")), errors.DuplicateTagKeys, id="duplicate"),
        pytest.param(_tags(*((f"k{i}", "") for i in range(50))), 50, id="50-tags"),
        pytest.param(_tags(*((f"k{i}", "") for i in range(51))), errors.TooManyTags, id="51-tags"),
    ],
)
def test_validate_tags(raw: list[dict[str, Any]] | None, expected: Any) -> None:
    if isinstance(expected, type):
        raises(expected, tags.validate_tags, raw)
    elif isinstance(expected, int):
        assert len(tags.validate_tags(raw)) == expected
    else:
        assert tags.validate_tags(raw) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({}, HealthCheck(), id="defaults"),
        pytest.param(
            {"health_check_interval_seconds": 10, "health_check_timeout_seconds": 2},
            HealthCheck(interval_seconds=10, timeout_seconds=2),
            id="interval-timeout",
        ),
        pytest.param({"health_check_protocol": "HTTPS"}, HealthCheck(protocol=ProtocolName.HTTPS), id="https"),
        pytest.param({"health_check_port": "8081"}, HealthCheck(port="8081"), id="port"),
        pytest.param({"health_check_path": "/healthz"}, HealthCheck(path="/healthz"), id="path"),
        pytest.param({"matcher": {"http_code": "200,202"}}, HealthCheck(matcher="200,202"), id="matcher-list"),
        pytest.param({"matcher": {"http_code": "200-299"}}, HealthCheck(matcher="200-299"), id="matcher-range"),
        pytest.param({"health_check_interval_seconds": 4}, errors.ValidationError, id="interval-low"),
        pytest.param({"health_check_interval_seconds": 301}, errors.ValidationError, id="interval-high"),
        pytest.param({"health_check_timeout_seconds": 1}, errors.ValidationError, id="timeout-low"),
        pytest.param(
            {"health_check_interval_seconds": 200, "health_check_timeout_seconds": 121},
            errors.ValidationError,
            id="timeout-high",
        ),
        pytest.param(
            {"health_check_interval_seconds": 10, "health_check_timeout_seconds": 10},
            errors.ValidationError,
            id="timeout-not-below-interval",
        ),
        pytest.param({"healthy_threshold_count": 1}, errors.ValidationError, id="healthy-threshold-low"),
        pytest.param({"unhealthy_threshold_count": 11}, errors.ValidationError, id="unhealthy-threshold-high"),
        pytest.param({"health_check_path": "healthz"}, errors.ValidationError, id="path-no-slash"),
        pytest.param({"health_check_path": "/" * 1025}, errors.ValidationError, id="path-too-long"),
        pytest.param({"health_check_port": "0"}, errors.ValidationError, id="port-zero"),
        pytest.param({"health_check_port": "65536"}, errors.ValidationError, id="port-high"),
        pytest.param({"health_check_port": "http"}, errors.ValidationError, id="port-word"),
        pytest.param({"health_check_protocol": "TCP"}, errors.ValidationError, id="protocol-tcp"),
        pytest.param({"health_check_enabled": False}, errors.InvalidConfigurationRequest, id="disabled"),
        pytest.param({"matcher": {"http_code": "199"}}, errors.ValidationError, id="matcher-low"),
        pytest.param({"matcher": {"http_code": "500"}}, errors.ValidationError, id="matcher-high"),
        pytest.param({"matcher": {"http_code": "299-200"}}, errors.ValidationError, id="matcher-reversed"),
        pytest.param({"matcher": {"http_code": "200-"}}, errors.ValidationError, id="matcher-open-range"),
        pytest.param({"matcher": {"http_code": "ok"}}, errors.ValidationError, id="matcher-word"),
        pytest.param({"matcher": {"http_code": ""}}, errors.ValidationError, id="matcher-empty"),
        pytest.param({"matcher": {"grpc_code": "12"}}, errors.ValidationError, id="grpc-code-on-http"),
    ],
)
def test_health_check_from_params(params: Mapping[str, Any], expected: Any) -> None:
    if isinstance(expected, type):
        raises(expected, health_checks.from_params, params, HealthCheck())
    else:
        assert health_checks.from_params(params, HealthCheck()) == expected


@pytest.mark.parametrize(
    ("matcher", "ok"),
    [
        pytest.param("12", True, id="default"),
        pytest.param("0-99", True, id="full-range"),
        pytest.param("100", False, id="over-99"),
    ],
)
def test_grpc_matcher(matcher: str, ok: bool) -> None:
    base = HealthCheck(matcher=health_checks.GRPC_MATCHER)
    call = health_checks.from_params
    raises(None if ok else errors.ValidationError, call, {"matcher": {"grpc_code": matcher}}, base, True)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"protocol": "HTTP", "port": 80}, None, id="minimal"),
        pytest.param({"protocol": "HTTPS", "port": 443, "target_type": "ip"}, None, id="https-ip"),
        pytest.param({"protocol": "HTTP", "port": 80, "protocol_version": "GRPC"}, None, id="grpc"),
        pytest.param({"port": 80}, errors.ValidationError, id="no-protocol"),
        pytest.param({"protocol": "HTTP"}, errors.ValidationError, id="no-port"),
        pytest.param({"protocol": "TCP", "port": 80}, errors.ValidationError, id="tcp"),
        pytest.param({"protocol": "HTTP", "port": 80, "target_type": "lambda"}, errors.ValidationError, id="lambda"),
        pytest.param({"protocol": "HTTP", "port": 80, "target_type": "alb"}, errors.ValidationError, id="alb"),
        pytest.param({"protocol": "HTTP", "port": 80, "protocol_version": "HTTP3"}, errors.ValidationError, id="v3"),
    ],
)
def test_target_group_settings(params: Mapping[str, Any], expected: type[errors.ApiError] | None) -> None:
    settings = raises(expected, settings_from, params)
    if expected is None:
        assert settings.health_check.protocol == params["protocol"]
        assert settings.health_check.matcher == ("12" if params.get("protocol_version") == "GRPC" else "200")
        assert settings.target_type == params.get("target_type", "instance")


def _change(key: str, value: str) -> list[dict[str, str]]:
    return [{"key": key, "value": value}]


@pytest.mark.parametrize(
    ("key", "value", "ok"),
    [
        pytest.param("deregistration_delay.timeout_seconds", "0", True, id="delay-0"),
        pytest.param("deregistration_delay.timeout_seconds", "3600", True, id="delay-3600"),
        pytest.param("deregistration_delay.timeout_seconds", "3601", False, id="delay-3601"),
        pytest.param("deregistration_delay.timeout_seconds", "-1", False, id="delay-negative"),
        pytest.param("stickiness.enabled", "true", True, id="sticky-true"),
        pytest.param("stickiness.enabled", "yes", False, id="sticky-yes"),
        pytest.param("stickiness.type", "app_cookie", True, id="type-app"),
        pytest.param("stickiness.type", "source_ip", True, id="type-source-ip-known-refused-per-protocol"),
        pytest.param("stickiness.type", "cookie", False, id="type-unknown"),
        pytest.param("stickiness.lb_cookie.duration_seconds", "604800", True, id="duration-max"),
        pytest.param("stickiness.lb_cookie.duration_seconds", "0", False, id="duration-0"),
        pytest.param("stickiness.lb_cookie.duration_seconds", "604801", False, id="duration-over"),
        pytest.param("stickiness.app_cookie.cookie_name", "SESSION", True, id="cookie"),
        pytest.param("stickiness.app_cookie.cookie_name", "AWSALBX", False, id="cookie-awsalb"),
        pytest.param("stickiness.app_cookie.cookie_name", "awsalbtg", False, id="cookie-awsalbtg-lower"),
        pytest.param("load_balancing.algorithm.type", "least_outstanding_requests", True, id="lor"),
        pytest.param("load_balancing.algorithm.type", "random", False, id="random"),
        pytest.param("slow_start.duration_seconds", "30", True, id="slow-30"),
        pytest.param("slow_start.duration_seconds", "29", False, id="slow-29"),
        pytest.param("slow_start.duration_seconds", "901", False, id="slow-901"),
        pytest.param("target_group_health.dns_failover.minimum_healthy_targets.count", "off", True, id="dns-off"),
        pytest.param(
            "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count",
            "off",
            False,
            id="routing-count-off",
        ),
        pytest.param("stickiness.unknown", "x", False, id="unknown-key"),
    ],
)
def test_target_group_attribute_values(key: str, value: str, ok: bool) -> None:
    call = attributes.merge
    merged = raises(None if ok else errors.ValidationError, call, TARGET_GROUP_ATTRIBUTES, (), _change(key, value))
    if ok:
        assert dict(merged)[key] == value
        assert [k for k, _ in merged] == sorted(k for k, _ in TARGET_GROUP_ATTRIBUTE_DEFAULTS)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({"stickiness.enabled": "true"}, OK, id="lb-cookie"),
        pytest.param(
            {"stickiness.enabled": "true", "stickiness.type": "app_cookie"},
            errors.InvalidConfigurationRequest,
            id="app-cookie-without-name",
        ),
        pytest.param({"stickiness.type": "app_cookie"}, OK, id="app-cookie-disabled"),
        pytest.param(
            {
                "stickiness.enabled": "true",
                "stickiness.type": "app_cookie",
                "stickiness.app_cookie.cookie_name": "SESSION",
            },
            OK,
            id="app-cookie-named",
        ),
        pytest.param(
            {"load_balancing.algorithm.anomaly_mitigation": "on"},
            errors.InvalidConfigurationRequest,
            id="anomaly-without-weighted-random",
        ),
        pytest.param(
            {"load_balancing.algorithm.type": "weighted_random", "slow_start.duration_seconds": "30"},
            errors.InvalidConfigurationRequest,
            id="slow-start-weighted-random",
        ),
    ],
)
def test_target_group_attribute_combinations(changes: dict[str, str], expected: Any) -> None:
    merged = attributes.merge(TARGET_GROUP_ATTRIBUTES, (), [{"key": k, "value": v} for k, v in changes.items()])
    raises(expected, check_tg, target_group(), dict(merged))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(_change("idle_timeout.timeout_seconds", "4000"), OK, id="idle-max"),
        pytest.param(_change("idle_timeout.timeout_seconds", "0"), errors.ValidationError, id="idle-0"),
        pytest.param(_change("routing.http.desync_mitigation_mode", "strictest"), OK, id="desync"),
        pytest.param(_change("routing.http.desync_mitigation_mode", "lax"), errors.ValidationError, id="desync-bad"),
        pytest.param(_change("deletion_protection.enabled", "true"), OK, id="deletion-protection"),
        pytest.param(_change("access_logs.s3.enabled", "true"), errors.InvalidConfigurationRequest, id="no-bucket"),
        pytest.param(_change("nlb.cross_zone", "true"), errors.ValidationError, id="unknown"),
    ],
)
def test_load_balancer_attributes(changes: list[dict[str, str]], expected: Any) -> None:
    def apply() -> None:
        check_lb(load_balancer(), dict(attributes.merge(LOAD_BALANCER_ATTRIBUTES, (), changes)))

    raises(expected, apply)


def test_attribute_defaults_are_strings_and_stored_values_win() -> None:
    values = attributes.effective(TARGET_GROUP_ATTRIBUTES, (("stickiness.enabled", "true"), ("gone.key", "x")))
    assert values["stickiness.enabled"] == "true"
    assert values["deregistration_delay.timeout_seconds"] == "300"
    assert "gone.key" not in values


def _tg(ip_address_type: str = "ipv4", port: str = "traffic-port") -> TargetGroup:
    return target_group("blue", port=8080, ip_address_type=ip_address_type, health_check=HealthCheck(port=port))


@pytest.mark.parametrize(
    ("target_id", "family", "expected"),
    [
        pytest.param("127.0.0.1", "ipv4", OK, id="loopback"),
        pytest.param("10.1.2.3", "ipv4", OK, id="private"),
        pytest.param("::1", "ipv6", OK, id="ipv6-loopback"),
        pytest.param("::1", "ipv4", errors.InvalidTarget, id="ipv6-in-ipv4-group"),
        pytest.param("127.0.0.1", "ipv6", errors.InvalidTarget, id="ipv4-in-ipv6-group"),
        pytest.param("localhost", "ipv4", errors.InvalidTarget, id="hostname"),
        pytest.param("256.0.0.1", "ipv4", errors.InvalidTarget, id="octet-overflow"),
        pytest.param("10.0.0.0/8", "ipv4", errors.InvalidTarget, id="cidr"),
        pytest.param("i-0123456789abcdef0", "ipv4", errors.InvalidTarget, id="instance-id"),
    ],
)
def test_ip_targets(target_id: str, family: str, expected: type[errors.ApiError] | None) -> None:
    raises(expected, validate_ip_target, _tg(family), target_id)


def test_requested_targets_default_port_and_dedupe() -> None:
    given = {"targets": [{"id": "10.0.0.1"}, {"id": "10.0.0.1", "port": 8080}, {"id": "10.0.0.1", "port": 9000}]}
    assert requested(_tg(), given) == [("10.0.0.1", 8080, None), ("10.0.0.1", 9000, None)]


@pytest.mark.parametrize(
    ("configured", "target_port", "expected"),
    [
        pytest.param("traffic-port", 9000, "9000", id="traffic-port"),
        pytest.param("8081", 9000, "8081", id="fixed"),
    ],
)
def test_health_check_port(configured: str, target_port: int, expected: str) -> None:
    assert health_check_port(_tg(port=configured), target_port) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"subnets": ["subnet-a", "subnet-b"]}, ("subnet-a", "subnet-b"), id="subnets"),
        pytest.param({"subnet_mappings": [{"subnet_id": "subnet-a"}]}, ("subnet-a",), id="mappings"),
        pytest.param({}, (), id="none"),
        pytest.param({"subnets": ["s"], "subnet_mappings": [{"subnet_id": "s"}]}, errors.ValidationError, id="both"),
    ],
)
def test_subnets(params: Mapping[str, Any], expected: Any) -> None:
    if isinstance(expected, type):
        raises(expected, subnets_from, params)
    else:
        assert subnets_from(params) == expected
