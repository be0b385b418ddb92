"""Routes Traefik uses: the compiled dynamic configuration (whole, or one listener port's part), and the fixed
responses and redirects that fixed-response and redirect routers forward back to this server.

The config is compiled once per (store version, health version) pair, on the first poll after a change, in a
worker thread (instance addresses may ask Docker), and every poll until the next change gets the cached bytes
(the whole config and every listener port's part are rendered together; only the bytes are kept).
"""

from __future__ import annotations

import asyncio
import ctypes
import hmac
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from provider.elbv2.model import FixedResponse, Listener, Redirect, State, TargetType
from provider.runtime import Runtime
from provider.traefik.compiler import CompileOptions, compile_plan, fixed_responses, redirects

MAX_WAIT_MS = 10_000  # the longest a poll may be held (?wait_ms=); keep it under the poller's pollTimeout
WATCH_S = 0.005  # how often held polls' versions are compared (one watcher task for all of them)
_SERVED_MAX = 4096  # poller connections remembered; past that the memory restarts (each gets one quick answer)
# ALB answers fixed responses and redirects whatever the method (Starlette's methods=None would mean GET only)
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]
_PLACEHOLDER = re.compile(r"#\{(protocol|host|port|path|query)\}")
_LOCATION_SAFE = string.printable.strip()  # percent-encode only what cannot go into a header: non-ASCII, space


@dataclass(frozen=True)
class Compiled:
    """Only bytes are kept (the config dict is ~5x their size): the whole config and each listener port's part."""

    key: tuple[int, int]  # (store version, health version)
    body: bytes
    ports: dict[int, bytes]
    empty_port: bytes  # the answer for a port without listeners: the placeholder only
    fixed: dict[str, FixedResponse]
    redirects: dict[str, tuple[Redirect, Listener]]

    def port_body(self, port: int) -> bytes:
        return self.ports.get(port, self.empty_port)


def _malloc_trim() -> Callable[[int], int]:
    """glibc's malloc_trim, or a no-op elsewhere (musl, macOS)."""
    trim: Callable[[int], int] | None = getattr(ctypes.CDLL(None), "malloc_trim", None)
    return trim if trim is not None else (lambda _pad: 0)


# glibc keeps freed heap pages resident; a compile and the writes before it leave megabytes of them (10k rules:
# RSS -7 MB after a compile, -12 MB after a bulk load, measured). Trimming takes a few ms, once per change.
_release_free_memory = _malloc_trim()


def routable_servers(runtime: Runtime, state: State) -> dict[str, list[tuple[str, int]]]:
    """Target group ARN -> sorted routable endpoints; instance targets without an address are left out."""
    addresses = runtime.instances
    servers: dict[str, list[tuple[str, int]]] = {}
    for arn, tg in state.target_groups.items():
        endpoints: set[tuple[str, int]] = set()
        for target in runtime.health.routable(state, arn):
            if tg.target_type == TargetType.IP:
                endpoints.add((target.id, target.port))
            elif tg.target_type == TargetType.INSTANCE and addresses is not None:
                host = addresses.address(target.id)
                if host:
                    endpoints.add((host, target.port))
        servers[arn] = sorted(endpoints)
    return servers


