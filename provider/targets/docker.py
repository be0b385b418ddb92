"""Docker containers as `instance` targets, and ECS-style auto-registration by label.

- `connect(settings)` -> `DockerInstances` when an engine answers (DOCKER_HOST or the default socket) within
  a short timeout, else None (instance targets are then refused).
- `DockerInstances.validate(id)` accepts a container name, id or id prefix; `address(id)` is the container's
  IP on `settings.docker_network` (default: its first network), cached and refreshed from engine events.
- `run_containers(store, health, instances)` follows the engine's events: a container that stops makes its targets
  `unused` (Target.InvalidState) at once, so they leave the routable set; one that starts again is probed back in.
  Containers labelled ``elbv2.target-group=<name>`` (``elbv2.port=<port>``, default the group's port) join
  it when they start (or it appears) and drain at the `kill` event of `docker stop`, before they exit (as ECS).

Reaching containers: with `up` on a Linux host, container IPs on the default bridge are routable from the
host. In the compose stack, the provider, Traefik and the targets share one network, and ELBV2_DOCKER_NETWORK
names it as the engine knows it (compose.yaml: ``elbv2-demo``): addresses are taken where Traefik reaches.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import docker
import docker.errors
import requests.exceptions

from provider.background import every
from provider.elbv2.model import State, Target, TargetGroup, TargetType
from provider.errors import InvalidTarget
from provider.settings import Settings
from provider.store import Store
from provider.targets.health import HealthMonitor

log = logging.getLogger("elbv2.containers")

CONNECT_TIMEOUT_SECONDS = 3
LABEL_GROUP = "elbv2.target-group"
LABEL_PORT = "elbv2.port"
RETRY_SECONDS = 2.0  # wait before following events again after the stream broke
WATCH_SECONDS = 0.2  # how often the store is checked for new instance targets and new groups
EVENTS = {"start", "die", "destroy", "rename", "pause", "unpause", "kill"}
STOPPING_SIGNALS = {"2", "3", "9", "15"}  # INT, QUIT, KILL, TERM: `docker stop` sends TERM, then KILL
DockerError = (docker.errors.DockerException, requests.exceptions.RequestException)


@dataclass(frozen=True)
class Container:
    id: str
    name: str
    running: bool
    addresses: Mapping[str, str] = field(default_factory=dict)  # network name -> IP, in the engine's order
    labels: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_inspect(cls, attrs: Mapping[str, Any]) -> Container:
        state = attrs.get("State") or {}
        networks = (attrs.get("NetworkSettings") or {}).get("Networks") or {}
        return cls(
            id=attrs["Id"],
            name=str(attrs.get("Name", "")).lstrip("/"),
            running=bool(state.get("Running")) and not state.get("Paused"),
            addresses={n: v["IPAddress"] for n, v in networks.items() if v and v.get("IPAddress")},
            labels=(attrs.get("Config") or {}).get("Labels") or {},
        )

    def address(self, network: str | None) -> str | None:
        if not self.running:
            return None
        if network is not None:
            return self.addresses.get(network)
        return next(iter(self.addresses.values()), None)


def connect(settings: Settings) -> DockerInstances | None:
    """The engine named by DOCKER_HOST (or the default socket), or None when none answers quickly."""
    try:
        client = docker.from_env(timeout=CONNECT_TIMEOUT_SECONDS)
        client.ping()
    except DockerError as e:
        log.info("no Docker engine reachable (%s): instance targets are refused", e)
        return None
    return DockerInstances(client, settings.docker_network)


class DockerInstances:
    """The InstanceResolver for Docker: container names and ids as instance target ids."""

    def __init__(self, client: docker.DockerClient, network: str | None = None) -> None:
        self.client = client
        self.network = network
        self._lock = threading.Lock()
        self._containers: dict[str, Container] = {}  # by id

    def validate(self, target_id: str) -> None:
        try:
            found = self.lookup(target_id)
        except DockerError as e:
            raise InvalidTarget(f"The following targets are not valid: '{target_id}' (Docker engine: {e})") from e
        if found is None:
            raise InvalidTarget(f"The following targets are not valid: '{target_id}' (no container named {target_id})")

    def address(self, target_id: str) -> str | None:
        found = self._cached(target_id)
        return found.address(self.network) if found else None

    def running(self, target_id: str) -> bool:
        found = self._cached(target_id)
        return found is not None and found.running

    def lookup(self, target_id: str) -> Container | None:
        """From the cache, else from the engine (blocking, bounded by the client timeout)."""
        return self._cached(target_id) or self.inspect(target_id)

    def inspect(self, ref: str) -> Container | None:
        """Ask the engine and update the cache; None (and forgotten) when the container does not exist."""
        try:
            found = Container.from_inspect(self.client.api.inspect_container(ref))
        except docker.errors.NotFound:
            with self._lock:
                self._containers = {i: c for i, c in self._containers.items() if ref not in (i, c.name)}
            return None
        with self._lock:
            self._containers = {**self._containers, found.id: found}
        return found

    def stop(self, container: Container, kill_event: Mapping[str, Any]) -> Container:
        """Not running from now on if the signal ends it (it exits later); unchanged for others, e.g. SIGHUP."""
        if ((kill_event.get("Actor") or {}).get("Attributes") or {}).get("signal") not in STOPPING_SIGNALS:
            return container
        stopping = replace(container, running=False)
        with self._lock:
            self._containers = {**self._containers, stopping.id: stopping}
        return stopping

    def load(self) -> tuple[Container, ...]:
        """Every container the engine has (running or not), replacing the cache."""
        listed = self.client.api.containers(all=True, quiet=True)
        found = [c for c in (self.inspect(item["Id"]) for item in listed) if c is not None]
        with self._lock:
            self._containers = {c.id: c for c in found}
        return tuple(found)

    def known(self) -> tuple[Container, ...]:
        return tuple(self._containers.values())

    def _cached(self, target_id: str) -> Container | None:
        containers = self._containers  # replaced whole under the lock, read without it
        if target_id in containers:
            return containers[target_id]
        for c in containers.values():
            if c.name == target_id or (len(target_id) >= 12 and c.id.startswith(target_id)):
                return c
        return None


def stopped_targets(state: State, instances: DockerInstances) -> frozenset[str]:
    """Ids of instance targets whose container is not running (or gone)."""
    ids = set()
    for target in state.targets.values():
        tg = state.target_groups.get(target.target_group_arn)
        if tg is not None and tg.target_type == TargetType.INSTANCE and not instances.running(target.id):
            ids.add(target.id)
    return frozenset(ids)


def _labelled_group(state: State, container: Container) -> tuple[TargetGroup, int] | None:
    name = container.labels.get(LABEL_GROUP)
    if not name:
        return None
    tg = next((g for g in state.target_groups.values() if g.name == name), None)
    if tg is None:
        log.warning("container %s: no target group named %r", container.name, name)
        return None
    port = container.labels.get(LABEL_PORT)
    return tg, int(port) if port and port.isdigit() else tg.port


def _target_id(tg: TargetGroup, container: Container, network: str | None) -> str | None:
    return container.name if tg.target_type == TargetType.INSTANCE else container.address(network)


def sync_labelled(store: Store, instances: DockerInstances, container: Container, previous: Container | None) -> None:
    """Register a running labelled container; drain (or delete, with no delay) a stopped one's targets."""
    with store.write() as tx:
        found = _labelled_group(tx.state, container)
        if found is None:
            return
        tg, port = found
        now = datetime.now(UTC)
        if container.running:
            target_id = _target_id(tg, container, instances.network)
            if target_id is None:
                log.warning("container %s: no address to register in %s", container.name, tg.name)
                return
            current = tx.state.targets.get((tg.arn, target_id, port))
            if current is None or current.draining_since is not None:
                tx.put(Target(tg.arn, target_id, port, registered_at=now))
            return
        known = previous or container
        target_ids = {known.name, *known.addresses.values()} - {""}
        for target in tx.state.targets_by_group.get(tg.arn, ()):
            if target.id in target_ids and target.port == port and target.draining_since is None:
                if tg.deregistration_delay_seconds > 0:
                    tx.put(replace(target, draining_since=now))
                else:
                    tx.delete(target)


