"""The tables behind CloudWatch metrics and ALB access logs: `requests`, one row per request of a load balancer
with access logs enabled (Traefik's access log, provider/accesslogs/tail.py); `metric_data`, what PutMetricData
and the host-count sampler put; `alb_*`, per-second sums of what Traefik counted, rolled up on CloudWatch's
retention ladder (provider/telemetry/); `telemetry_counted`, what was counted of each Traefik. Names are ALB's.

Times are epoch milliseconds (UTC) so that period bucketing is integer arithmetic: ``ts_ms // (period*1000)``.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping

# Seconds one row covers, one pair of tables each (an age's rows go as whole row groups, and a query reads only
# the resolutions it needs): CloudWatch's retention ladder, finest first.
RESOLUTIONS = (1, 60, 300, 3600)


def stats(resolution: int) -> str:
    """The per-span sums of one resolution: ``stats(60)`` -> 'alb_stats_60'."""
    return f"alb_stats_{resolution}"


def latency(resolution: int) -> str:
    """The latency histograms of one resolution: ``latency(60)`` -> 'alb_latency_60'."""
    return f"alb_latency_{resolution}"


# A span's histogram of one group is one row of lists, not a row per bucket: the ~100-500 buckets a second hit were
# most of what the metrics pipeline wrote, and a query reads a row a span. Rows of the histograms, a bucket each,
# and back (aggregates over (bucket, n) rows):
UNPACKED = "ts_s, load_balancer, target_group, unnest(buckets) AS bucket, unnest(counts) AS n"
PACKED = "list(bucket ORDER BY bucket) AS buckets, list(n ORDER BY bucket) AS counts"


def encode_counted(values: Mapping[str, float]) -> bytes:
    """A Traefik's series -> their last values counted, as one compressed blob: rewritten whole each second, one
    row instead of a row per changed series (a histogram changes most of its buckets every second)."""
    return zlib.compress("\n".join(f"{k} {v!r}" for k, v in values.items()).encode(), 1)


def decode_counted(blob: bytes) -> dict[str, float]:
    text = zlib.decompress(blob).decode()
    return {k: float(v) for k, _, v in (line.rpartition(" ") for line in text.split("\n"))} if text else {}


TELEMETRY_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    ts_ms BIGINT NOT NULL,               -- when the response was complete (Traefik StartUTC + Duration)
    load_balancer TEXT NOT NULL,         -- CloudWatch dimension value: 'app/<name>/<id>'
    listener_port INTEGER NOT NULL,
    rule_priority INTEGER NOT NULL,      -- ALB's matched_rule_priority: 0 for the default rule
    action TEXT NOT NULL,                -- 'forward' | 'fixed-response' | 'redirect'
    target_group TEXT,                   -- 'targetgroup/<name>/<id>'; NULL when no group was picked
    target TEXT,                         -- 'ip:port' the request went to; NULL when none
    elb_status INTEGER NOT NULL,         -- what the client got (Traefik DownstreamStatus)
    target_status INTEGER,               -- what the target answered (OriginStatus); NULL when it did not answer
    request_s DOUBLE NOT NULL,           -- ALB request_processing_time
    target_s DOUBLE,                     -- ALB target_processing_time (Traefik OriginDuration); NULL: no answer
    response_s DOUBLE NOT NULL,          -- ALB response_processing_time
    received_bytes BIGINT NOT NULL,
    sent_bytes BIGINT NOT NULL,
    client TEXT NOT NULL,                -- 'ip:port'
    method TEXT NOT NULL,
    url TEXT NOT NULL,                   -- scheme://host:port/path?query, as ALB's request field has it
    protocol TEXT NOT NULL,              -- 'HTTP/1.1'
    user_agent TEXT NOT NULL,
    connection_error BOOLEAN NOT NULL    -- the target could not be reached (TargetConnectionErrorCount)
);
CREATE TABLE IF NOT EXISTS log_positions (
    source TEXT PRIMARY KEY,             -- which Traefik access log (one per Traefik instance)
    file_id TEXT NOT NULL,               -- identity of the file read (device:inode), to notice rotation
    offset_bytes BIGINT NOT NULL         -- bytes consumed; commits in the same transaction as the rows
);
CREATE TABLE IF NOT EXISTS metric_data (
    namespace TEXT NOT NULL,
    metric_name TEXT NOT NULL,
    dimensions TEXT NOT NULL,            -- canonical JSON: [[name, value], ...] sorted by name
    ts_ms BIGINT NOT NULL,
    unit TEXT NOT NULL,                  -- 'None' when not given
    value DOUBLE,                        -- a raw value (percentiles need these) ...
    repeat DOUBLE NOT NULL DEFAULT 1,    -- ... counted this many times (PutMetricData Values/Counts)
    sample_count DOUBLE,                 -- or a StatisticSet (then value is NULL)
    sum DOUBLE,
    minimum DOUBLE,
    maximum DOUBLE
);
CREATE TABLE IF NOT EXISTS telemetry_rollups (
    resolution INTEGER PRIMARY KEY,
    done_until BIGINT NOT NULL           -- rows of this resolution exist for every span before this second
);
CREATE TABLE IF NOT EXISTS telemetry_counted (
    source TEXT PRIMARY KEY,             -- a Traefik's metrics address
    counted BLOB NOT NULL                -- encode_counted(): each Prometheus series as Traefik names it (or
                                         -- 'carry:<lb>:<status>') -> its last value counted
);
""" + "".join(
    f"""
CREATE TABLE IF NOT EXISTS {stats(r)} (
    ts_s BIGINT NOT NULL,                -- start of the span, epoch seconds
    metric TEXT NOT NULL,                -- CloudWatch's name; RuleRequestCount: the status page's per rule
    load_balancer TEXT NOT NULL,         -- 'app/<name>/<id>'
    target_group TEXT NOT NULL,          -- 'targetgroup/<name>/<id>'; '' when no group's
    rule TEXT NOT NULL,                  -- '<port>/<priority>' for RuleRequestCount, else ''
    value DOUBLE NOT NULL                -- a sum (TargetResponseTime: of seconds)
);
CREATE TABLE IF NOT EXISTS {latency(r)} (
    ts_s BIGINT NOT NULL,
    load_balancer TEXT NOT NULL,
    target_group TEXT NOT NULL,
    buckets SMALLINT[] NOT NULL,         -- indexes into provider/traefik/static.py BOUNDS, ascending
    counts DOUBLE[] NOT NULL,            -- target responses in each
    cum DOUBLE[],                        -- rolled-up rows: the span's responses up to each bucket (percentiles)
    total DOUBLE                         -- rolled-up rows: the span's responses
);"""
    for r in RESOLUTIONS
)
