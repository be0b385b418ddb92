"""The background task: read every Traefik once a second, on the second, so that each scrape's increments
belong to one whole second; roll up and apply the retention ladder every ``ROLLUP_EVERY_S``, after a scrape, so
that the seconds rolled up are complete. The server runs it; the counts go to the metrics process (``Ledger``)."""

from __future__ import annotations

import asyncio
import logging
import math
import time

from provider.background import Due, every
from provider.store import Store
from provider.telemetry.names import Names
from provider.telemetry.sources import Ledger, Reader, Sources

log = logging.getLogger("elbv2.metrics")

SCRAPE_EVERY_S = 1.0
ROLLUP_EVERY_S = 10.0


def scrape_all(store: Store, sources: Sources, readers: dict[str, Reader], tables: Ledger, names: Names,
               tick: float) -> None:
    names.update(store.snapshot())
    second = math.floor(tick - SCRAPE_EVERY_S / 2)  # the increments since the last tick belong to this second
    current = sources.current()
    for url in current:
        reader = readers.get(url) or readers.setdefault(url, Reader(url, tables))
        try:
            reader.read(names, second)
            if reader.failing:
                log.info("reading Traefik metrics at %s again", url)
            reader.failing = False
        except Exception as e:  # gone, restarting, or not a Traefik: nothing was written; the next tick retries
            if not reader.failing:
                log.warning("cannot read Traefik metrics at %s: %s", url, e)
            reader.failing = True
    for url in set(readers) - set(current):
        del readers[url]


async def run_telemetry(store: Store, tables: Ledger, sources: Sources) -> None:
    """Until cancelled (an app background task). ``store``: the state, for the names."""
    try:
        for url in await asyncio.to_thread(tables.sources):
            sources.announce(url)
    except Exception as e:  # read at the next poll of each, then
        log.warning("cannot list the Traefiks read before: %s", e)
    names, readers = Names(), dict[str, Reader]()
    rollup = Due(ROLLUP_EVERY_S)

    async def step(tick: float) -> None:
        await asyncio.to_thread(scrape_all, store, sources, readers, tables, names, tick)
        if rollup.due():
            await asyncio.to_thread(tables.roll_up, int(time.time()))

    # The database refused: nothing was half-written; the next tick tries again.
    await every(SCRAPE_EVERY_S, step, log=log, failure="metrics", aligned=True)
