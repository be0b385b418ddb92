"""Starlette wiring only: routes, lifespan (store, health prober, optional Traefik supervisor)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import importlib
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from provider.aws import endpoint as api
from provider.aws.dispatch import Handler, Registry, Service
from provider.cloudwatch.alarm_eval import run_alarms
from provider.cloudwatch.sampler import run_metrics
from provider.elbv2.operations import OPERATIONS as ELBV2_OPERATIONS
from provider.rollout import routes as rollouts
from provider.runtime import Runtime
from provider.settings import Settings
from provider.store import Store
from provider.targets import docker as containers
from provider.targets.health import HealthMonitor
from provider.targets.schedule import run_health
from provider.traefik import endpoint as dataplane
from provider.ui import routes as ui

BackgroundTask = Callable[[Runtime], Coroutine[Any, Any, None]]


ALWAYS: tuple[BackgroundTask, ...] = (run_health, containers.run_containers, run_metrics, run_alarms)


def operations_of(module: str) -> Mapping[str, Handler]:
    """A domain's OPERATIONS table, or none while that domain is not built: each of its operations then gets
    a clear 400 saying it is not supported here."""
    try:
        table: Mapping[str, Handler] = importlib.import_module(module).OPERATIONS
    except ModuleNotFoundError:
        return {}
    return table


def _cloudwatch(runtime: Runtime) -> Service:
    try:
        context_for = importlib.import_module("provider.cloudwatch.context").context_for
    except ModuleNotFoundError:
        return Service("cloudwatch", {}, runtime.context)
    return Service(
        "cloudwatch", operations_of("provider.cloudwatch.operations"), functools.partial(context_for, runtime)
    )


def services(runtime: Runtime) -> Registry:
    return Registry([Service("elbv2", ELBV2_OPERATIONS, runtime.context), _cloudwatch(runtime)])


def create_app(settings: Settings, background: tuple[BackgroundTask, ...] = ()) -> Starlette:
    """The whole server; the health prober, the Docker follower and `background` (the Traefik supervisor in
    `up` mode) run for its lifetime."""
    store = Store(settings.db)
    runtime = Runtime(settings=settings, store=store, health=HealthMonitor(), instances=containers.connect(settings))

    async def healthz(_: Request) -> Response:
        return PlainTextResponse(f"ok {store.version}\n")

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # The loaded state and the imported modules live as long as the server: keep them out of every
        # garbage-collector sweep (one full sweep of a 10,000-rule state costs ~25 ms of a compile).
        gc.freeze()
        tasks = [asyncio.create_task(task(runtime)) for task in (*ALWAYS, *background)]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            store.close()

    aws = api.endpoint(settings, services(runtime))
    routes: list[BaseRoute] = [
        Route("/", aws, methods=["POST", "GET"]),
        Route("/service/{service}/operation/{operation}", aws, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        *dataplane.routes(runtime),
        *ui.routes(runtime),
        *rollouts.routes(runtime),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.runtime = runtime
    return app
