"""ALB access logs, for the load balancers that keep them (``access_logs.s3.enabled``): Traefik's JSON access log
followed exactly once (tail.py) and mapped to ALB request records in SQL (ingest.py, record.py), kept as rows of
the ``requests`` table and written as ALB's gzip'd log files (alb.py, files.py). Metrics do not come from here
(provider/telemetry/)."""
