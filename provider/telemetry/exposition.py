"""Prometheus text (Traefik's /metrics) -> the series that changed since the previous scrape, and those gone.

Only the families ``counting`` reads are kept. Lines are compared whole, as sets (C speed), so an idle series
costs nothing past the set difference; only changed lines are parsed.

>>> text = 'traefik_service_requests_total{code="200",service="tg-a@http"} 7\\ngo_goroutines 12\\n'
>>> scrape = Scrape.parse(text)
>>> changes, gone = scrape.changes(Scrape.parse(""))
>>> changes
{'traefik_service_requests_total{code="200",service="tg-a@http"}': 7.0}
>>> series('traefik_service_requests_total{code="200",service="tg-a@http"}')
('traefik_service_requests_total', {'code': '200', 'service': 'tg-a@http'})
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FAMILIES = (
    "traefik_service_requests_total",
    "traefik_service_responses_bytes_total",
    "traefik_service_request_duration_seconds_bucket",
    "traefik_service_request_duration_seconds_sum",
    "traefik_router_requests_total",
    "traefik_router_requests_bytes_total",
    "traefik_router_responses_bytes_total",
    "process_start_time_seconds",
)
_WANTED = tuple(f + "{" for f in FAMILIES[:-1]) + (FAMILIES[-1] + " ",)
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')

Labels = dict[str, str]


@dataclass(frozen=True, slots=True)
class Scrape:
    lines: frozenset[str]  # the wanted lines, as Traefik wrote them

    @staticmethod
    def parse(text: str) -> Scrape:
        return Scrape(frozenset(line for line in text.split("\n") if line.startswith(_WANTED)))

    def keys(self) -> set[str]:
        """Every series in this scrape."""
        return {line.rpartition(" ")[0] for line in self.lines}

    def changes(self, before: Scrape) -> tuple[dict[str, float], set[str]]:
        """(series -> its value now, for the series that are new or changed; the series no longer there)."""
        now = {key: value for key, _, value in (line.rpartition(" ") for line in self.lines - before.lines)}
        old = {line.rpartition(" ")[0] for line in before.lines - self.lines}
        return {key: float(value) for key, value in now.items()}, old - now.keys()


def series(key: str) -> tuple[str, Labels]:
    """'name{a="1",b="2"}' -> ('name', {'a': '1', 'b': '2'})."""
    name, _, rest = key.partition("{")
    return name, dict(_LABEL.findall(rest))
