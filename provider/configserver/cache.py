"""The compiled config Traefik polls, cached per change, and the long poll that holds a poller until a change.

The config is compiled once per (store, health, certificates) version, on the first poll after a change, in a
worker thread (instance addresses may ask Docker), and every poll until the next change gets the cached bytes
(the whole config and every listener port's part are rendered together; only the bytes are kept).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from provider.compiler.compile import CompileMemo, CompileOptions, KeyPair, compile_entries
from provider.configserver.memory import release_free_memory
from provider.elbv2.arns import region_of
from provider.elbv2.context import InstanceResolver
from provider.elbv2.model import State, TargetType
from provider.store import Store
from provider.targets.health import HealthMonitor

WATCH_S = 0.005  # how often held polls' versions are compared (one watcher task for all of them)
_SERVED_MAX = 4096  # poller connections remembered; past that the memory restarts (each gets one quick answer)



class CertificateSource(Protocol):
    """The certificates HTTPS listeners may name (provider/acm/served.py); ``version`` bumps on every change."""

    @property
    def version(self) -> int: ...

    def key_pairs(self) -> Mapping[str, KeyPair]: ...


class PublicKeysCertificates(Protocol):
    """The certificates of ``public-keys.auth.elb.<region>.amazonaws.com`` that HTTPS listener ports serve; the same
    pair for a region every time (the config's bytes depend on it)."""

    def pairs(self, regions: Iterable[str]) -> Mapping[str, KeyPair]: ...


class _NoCertificates:
    version = 0

    def key_pairs(self) -> Mapping[str, KeyPair]:
        return {}


Key = tuple[int, int, int]  # (store version, health version, certificates version)


@dataclass(frozen=True)
class Compiled:
    """Only bytes are kept (the config dict is ~5x their size): the whole config and each listener port's part."""

    key: Key
    body: bytes
    ports: dict[int, bytes]
    empty_port: bytes  # the answer for a port without listeners: the placeholder only

    def port_body(self, port: int) -> bytes:
        return self.ports.get(port, self.empty_port)


def routable_servers(
    health: HealthMonitor, addresses: InstanceResolver | None, state: State
) -> dict[str, list[tuple[str, int]]]:
    """Target group ARN -> sorted routable endpoints; instance targets without an address are left out."""
    servers: dict[str, list[tuple[str, int]]] = {}
    for arn, tg in state.target_groups.items():
        endpoints: set[tuple[str, int]] = set()
        for target in health.routable(state, arn):
            if tg.target_type == TargetType.IP:
                endpoints.add((target.id, target.port))
            elif tg.target_type == TargetType.INSTANCE and addresses is not None:
                host = addresses.address(target.id)
                if host:
                    endpoints.add((host, target.port))
        servers[arn] = sorted(endpoints)
    return servers


def ramp_weights(health: HealthMonitor, state: State) -> dict[str, dict[tuple[str, int], int]]:
    """Groups whose target ramps up (slow start): (host, port) -> weight; ip targets (the host is the id)."""
    return {
        arn: weights
        for arn, tg in state.target_groups.items()
        if tg.target_type == TargetType.IP and (weights := health.weights(arn))
    }


def public_key_pairs(source: PublicKeysCertificates | None, state: State) -> Mapping[str, KeyPair]:
    """The certificates of the signing keys' host names of the regions ``state``'s load balancers are in."""
    return source.pairs({region_of(lb.arn) for lb in state.load_balancers.values()}) if source else {}


class ConfigCache:
    """Compiles lazily, once per change; concurrent polls after a change share one compilation.

    Long poll (opt-in, ``/traefik/config?wait_ms=800``): a keep-alive poller that already got the current
    config is held until the config changes or ``wait_ms`` passes, so a change reaches Traefik at once instead
    of at its next tick, and an idle Traefik costs one request per ``wait_ms``. Pollers are told apart by their
    connection (Go's client keeps one alive); a new connection is always answered at once."""

    def __init__(
        self, store: Store, health: HealthMonitor, instances: InstanceResolver | None, base_url: str,
        certificates: CertificateSource | None = None, session_key: bytes = b"",
        public_keys: PublicKeysCertificates | None = None,
    ) -> None:
        self.store, self.health, self.instances = store, health, instances
        self.certificates: CertificateSource = certificates or _NoCertificates()
        self.public_keys = public_keys
        self.options = CompileOptions(fixed_response_url=base_url, session_key=session_key)
        self.memo = CompileMemo()  # the last compile's texts: a recompile redoes only what changed
        self._current: Compiled | None = None
        self._lock = asyncio.Lock()
        self._served: dict[tuple[str, int], Key] = {}  # poller connection -> key it last got
        self._changed: asyncio.Event | None = None
        self._held = 0
        self._watcher: asyncio.Task[None] | None = None

    async def poll(self, client: tuple[str, int] | None, wait_ms: int) -> Compiled:
        current = await self.get()
        if client is None or wait_ms <= 0:
            return current
        if self._served.get(client) == current.key:
            current = await self._next(current.key, wait_ms / 1000)
        if len(self._served) >= _SERVED_MAX:
            self._served.clear()
        self._served[client] = current.key
        return current

    async def _next(self, key: Key, wait_s: float) -> Compiled:
        """The config once its key differs from ``key``, or the current one after ``wait_s``."""
        self._held += 1
        if self._watcher is None or self._watcher.done():
            self._watcher = asyncio.create_task(self._watch())
        try:
            async with asyncio.timeout(wait_s):
                while self._key() == key:
                    if self._changed is None:
                        self._changed = asyncio.Event()
                    await self._changed.wait()
        except TimeoutError:
            pass
        finally:
            self._held -= 1
        return await self.get()

    async def _watch(self) -> None:
        # Writes bump the versions from any thread and announce nothing: compare them while polls are held.
        key = self._key()
        while self._held:
            await asyncio.sleep(WATCH_S)
            if self._key() != key:
                key = self._key()
                changed, self._changed = self._changed, None
                if changed is not None:
                    changed.set()

    def _key(self) -> Key:
        return (self.store.version, self.health.version, self.certificates.version)

    async def get(self) -> Compiled:
        current = self._current
        if current is not None and current.key == self._key():
            return current
        async with self._lock:
            if self._current is None or self._current.key != self._key():
                self._current = await asyncio.to_thread(self.compile)
            return self._current

    def compile(self) -> Compiled:
        # The versions are read before the snapshot, so the content is never older than its key.
        key = self._key()
        state = self.store.snapshot()
        servers = routable_servers(self.health, self.instances, state)
        pairs = self.certificates.key_pairs()
        entries = compile_entries(state, servers, self.options, self.memo, ramp_weights(self.health, state), pairs,
                                  public_key_pairs(self.public_keys, state))
        ports = {li.port for li in state.listeners.values()}
        compiled = Compiled(
            key=key,
            body=entries.render(),
            ports={p: entries.render(p) for p in sorted(ports)},
            empty_port=entries.render(0),
        )
        del entries
        release_free_memory()
        return compiled
