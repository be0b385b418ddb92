"""Application Load Balancer attributes: the known keys with AWS's defaults, and their two operations."""

from __future__ import annotations

from collections.abc import Mapping

from provider import texts
from provider.elbv2 import attributes, lookup
from provider.elbv2.attributes import boolean, choice, fixed, integer, text
from provider.elbv2.context import Context, Handler, Params, Result
from provider.elbv2.model import Attributes, LoadBalancer
from provider.errors import InvalidConfigurationRequest

LOAD_BALANCER_ATTRIBUTES: attributes.Specs = {
    "deletion_protection.enabled": boolean("false"),
    "idle_timeout.timeout_seconds": integer("60", 1, 4000),
    "routing.http2.enabled": boolean("true"),
    "access_logs.s3.enabled": boolean("false"),
    "access_logs.s3.bucket": text(""),
    "access_logs.s3.prefix": text(""),
    "connection_logs.s3.enabled": boolean("false"),
    "connection_logs.s3.bucket": text(""),
    "connection_logs.s3.prefix": text(""),
    "routing.http.drop_invalid_header_fields.enabled": boolean("false"),
    "routing.http.desync_mitigation_mode": choice("defensive", "monitor", "defensive", "strictest"),
    "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": boolean("false"),
    "routing.http.xff_client_port.enabled": boolean("false"),
    "routing.http.xff_header_processing.mode": choice("append", "append", "preserve", "remove"),
    "routing.http.preserve_host_header.enabled": boolean("false"),
    "waf.fail_open.enabled": boolean("false"),
    "client_keep_alive.seconds": integer("3600", 60, 604800),
    "zonal_shift.config.enabled": boolean("false"),
    "load_balancing.cross_zone.enabled": fixed("true", texts.CROSS_ZONE_FIXED),
}
LOAD_BALANCER_ATTRIBUTE_DEFAULTS: Attributes = attributes.defaults(LOAD_BALANCER_ATTRIBUTES)


def check_combination(_: LoadBalancer, values: Mapping[str, str]) -> None:
    """Rules across keys: enabled logs need a bucket to write to."""
    for logs in ("access_logs", "connection_logs"):
        if values[f"{logs}.s3.enabled"] == "true" and not values[f"{logs}.s3.bucket"]:
            raise InvalidConfigurationRequest(f"The value of '{logs}.s3.bucket' cannot be empty when logs are enabled")


_ATTRIBUTES = attributes.Operations(
    "load_balancer_arn", lookup.load_balancer, LOAD_BALANCER_ATTRIBUTES, check_combination
)


def modify_load_balancer_attributes(ctx: Context, p: Params) -> Result:
    """As AWS, enabling access logs checks that their bucket can be written (outside the write: S3 is a call away)."""
    changes = p.get("attributes") or []
    if ctx.objects is not None and any(str(c.get("key", "")).startswith("access_logs.s3.") for c in changes):
        lb = lookup.load_balancer(ctx.store.snapshot(), p["load_balancer_arn"])
        values = dict(attributes.merge(LOAD_BALANCER_ATTRIBUTES, lb.attributes, changes))
        bucket = values["access_logs.s3.bucket"]
        if values["access_logs.s3.enabled"] == "true" and bucket and not ctx.objects.has_bucket(bucket):
            raise InvalidConfigurationRequest(texts.LOG_BUCKET_DENIED.format(bucket=bucket))
    return _ATTRIBUTES.modify(ctx, p)


OPERATIONS: dict[str, Handler] = {
    "DescribeLoadBalancerAttributes": _ATTRIBUTES.describe,
    "ModifyLoadBalancerAttributes": modify_load_balancer_attributes,
}


def access_logs_enabled(lb: LoadBalancer) -> bool:
    """Does the load balancer keep a record of every request (``access_logs.s3.enabled``)?"""
    return dict(lb.attributes).get("access_logs.s3.enabled") == "true"


def tls_headers_enabled(lb: LoadBalancer) -> bool:
    """Do targets get X-Amzn-Tls-Version and X-Amzn-Tls-Cipher-Suite
    (``routing.http.x_amzn_tls_version_and_cipher_suite.enabled``)?"""
    return dict(lb.attributes).get("routing.http.x_amzn_tls_version_and_cipher_suite.enabled") == "true"