async def run_containers(store: Store, health: HealthMonitor, instances: DockerInstances) -> None:
    """Follow the engine until cancelled: health of stopped containers, auto-registration by label."""
    follower = Follower(store, health, instances)
    await asyncio.gather(
        every(RETRY_SECONDS, follower.follow_events, log=log, failure="could not follow Docker events"),
        every(WATCH_SECONDS, follower.watch_store, log=log, failure="could not match containers to the store"),
    )


class Follower:
    """The engine's containers and the store's targets, kept matched (the state it needs between steps)."""

    def __init__(self, store: Store, health: HealthMonitor, instances: DockerInstances) -> None:
        self.store, self.health, self.instances = store, health, instances
        self._seen_version = -1
        self._groups: set[str] | None = None

    async def follow_events(self, _: float) -> None:
        """One connection to the engine's event stream, until it ends or breaks (then a retry, RETRY_SECONDS on)."""
        instances = self.instances
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        try:
            stream = await asyncio.to_thread(instances.client.api.events, decode=True, filters={"type": "container"})
        except DockerError as e:
            log.warning("cannot follow Docker events (%s); retrying", e)
            return
        reader = threading.Thread(target=_pump, args=(stream, queue, loop), daemon=True)
        reader.start()
        try:
            # Read the whole engine after the stream is open, so no start or stop falls between the two.
            before = {c.id: c for c in instances.known()}
            for loaded in await asyncio.to_thread(instances.load):
                self._apply(loaded, before.get(loaded.id))
            while (event := await queue.get()) is not None:
                if event.get("Action") in EVENTS and (ref := event.get("id")):
                    previous = next((c for c in instances.known() if c.id == ref), None)
                    container: Container | None = await asyncio.to_thread(instances.inspect, ref)
                    if container is None and previous is not None:  # destroyed: treat as stopped
                        container = replace(previous, running=False)
                    elif event["Action"] == "kill" and container is not None:
                        container = instances.stop(container, event)
                    self._apply(container, previous)
        except DockerError as e:
            log.warning("Docker engine error (%s); reconnecting", e)
        finally:
            with contextlib.suppress(Exception):
                stream.close()

    async def watch_store(self, _: float) -> None:
        """New instance targets may name stopped containers; new groups may have labelled containers waiting."""
        state = self.store.snapshot()
        if state.version == self._seen_version:
            return
        self._seen_version = state.version
        names = {tg.name for tg in state.target_groups.values()}
        if self._groups is not None and (new := names - self._groups):
            for container in self.instances.known():
                if container.running and container.labels.get(LABEL_GROUP) in new:
                    self._apply(container, None)
        self._groups = names
        self._update_stopped()

    def _apply(self, container: Container | None, previous: Container | None) -> None:
        if container is not None and container.labels.get(LABEL_GROUP):
            try:
                sync_labelled(self.store, self.instances, container, previous)
            except Exception:  # a store conflict must not stop the event loop
                log.exception("auto-registration of %s failed", container.name)
        self._update_stopped()

    def _update_stopped(self) -> None:
        state = self.store.snapshot()
        stopped = stopped_targets(state, self.instances)
        if stopped != self.health.stopped:
            self.health.set_stopped(state, stopped)


def _pump(
    stream: Iterator[dict[str, Any]], queue: asyncio.Queue[dict[str, Any] | None], loop: asyncio.AbstractEventLoop
) -> None:
    """Blocking reader thread: engine events -> the loop's queue; None when the stream ends."""
    with contextlib.suppress(Exception):
        for event in stream:
            loop.call_soon_threadsafe(queue.put_nowait, event)
    with contextlib.suppress(RuntimeError):  # the loop may be closed already
        loop.call_soon_threadsafe(queue.put_nowait, None)
