"""The background health prober: one schedule per probed target, a bounded number of probes in flight.

Every probe reads its group's settings from the latest snapshot, so ModifyTargetGroup takes effect at the
next probe. Like ALB, a target is checked every interval whatever the probe took ("each health check
request is independent and lasts the entire interval"). The same loop ends deregistration delays: a
draining target whose delay is over is deleted from the store.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from provider.background import every
from provider.elbv2.context import InstanceResolver
from provider.elbv2.model import HealthCheck, ProtocolName, State, Target, TargetKey, TargetType
from provider.store import Store
from provider.targets import probe
from provider.targets.health import HealthMonitor, Outcome, Probe, drained, probed

log = logging.getLogger("elbv2.health")

MAX_PROBES_IN_FLIGHT = 64
TICK_SECONDS = 0.1  # how often the schedules are matched to the store and drained targets are removed


async def run_health(
    store: Store, health: HealthMonitor, instances: InstanceResolver | None = None, time_scale: float = 1.0
) -> None:
    """Probe every target of every group in use until cancelled (an app background task); ``time_scale``
    multiplies intervals, timeouts and deregistration delays."""
    await Prober(store, health, instances, time_scale).run()


class Prober:
    def __init__(
        self,
        store: Store,
        health: HealthMonitor,
        instances: InstanceResolver | None = None,
        time_scale: float = 1.0,
        concurrency: int = MAX_PROBES_IN_FLIGHT,
    ) -> None:
        self._store, self._health, self._instances = store, health, instances
        self._scale = time_scale
        self._slots = asyncio.Semaphore(concurrency)
        self._schedules: dict[TargetKey, tuple[datetime, asyncio.Task[None]]] = {}
        self._seen: tuple[int, frozenset[str]] | None = None

    async def run(self) -> None:
        try:
            await every(TICK_SECONDS, self._tick, log=log, failure="could not follow targets or remove drained ones")
        finally:
            tasks = [task for _, task in self._schedules.values()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _tick(self, _: float) -> None:
        state = self._store.snapshot()
        self._sync(state)
        if self._health.ramping:  # slow start: weights move with the clock, not with probes
            self._health.refresh(state)
        await self._expire(state)

    def _sync(self, state: State) -> None:
        """Start and stop schedules to match the probed targets; runs when the state or stopped set changed."""
        health = self._health
        seen = (state.version, health.stopped)
        if seen == self._seen:
            return
        self._seen = seen
        wanted = {t.key: t for t in state.targets.values() if probed(state, t, health.stopped)}
        for key, (registered_at, task) in list(self._schedules.items()):
            target = wanted.get(key)
            if target is None or target.registered_at != registered_at or task.done():
                task.cancel()
                del self._schedules[key]
        for key, target in wanted.items():
            if key not in self._schedules:
                self._schedules[key] = (target.registered_at, asyncio.create_task(self._schedule(key)))
        health.forget(wanted)
        health.refresh(state)

    async def _schedule(self, key: TargetKey) -> None:
        loop = asyncio.get_running_loop()
        while True:
            state = self._store.snapshot()
            target = state.targets.get(key)
            tg = state.target_groups.get(key[0])
            if target is None or tg is None:
                return
            check = tg.health_check
            started = loop.time()
            async with self._slots:
                seen = await self._probe(target, check)
            state = self._store.snapshot()  # a probe must not revive a target removed meanwhile
            if probed(state, target, self._health.stopped) and state.targets.get(key) == target:
                self._health.record_probe(state, target, seen)
            await asyncio.sleep(max(0.0, started + check.interval_seconds * self._scale - loop.time()))

    async def _probe(self, target: Target, check: HealthCheck) -> Probe:
        host = await self._address(target)
        if host is None:
            return Probe(Outcome.FAILED)
        port = target.port if check.port == "traffic-port" else int(check.port)
        timeout = check.timeout_seconds * self._scale
        https = check.protocol is ProtocolName.HTTPS
        return await probe.check(host, port, check.path, check.matcher, timeout, https=https)

    async def _address(self, target: Target) -> str | None:
        tg = self._store.snapshot().target_groups.get(target.target_group_arn)
        if tg is None or tg.target_type != TargetType.INSTANCE:
            return target.id  # an ip target
        if self._instances is None:
            return None
        return await asyncio.to_thread(self._instances.address, target.id)

    async def _expire(self, state: State) -> None:
        """Delete the draining targets whose deregistration delay is over (one transaction)."""
        done = drained(state, datetime.now(UTC), self._scale)
        if not done:
            return

        def delete() -> None:
            with self._store.write() as tx:
                for target in done:
                    if tx.state.targets.get(target.key) == target:  # not re-registered meanwhile
                        tx.delete(target)

        await asyncio.to_thread(delete)  # when the store refuses, the next tick tries again
