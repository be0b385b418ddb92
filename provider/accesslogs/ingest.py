"""Traefik's JSON access log -> ALB request records (the ``requests`` table), Traefik's names turned back into ALB's.

The compiler names a rule's router ``<lb>-<port>-<p<priority>|default>-<rule key>`` and a target group's service
``tg-<name>`` (``tg-<name>-<id>`` when names repeat, ``-tls`` for a secure sticky variant); fixed responses and
redirects go to ``elbv2-answered`` (the alb plugin answers them). A line names the router it matched and the leaf
service that served it, so:

    {"RouterName": "web-80-p10-9683b2d02a6cabee@http", "ServiceName": "tg-v2@http", "OriginStatus": 200, ...}
    -> Request(load_balancer="app/web/50dc6c495c0c9188", listener_port=80, rule_priority=10, action="forward",
               target_group="targetgroup/v2/73e2d6bc24d8a067", target="127.0.0.1:9001", target_status=200, ...)

Lines that match no rule of ours (Traefik's own 404, the placeholder) give no row: ALB has no such requests.
A rule deleted before its lines are read still resolves: routes once seen are remembered (telemetry/names.py).
Only the routers of load balancers with access logs enabled write lines (compiler.py); metrics come from
Traefik's counters (provider/telemetry/).

The mapping is one SQL query over the lines (INGEST_SELECT, run by provider/accesslogs/rows.py): DuckDB parses
JSON about ten times faster than json.loads, and ingestion shares two cores with Traefik at full speed.
"""

from __future__ import annotations

import json

from provider.telemetry.counting import PROXY_TEXT

USER_AGENT_FIELD = "request_User-Agent"  # present when the static config keeps the User-Agent header
# When Traefik cannot reach a target it answers 502 "Bad Gateway" itself and logs that as OriginStatus too; a
# target answering exactly that is taken for a connection error (ALB: TargetConnectionErrorCount, target "-").
_PROXY_ERROR = (502, PROXY_TEXT[502])


# Traefik's access-log fields, read by DuckDB's json_transform (a field of another type reads as NULL).
_FIELDS = {
    "RouterName": "VARCHAR", "ServiceName": "VARCHAR", "ServiceAddr": "VARCHAR", "OriginStatus": "INTEGER",
    "OriginContentSize": "BIGINT", "DownstreamStatus": "INTEGER", "Duration": "BIGINT", "OriginDuration": "BIGINT",
    "StartUTC": "VARCHAR", "RequestMethod": "VARCHAR", "RequestPath": "VARCHAR", "RequestHost": "VARCHAR",
    "RequestProtocol": "VARCHAR", "RequestScheme": "VARCHAR", "RequestContentSize": "BIGINT",
    "DownstreamContentSize": "BIGINT", "ClientHost": "VARCHAR", "ClientPort": "VARCHAR", USER_AGENT_FIELD: "VARCHAR",
}  # fmt: skip

# ``?`` is the list of lines; ``_routes(rule_key, load_balancer, listener_port, rule_priority, action)`` and
# ``_route_groups(rule_key, service, target_group)`` hold ``Names.tables()`` (provider/telemetry/names.py). The
# output columns are accesslogs.record.COLUMNS. Lines without a route of ours (Traefik's own 404s, bad JSON)
# give no row.
INGEST_SELECT = f"""
WITH parsed AS (
    SELECT json_transform(line, '{json.dumps(_FIELDS)}') AS j FROM (SELECT unnest(?::VARCHAR[]) AS line)
    WHERE json_valid(line)
), named AS (
    SELECT j.*, split_part(split_part(j.RouterName, '@', 1), '-', -1) AS rule_key,
        split_part(j.ServiceName, '@', 1) AS service,
        epoch_us(TRY_CAST(j.StartUTC AS TIMESTAMPTZ)) AS start_us FROM parsed
), resolved AS (
    SELECT n.*, r.load_balancer, r.listener_port, r.rule_priority, r.action, g.target_group,
        CASE WHEN g.target_group IS NOT NULL THEN nullif(n.ServiceAddr, '') END AS target,
        coalesce(n.OriginStatus, 0) = {_PROXY_ERROR[0]} AND n.OriginContentSize = {_PROXY_ERROR[1]} AS unreachable
    FROM named n JOIN _routes r USING (rule_key)
    LEFT JOIN _route_groups g ON r.action = 'forward' AND g.rule_key = n.rule_key AND g.service = n.service
    WHERE n.start_us IS NOT NULL AND n.DownstreamStatus IS NOT NULL
), answered AS (
    SELECT *, CASE WHEN target IS NOT NULL AND OriginStatus > 0 AND NOT unreachable THEN OriginStatus END
        AS target_status FROM resolved
)
SELECT
    CAST(round((start_us + coalesce(Duration, 0) / 1000) / 1000) AS BIGINT),
    load_balancer, listener_port, rule_priority, action, target_group, target, DownstreamStatus, target_status,
    (coalesce(Duration, 0) - CASE WHEN target_status IS NULL THEN 0 ELSE coalesce(OriginDuration, 0) END) / 1e9,
    CASE WHEN target_status IS NOT NULL THEN coalesce(OriginDuration, 0) / 1e9 END,
    0.0,
    coalesce(RequestContentSize, 0), coalesce(DownstreamContentSize, 0),
    coalesce(ClientHost, '-') || ':' || coalesce(ClientPort, '0'),
    coalesce(RequestMethod, '-'),
    coalesce(RequestScheme, 'http') || '://' || coalesce(RequestHost, '-') || ':' || listener_port
        || coalesce(RequestPath, '/'),
    coalesce(RequestProtocol, '-'),
    coalesce(j_ua, '-'),
    target IS NOT NULL AND (unreachable OR coalesce(OriginStatus, 0) = 0)
FROM (SELECT *, "{USER_AGENT_FIELD}" AS j_ua FROM answered)
"""
