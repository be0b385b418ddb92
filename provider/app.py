"""Starlette wiring only: routes, lifespan (store, health prober, optional Traefik supervisor)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from provider import api, dataplane
from provider.health import HealthMonitor
from provider.runtime import Runtime
from provider.settings import Settings
from provider.store import Store

BackgroundTask = Callable[[Runtime], Coroutine[Any, Any, None]]


def create_app(settings: Settings, background: tuple[BackgroundTask, ...] = ()) -> Starlette:
    """The whole server; `background` coroutines (health prober, Traefik supervisor) run for its lifetime."""
    store = Store(settings.db)
    runtime = Runtime(settings=settings, store=store, health=HealthMonitor())

    async def healthz(_: Request) -> Response:
        return PlainTextResponse(f"ok {store.version}\n")

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(task(runtime)) for task in background]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            store.close()

    routes: list[BaseRoute] = [
        Route("/", api.endpoint(runtime), methods=["POST", "GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        *dataplane.routes(runtime),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.runtime = runtime
    return app
