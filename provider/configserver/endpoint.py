"""Routes Traefik uses: the compiled dynamic configuration, whole or one listener port's part.

The pieces live beside it: the cache and long poll (config_cache.py), the token check (auth.py). Fixed
responses and redirects are answered inside Traefik (answers.py, plugin.py).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from provider.configserver.auth import refusal
from provider.configserver.cache import Compiled, ConfigCache
from provider.traefik.static import METRICS_HEADER

MAX_WAIT_MS = 10_000  # the longest a poll may be held (?wait_ms=); keep it under the poller's pollTimeout


def routes(cache: ConfigCache, token: str | None, announce: Callable[[str | None], None]) -> list[BaseRoute]:
    """``token``: what a poll must carry (--provider-token); ``announce``: told the metrics address a poll carries
    (provider/telemetry/sources.py)."""

    async def polled(request: Request) -> Compiled | Response:
        refused = refusal(request, token)
        if refused is not None:
            return refused
        announce(request.headers.get(METRICS_HEADER))
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

    return [
        Route("/traefik/config", whole, methods=["GET"]),
        Route("/traefik/config/{port:int}", one_port, methods=["GET"]),
    ]
