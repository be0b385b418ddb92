"""PURE: a Request -> one line of ALB's access-log format (the 33 space-separated fields, in the documented
order, ``-`` where there is no value here), and the file name ALB gives the log of one node and 5 minutes.

    alb_line(request, "arn:aws:elasticloadbalancing:us-east-1:123456789012:") ->
    'http 2026-11-30T04:40:00.123000Z app/web/50dc6c495c0c9188 127.0.0.1:51234 127.0.0.1:9001 0.000 0.001 0.000
     200 200 0 12 "GET http://127.0.0.1:80/ HTTP/1.1" "curl/8.5.0" - - arn:...:targetgroup/v1/73e2... "-" "-" "-"
     0 2026-11-30T04:40:00.122000Z "forward" "-" "-" "127.0.0.1:9001" "200" "-" "-" "-" "-" "-" "-"'
"""

from __future__ import annotations

from datetime import UTC, datetime

from provider.accesslogs.record import Request

WINDOW_S = 300  # ALB delivers one file per node every 5 minutes
NOT_DISPATCHED = "-1"  # the processing times of a request never sent to a target


def iso(ms: float) -> str:
    """``1796013600123`` -> ``2026-11-30T04:40:00.123000Z``."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _quoted(value: str | None) -> str:
    text = value if value else "-"
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _seconds(value: float | None) -> str:
    return NOT_DISPATCHED if value is None else f"{value:.3f}"


def alb_line(r: Request, arn_prefix: str) -> str:
    """``arn_prefix`` is ``arn:aws:elasticloadbalancing:<region>:<account>:`` (completes the target group ARN)."""
    dispatched = r.target_s is not None
    target = r.target or "-"
    fields = [
        "https" if r.url.startswith("https:") else "http",
        iso(r.ts_ms),
        r.load_balancer,
        r.client,
        target,
        _seconds(r.request_s) if dispatched else NOT_DISPATCHED,
        _seconds(r.target_s),
        _seconds(r.response_s) if dispatched else NOT_DISPATCHED,
        str(r.elb_status),
        "-" if r.target_status is None else str(r.target_status),
        str(r.received_bytes),
        str(r.sent_bytes),
        _quoted(f"{r.method} {r.url} {r.protocol}"),
        _quoted(r.user_agent),
        "-",  # ssl_cipher
        "-",  # ssl_protocol
        arn_prefix + r.target_group if r.target_group else "-",
        _quoted(None),  # trace_id
        _quoted(None),  # domain_name (SNI)
        _quoted(None),  # chosen_cert_arn
        str(r.rule_priority),
        iso(r.created_ms),
        _quoted(r.action),
        _quoted(None),  # redirect_url
        _quoted(None),  # error_reason
        _quoted(target),
        _quoted(None if r.target_status is None else str(r.target_status)),
        _quoted(None),  # classification
        _quoted(None),  # classification_reason
        "-",  # conn_trace_id
        _quoted(None),  # transformed_host
        _quoted(None),  # transformed_uri
        _quoted(None),  # request_transform_status
    ]
    return " ".join(fields)


def file_name(account: str, region: str, load_balancer: str, window_end_ms: int, ip: str, random: str) -> str:
    """``app/web/50dc...`` at 04:45 -> ``123456789012_elasticloadbalancing_us-east-1_app.web.50dc..._20261130T0445Z_
    127.0.0.1_k3x9q2aa.log.gz``."""
    end = datetime.fromtimestamp(window_end_ms / 1000, UTC).strftime("%Y%m%dT%H%MZ")
    lb = load_balancer.replace("/", ".")
    return f"{account}_elasticloadbalancing_{region}_{lb}_{end}_{ip}_{random}.log.gz"


def window_end_ms(ts_ms: int) -> int:
    """The end of the 5-minute window holding ``ts_ms`` (ALB names its files by that end)."""
    size = WINDOW_S * 1000
    return (ts_ms // size + 1) * size
