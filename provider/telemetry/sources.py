"""The Traefiks to read, and reading one.

Each Traefik announces where its Prometheus metrics are in a header of its config poll (``X-Elbv2-Metrics``, set in
its static config: provider/traefik/static.py, traefik/traefik.yml), so `up`, compose and a Traefik of your own
are found alike. A source is read while it keeps polling, and for ``FORGET_S`` after (its last counts: a stopping
Traefik keeps its metrics entryPoint open a moment after its listeners closed). A restarted provider reads the
sources it read before at once. What a Traefik counted while no provider ran is read when one runs again, unless
that Traefik stopped in the meantime.
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.request
from collections.abc import Mapping
from typing import Protocol

from provider.telemetry.counting import Carry, Increments, increments
from provider.telemetry.exposition import Scrape
from provider.telemetry.names import Names

log = logging.getLogger("elbv2.metrics")

FORGET_S = 30.0
TIMEOUT_S = 2.0
START = "process_start_time_seconds"  # a Traefik restart starts every counter again from 0
CARRY = "carry:"


class Ledger(Protocol):
    """Where the counts go: telemetry.tables.Tables, in the metrics process; the server reaches them through
    metricsserver.client.Client."""

    def sources(self) -> list[str]: ...

    def counted(self, source: str) -> dict[str, float]: ...

    def commit(self, source: str, second: int, found: Increments, counted: Mapping[str, float]) -> None: ...

    def roll_up(self, now_s: int) -> None: ...


class Sources:
    """Metrics addresses announced by config polls (any thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, float] = {}

    def announce(self, url: str | None) -> None:
        if url and url.startswith(("http://", "https://")):
            with self._lock:
                self._seen[url] = time.monotonic()

    def current(self) -> list[str]:
        limit = time.monotonic() - FORGET_S
        with self._lock:
            for url in [u for u, t in self._seen.items() if t < limit]:
                del self._seen[url]
            return sorted(self._seen)


class Reader:
    """One Traefik's counters since the last committed scrape (what was counted: ``Ledger.counted``)."""

    def __init__(self, url: str, tables: Ledger) -> None:
        self.url, self.tables = url, tables
        self._previous = Scrape(frozenset())
        self._baselines: dict[str, float] | None = None
        self.failing = False

    def read(self, names: Names, second: int) -> None:
        with urllib.request.urlopen(self.url, timeout=TIMEOUT_S) as response:
            scrape = Scrape.parse(response.read().decode("utf-8", "replace"))
        changes, gone = scrape.changes(self._previous)
        if self._baselines is None:  # first read since the provider started: what it stored, less what is gone
            baselines = self.tables.counted(self.url)
            gone |= {k for k in baselines if not k.startswith(CARRY)} - scrape.keys()
        else:
            baselines = self._baselines
        started = next((v for k, v in changes.items() if k.startswith(START)), None)
        # A restart starts every counter again from 0. Its start time alone is no proof: it is derived from the boot
        # time, which moves when the clock is stepped (seen in a loaded VM, four times in a minute), so a counter
        # must have gone down too.
        reset = started is not None and baselines.get(START, started) != started and any(
            value < baselines.get(key, 0.0) for key, value in changes.items() if not key.startswith(START)
        )
        carry: Carry = {}
        for key, value in baselines.items():
            if key.startswith(CARRY):
                lb, _, code = key[len(CARRY):].rpartition(":")
                carry[(lb, int(code))] = value
        if reset:  # every series counts from 0 again, even one that is back at the very value it had
            baselines, (changes, gone) = {}, scrape.changes(Scrape(frozenset()))
        deltas: dict[str, float] = {}
        for key, value in changes.items():
            old = baselines.get(key, 0.0)
            if key.startswith(START) or value == old:
                continue
            deltas[key] = value - old if value > old else value  # lower: the series started again
        found = increments(deltas, names, carry)
        carried = {f"{CARRY}{lb}:{code}": v for (lb, code), v in carry.items()}
        changed = {**changes, **carried}
        dropped = [*gone, *(k for k in baselines if k.startswith(CARRY) and k not in carried)]
        counted = {**baselines, **changed}
        for key in dropped:
            counted.pop(key, None)
        try:
            self.tables.commit(self.url, second, found, counted)
        except BaseException:
            # It may have committed all the same (an answer lost on the way back): start again from what the
            # ledger holds, as after a restart, so that nothing is counted twice.
            self._baselines, self._previous = None, Scrape(frozenset())
            raise
        self._baselines, self._previous = counted, scrape
