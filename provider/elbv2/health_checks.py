"""Target-group health-check settings: read from request params over a base, validated with AWS's ranges.

>>> from_params({"health_check_interval_seconds": 10}, HealthCheck())
HealthCheck(..., interval_seconds=10, timeout_seconds=5, ...)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from provider.elbv2.model import HealthCheck, ProtocolName
from provider.errors import InvalidConfigurationRequest, ValidationError

GRPC_MATCHER = "12"  # AWS's default gRPC code for GRPC target groups (HealthCheck.matcher is the HTTP one)
_FIELDS = {  # request param -> HealthCheck field
    "health_check_enabled": "enabled",
    "health_check_port": "port",
    "health_check_path": "path",
    "health_check_interval_seconds": "interval_seconds",
    "health_check_timeout_seconds": "timeout_seconds",
    "healthy_threshold_count": "healthy_threshold_count",
    "unhealthy_threshold_count": "unhealthy_threshold_count",
}


def from_params(p: Mapping[str, Any], base: HealthCheck, grpc: bool = False) -> HealthCheck:
    """``base`` with every health-check setting the request gives, validated as a whole."""
    changes: dict[str, Any] = {f: p[k] for k, f in _FIELDS.items() if p.get(k) is not None}
    if p.get("health_check_protocol") is not None:
        changes["protocol"] = _protocol(p["health_check_protocol"])
    matcher = p.get("matcher") or {}
    code = matcher.get("grpc_code") if grpc else matcher.get("http_code")
    if code is not None:
        changes["matcher"] = code
    elif matcher:
        wrong, right = ("HttpCode", "GrpcCode") if grpc else ("GrpcCode", "HttpCode")
        raise ValidationError(f"Matcher {wrong} is not valid for this target group; use {right}")
    health_check = replace(base, **changes)
    validate(health_check, grpc)
    return health_check


def validate(hc: HealthCheck, grpc: bool = False) -> None:
    if not hc.enabled:
        raise InvalidConfigurationRequest("Health checks cannot be disabled for instance and ip target groups")
    _in_range("Health check interval", hc.interval_seconds, 5, 300)
    _in_range("Health check timeout", hc.timeout_seconds, 2, 120)
    if hc.timeout_seconds >= hc.interval_seconds:
        raise ValidationError(
            f"Health check timeout '{hc.timeout_seconds}' must be smaller than the interval '{hc.interval_seconds}'"
        )
    _in_range("Healthy threshold count", hc.healthy_threshold_count, 2, 10)
    _in_range("Unhealthy threshold count", hc.unhealthy_threshold_count, 2, 10)
    validate_path(hc.path)
    validate_port(hc.port)
    if grpc:
        validate_matcher(hc.matcher, 0, 99, "gRPC code")
    else:
        validate_matcher(hc.matcher, 200, 499, "HTTP code")


def validate_path(path: str) -> None:
    if not 1 <= len(path) <= 1024 or not path.startswith("/"):
        raise ValidationError(f"Health check path '{path}' must start with '/' and be 1 to 1024 characters long")


def validate_port(port: str) -> None:
    if port != "traffic-port" and not (port.isdigit() and 1 <= int(port) <= 65535):
        raise ValidationError(f"Health check port '{port}' must be 'traffic-port' or a port from 1 to 65535")


def validate_matcher(matcher: str, low: int, high: int, what: str) -> None:
    """``200``, ``200,202`` or ``200-299``; every code within [low, high]."""
    for part in matcher.split(","):
        bounds = part.split("-")
        ok = 1 <= len(bounds) <= 2 and all(b.isdigit() and low <= int(b) <= high for b in bounds)
        if not ok or int(bounds[0]) > int(bounds[-1]):
            raise ValidationError(
                f"Matcher '{matcher}' is not valid: give a {what} from {low} to {high}, "
                f"a comma-separated list ('{low},{low + 2}') or a range ('{low}-{high}')"
            )


def _protocol(value: str) -> ProtocolName:
    if value not in ProtocolName.__members__:
        raise ValidationError(f"Health check protocol '{value}' is not supported here: use HTTP or HTTPS")
    return ProtocolName(value)


def _in_range(what: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ValidationError(f"{what} '{value}' must be from {low} to {high}")
