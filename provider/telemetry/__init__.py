"""From the requests Traefik served to CloudWatch's AWS/ApplicationELB numbers, at a cost flat in traffic.

Traefik counts every request itself (Prometheus counters and latency histograms per router and per leaf
service); this package reads those counters every second and keeps per-second sums, rolled up on CloudWatch's
retention ladder. Nothing here is done per request:

- ``buckets``: the latency histogram's bounds (Traefik's static config) and percentiles from bucket counts;
- ``exposition``: Prometheus text -> the counters that changed since the last scrape;
- ``names``: Traefik's router and service names -> ALB's load balancer, rule and target group;
- ``counting``: one scrape's counter deltas -> ALB metric increments (pure);
- ``sources``: the Traefiks to read (each announces its metrics address on its config poll) and one scrape;
- ``tables``: the DuckDB tables, their writes, rollups and retention; ``queries``: what CloudWatch and the
  status page read; ``loop``: the background task.

Per-request records exist only for load balancers with access logs enabled (provider/accesslogs/).
"""
