"""`/rollouts`: where `elbv2-provider rollout` reports its progress (PUT /rollouts/{id}, a Record as JSON) and
`rollout status` reads it back (GET /rollouts). The server's side only: the command (provider/rollout/client/)
is a client it never imports; the DuckDB file is the server's."""

from __future__ import annotations

import asyncio
import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from provider.rollout import records
from provider.rollout.wire import record_json, record_of
from provider.store import Store

MAX_BODY = 64 * 1024


def routes(store: Store) -> list[BaseRoute]:
    async def put(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return JSONResponse({"error": "record too large"}, 413)
        try:
            record = record_of(json.loads(body))
        except ValueError as e:  # not JSON, or NotARecord
            return JSONResponse({"error": f"not a rollout record: {e}"}, 400)
        if record.id != request.path_params["id"]:
            return JSONResponse({"error": "the record's id differs from the path"}, 400)
        await asyncio.to_thread(records.put_record, store, record)
        return JSONResponse(record_json(record))

    async def listing(_: Request) -> Response:
        found = await asyncio.to_thread(records.all_records, store)
        return JSONResponse([record_json(r) for r in found])

    return [Route("/rollouts", listing, methods=["GET"]), Route("/rollouts/{id}", put, methods=["PUT"])]
