"""CloudWatch in a process of its own (the metrics process).

It holds the metrics tables in their own DuckDB file (``Settings.metrics_db``): the per-second telemetry and its
rollups, `metric_data`, alarms, dashboards, anomaly detectors and their tags. It serves the cloudwatch service and
the dashboards' pages, rolls up, applies retention and evaluates alarms. The server (provider/app.py) starts it,
relays CloudWatch's requests to it as bytes over a Unix socket, and sends it what only the server knows: each
Traefik scrape's increments and the targets' host counts.

Why a process: a metrics query's Python work holds the GIL, and on a busy machine each handover of the GIL delayed
the server's API answers and Traefik's config polls (bench/metrics_stalls.py). Two processes share no GIL.
"""
