"""Routes Traefik uses: the compiled dynamic configuration (whole, or one listener port's part), and the fixed
responses and redirects that fixed-response and redirect routers forward back to this server.

The pieces live beside it: the cache and long poll (config_cache.py), the token check (auth.py), what the
answers say (answers.py).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from provider.runtime import Runtime
from provider.traefik.answers import FIXED_PATH_PREFIX, REDIRECT_PATH_PREFIX, redirect_location
from provider.traefik.auth import refusal
from provider.traefik.config_cache import Compiled, ConfigCache

MAX_WAIT_MS = 10_000  # the longest a poll may be held (?wait_ms=); keep it under the poller's pollTimeout
# ALB answers fixed responses and redirects whatever the method (Starlette's methods=None would mean GET only)
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


def routes(runtime: Runtime) -> list[BaseRoute]:
    cache = ConfigCache(runtime)
    token = runtime.settings.provider_token

    async def polled(request: Request) -> Compiled | Response:
        refused = refusal(request, token)
        if refused is not None:
            return refused
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
        Route(FIXED_PATH_PREFIX + "{key}", fixed, methods=ALL_METHODS),
        Route(REDIRECT_PATH_PREFIX + "{key}", redirect, methods=ALL_METHODS),
    ]
