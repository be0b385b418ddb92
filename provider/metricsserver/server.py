"""The metrics process's app: the cloudwatch service, the dashboards' pages and the internal routes, on the
metrics file; rollups are driven by the server's scrapes, retention and alarms run here."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from provider.aws import endpoint as api
from provider.aws.dispatch import Registry, Service
from provider.background import GIL_SWITCH_S, cancel_all
from provider.cloudwatch import points, sampler
from provider.cloudwatch.alarm_eval import run_alarms
from provider.cloudwatch.context import Context
from provider.cloudwatch.operations import OPERATIONS
from provider.metricsserver import wire
from provider.settings import Settings
from provider.store import Store
from provider.telemetry.queries import traffic_rows
from provider.telemetry.tables import Tables
from provider.ui import dashboards

log = logging.getLogger("elbv2.metrics")


def create_metrics_app(settings: Settings) -> Starlette:
    store = Store.open(settings.metrics_db)
    tables = Tables(store)

    def context(region: str) -> Context:
        return Context(store, region, settings.account_id)

    async def health(_: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def sources(_: Request) -> Response:
        return JSONResponse(await asyncio.to_thread(tables.sources))

    async def counted(request: Request) -> Response:
        return JSONResponse(await asyncio.to_thread(tables.counted, request.query_params["source"]))

    async def commit(request: Request) -> Response:
        await asyncio.to_thread(tables.commit, *wire.commit_of(await request.json()))
        return JSONResponse({})

    async def roll_up(request: Request) -> Response:
        await asyncio.to_thread(tables.roll_up, int((await request.json())["now_s"]))
        return JSONResponse({})

    async def host_counts(request: Request) -> Response:
        counts, at_ms = wire.host_counts_of(await request.json())
        at = datetime.fromtimestamp(at_ms / 1000, UTC)
        await asyncio.to_thread(points.put, store, sampler.samples(counts, at))
        return JSONResponse({})

    async def traffic(request: Request) -> Response:
        since, until = int(request.query_params["since"]), int(request.query_params["until"])
        rows: list[Any] = await asyncio.to_thread(traffic_rows, store, since, until)
        return JSONResponse([list(row) for row in rows])

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        gc.freeze()
        sys.setswitchinterval(GIL_SWITCH_S)
        work = [run_alarms(context(settings.region)), sampler.run_retention(store, settings.metrics_retention_hours)]
        tasks = [asyncio.create_task(w) for w in work]
        try:
            yield
        finally:
            await cancel_all(tasks, log=log)
            tables.close()
            store.close()

    routes = [
        *api.routes(settings, Registry([Service("cloudwatch", OPERATIONS, context, threaded=True)])),
        Route(wire.HEALTH, health, methods=["GET"]),
        Route(wire.SOURCES, sources, methods=["GET"]),
        Route(wire.COUNTED, counted, methods=["GET"]),
        Route(wire.COMMIT, commit, methods=["POST"]),
        Route(wire.ROLL_UP, roll_up, methods=["POST"]),
        Route(wire.HOST_COUNTS, host_counts, methods=["POST"]),
        Route(wire.TRAFFIC, traffic, methods=["GET"]),
        *dashboards.routes(context(settings.region)),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.store = store
    return app
