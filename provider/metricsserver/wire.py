"""What the server and the metrics process say to each other besides CloudWatch's own requests: the paths of
the internal routes and their JSON bodies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from provider.cloudwatch.sampler import HostCounts
from provider.telemetry.counting import Increments

HEALTH = "/healthz"
SOURCES = "/internal/sources"  # GET: every Traefik read before
COUNTED = "/internal/counted"  # GET ?source=: what was counted of it
COMMIT = "/internal/commit"  # POST: one scrape's increments and what is now counted, atomically
ROLL_UP = "/internal/roll-up"  # POST: roll up and apply the retention ladder
HOST_COUNTS = "/internal/host-counts"  # POST: the targets' health, sampled
TRAFFIC = "/internal/traffic"  # GET ?since=&until=: the status page's rows


def commit_body(source: str, second: int, found: Increments, counted: Mapping[str, float]) -> dict[str, Any]:
    return {
        "source": source,
        "second": second,
        "counts": [[*key, value] for key, value in found.counts.items()],
        "latency": [[lb, tg, sorted(hist.items())] for (lb, tg), hist in found.latency.items()],
        "counted": dict(counted),
    }


def commit_of(body: Mapping[str, Any]) -> tuple[str, int, Increments, dict[str, float]]:
    found = Increments()
    for metric, lb, tg, rule, value in body["counts"]:
        found.counts[(metric, lb, tg, rule)] = value
    found.latency = {(lb, tg): {int(bucket): n for bucket, n in hist} for lb, tg, hist in body["latency"]}
    return body["source"], int(body["second"]), found, dict(body["counted"])


def host_counts_body(counts: Sequence[HostCounts], at_ms: int) -> dict[str, Any]:
    return {"at_ms": at_ms, "counts": [[c.load_balancer, c.target_group, c.healthy, c.unhealthy] for c in counts]}


def host_counts_of(body: Mapping[str, Any]) -> tuple[list[HostCounts], int]:
    return [HostCounts(lb, tg, int(h), int(u)) for lb, tg, h, u in body["counts"]], int(body["at_ms"])
