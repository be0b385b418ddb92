"""Starlette wiring only: routes, lifespan (store, health prober, optional Traefik supervisor)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from provider.accesslogs.tail import run_ingest
from provider.acm.certificates import OPERATIONS as ACM_OPERATIONS
from provider.auth import devidp
from provider.auth import routes as auth
from provider.aws import endpoint as api
from provider.aws.dispatch import Registry, Service
from provider.background import GIL_SWITCH_S, cancel_all
from provider.cloudwatch.operations import OPERATIONS as CLOUDWATCH_OPERATIONS
from provider.cloudwatch.sampler import run_host_counts
from provider.configserver import endpoint as dataplane
from provider.configserver.cache import ConfigCache
from provider.ec2.operations import OPERATIONS as EC2_OPERATIONS
from provider.elbv2.operations import OPERATIONS as ELBV2_OPERATIONS
from provider.metricsserver.client import MetricsUnavailable
from provider.metricsserver.process import MetricsProcess
from provider.objects import routes as objects
from provider.rollout import routes as rollouts
from provider.runtime import Runtime
from provider.settings import Settings
from provider.store import Store, move_metrics
from provider.sts.identity import OPERATIONS as STS_OPERATIONS
from provider.targets import docker as containers
from provider.targets.health import HealthMonitor
from provider.targets.schedule import run_health
from provider.telemetry.loop import run_telemetry
from provider.telemetry.sources import Sources
from provider.ui import routes as ui

BackgroundTask = Callable[[Settings, Store], Coroutine[Any, Any, None]]  # one more task for the app's lifetime

log = logging.getLogger("elbv2.app")


def services(runtime: Runtime, metrics: MetricsProcess) -> Registry:
    return Registry(
        [
            Service("elbv2", ELBV2_OPERATIONS, runtime.context),
            Service("cloudwatch", CLOUDWATCH_OPERATIONS, relay=metrics.client.relay),
            Service("ec2", EC2_OPERATIONS, runtime.ec2_context),
            Service("sts", STS_OPERATIONS, runtime.sts_context),
            Service("acm", ACM_OPERATIONS, runtime.acm_context),
        ]
    )


def create_app(settings: Settings, background: tuple[BackgroundTask, ...] = ()) -> Starlette:
    """The whole server; the health prober, the Docker follower, metrics, access-log ingestion and `background`
    (the Traefik supervisor in `up` mode) run for its lifetime."""
    store = Store(settings.db)
    instances = containers.connect(settings)
    health = HealthMonitor(settings.health_time_scale)
    runtime = Runtime(settings=settings, store=store, health=health, instances=instances)
    sources = Sources()  # the Traefiks whose counters become CloudWatch metrics, as their config polls announce
    metrics = MetricsProcess(settings)  # CloudWatch and the metrics tables: provider/metricsserver/

    async def healthz(_: Request) -> Response:
        return PlainTextResponse(f"ok {store.version}\n")

    async def ca_pem(_: Request) -> Response:  # the local CA's public certificate, never its key
        return PlainTextResponse(runtime.local_ca.pem, media_type="application/x-pem-file")

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # The loaded state and the imported modules live as long as the server: keep them out of every
        # garbage-collector sweep (one full sweep of a 10,000-rule state costs ~25 ms of a compile).
        runtime.local_ca  # noqa: B018  # created on first start, beside the state
        await asyncio.to_thread(move_metrics, store, settings.metrics_db)  # from a state file of before the split
        gc.freeze()
        sys.setswitchinterval(GIL_SWITCH_S)
        work = [
            metrics.watch(),
            run_health(store, health, instances, settings.health_time_scale),
            run_host_counts(store, health, metrics.client.put_host_counts),
            run_ingest(store, settings, runtime.objects),
            run_telemetry(store, metrics.client, sources),
            *(task(settings, store) for task in background),
        ]
        if instances is not None:  # the follower needs the engine itself, not only the resolver protocol
            work.append(containers.run_containers(store, health, instances))
        tasks = [asyncio.create_task(w) for w in work]
        try:
            yield
        finally:
            await cancel_all(tasks, log=log)
            metrics.stop()
            store.close()

    async def relayed(request: Request) -> Response:  # a page the metrics process draws
        try:
            status, headers, body = await metrics.client.relay(request, await request.body())
        except MetricsUnavailable as e:
            return PlainTextResponse(f"{e.message}\n", status_code=e.status)
        return Response(body, status, headers)

    routes: list[BaseRoute] = [
        *api.routes(settings, services(runtime, metrics)),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/ca.pem", ca_pem, methods=["GET"]),
        *dataplane.routes(ConfigCache(store, health, instances, settings.base_url, runtime.served_certificates,
                                      runtime.auth_keys.session_key, runtime.public_keys_certificates),
                          settings.provider_token, sources.announce),
        *auth.routes(runtime.signin, runtime.auth_keys),
        *devidp.routes(devidp.DevIdp(runtime.auth_keys)),
        *ui.routes(store, health, metrics.client.traffic_rows, relayed),
        *rollouts.routes(store),
        *objects.routes(runtime.objects),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(auth.PublicKeysHost)])
    app.state.runtime, app.state.metrics = runtime, metrics
    return app
