"""ALB access logs: one record per request Traefik served (record.py), written as ALB's gzip'd log files (files.py)."""