class ConfigCache:
    """Compiles lazily, once per change; concurrent polls after a change share one compilation.

    Long poll (opt-in, ``/traefik/config?wait_ms=800``): a keep-alive poller that already got the current
    config is held until the config changes or ``wait_ms`` passes, so a change reaches Traefik at once instead
    of at its next tick, and an idle Traefik costs one request per ``wait_ms``. Pollers are told apart by their
    connection (Go's client keeps one alive); a new connection is always answered at once."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.options = CompileOptions(fixed_response_url=runtime.settings.base_url)
        self._current: Compiled | None = None
        self._lock = asyncio.Lock()
        self._served: dict[tuple[str, int], tuple[int, int]] = {}  # poller connection -> key it last got
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

    async def _next(self, key: tuple[int, int], wait_s: float) -> Compiled:
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

    def _key(self) -> tuple[int, int]:
        return (self.runtime.store.version, self.runtime.health.version)

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
        state = self.runtime.store.snapshot()
        plan = compile_plan(state, routable_servers(self.runtime, state), self.options)
        ports = {li.port for li in state.listeners.values()}
        compiled = Compiled(
            key=key,
            body=plan.render(),
            ports={p: plan.render(p) for p in sorted(ports)},
            empty_port=plan.render(0),
            fixed=fixed_responses(state),
            redirects=redirects(state),
        )
        del plan
        _release_free_memory(0)
        return compiled


def redirect_location(redirect: Redirect, listener: Listener, host: str, path: str, query: str) -> str:
    """ALB's Location: placeholders expand once, from the request and the listener; ``#{path}`` has no leading
    slash; an empty query adds no ``?``; the port is always written. On an HTTP:80 listener,
    ``Redirect("HTTP_301", protocol="HTTPS", port="443")`` for ``shop.example:80`` ``/a`` ``x=1``
    -> ``https://shop.example:443/a?x=1``."""
    values = {
        "protocol": listener.protocol.value.lower(),
        "host": _without_port(host),
        "port": str(listener.port),
        "path": path.removeprefix("/"),
        "query": query,
    }

    def expand(template: str) -> str:
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)

    expanded_query = expand(redirect.query)
    location = f"{expand(redirect.protocol).lower()}://{expand(redirect.host)}:{expand(redirect.port)}"
    location += expand(redirect.path) + (f"?{expanded_query}" if expanded_query else "")
    return quote(location, safe=_LOCATION_SAFE)


def _without_port(host: str) -> str:
    """``a.example:8080`` -> ``a.example``; ``[::1]:80`` -> ``[::1]``."""
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    name, colon, port = host.rpartition(":")
    return name if colon and port.isdigit() else host


def routes(runtime: Runtime) -> list[BaseRoute]:
    cache = ConfigCache(runtime)
    token = runtime.settings.provider_token

    def denied(request: Request) -> Response | None:
        if not token:
            return None
        given = request.headers.get("authorization")
        if given is None:
            return PlainTextResponse("missing bearer token\n", status_code=401, headers={"WWW-Authenticate": "Bearer"})
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return PlainTextResponse("wrong bearer token\n", status_code=403)
        return None

    async def polled(request: Request) -> Compiled | Response:
        refusal = denied(request)
        if refusal is not None:
            return refusal
        raw = request.query_params.get("wait_ms", "")
        wait_ms = min(int(raw), MAX_WAIT_MS) if raw.isdigit() else 0  # anything else: answer at once
        client = (request.client.host, request.client.port) if request.client else None
        return await cache.poll(client, wait_ms)

    async def whole(request: Request) -> Response:
        compiled = await polled(request)
        if isinstance(compiled, Response):
            return compiled
        return Response(compiled.body, media_type="application/json")

    async def one_port(request: Request) -> Response:
        compiled = await polled(request)
        if isinstance(compiled, Response):
            return compiled
        return Response(compiled.port_body(request.path_params["port"]), media_type="application/json")

    async def fixed(request: Request) -> Response:
        found = (await cache.get()).fixed.get(request.path_params["key"])
        if found is None:  # the rule was deleted and Traefik has not reloaded yet
            return PlainTextResponse("no such fixed response\n", status_code=404)
        return Response(
            (found.message_body or "").encode(),
            status_code=int(found.status_code),
            media_type=found.content_type or "text/plain",
        )

    async def redirect(request: Request) -> Response:
        found = (await cache.get()).redirects.get(request.path_params["key"])
        if found is None:  # the rule was deleted and Traefik has not reloaded yet
            return PlainTextResponse("no such redirect\n", status_code=404)
        rule, listener = found
        headers = request.headers
        # Traefik's replacePath appends X-Replaced-Path after any a client sent: the last one is the real path.
        # X-Forwarded-Host is Traefik's own (it drops client X-Forwarded-* headers from untrusted peers).
        host = headers.get("x-forwarded-host") or headers.get("host") or ""
        path = (headers.getlist("x-replaced-path") or ["/"])[-1]
        location = redirect_location(rule, listener, host, path, request.url.query)
        return Response(b"", status_code=301 if rule.status_code == "HTTP_301" else 302, headers={"Location": location})

    return [
        Route("/traefik/config", whole, methods=["GET"]),
        Route("/traefik/config/{port:int}", one_port, methods=["GET"]),
        Route("/__fixed/{key}", fixed, methods=ALL_METHODS),
        Route("/__redirect/{key}", redirect, methods=ALL_METHODS),
    ]
