"""The AWS endpoint: read the body, pick service + protocol, parse by the model, run the handler, render.

Every failure a client can cause is an ApiError rendered with its 4xx in the protocol's envelope; anything
else is logged here and answered with a bare 500 InternalFailure, never a stack trace.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import zlib
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from provider.aws.dispatch import Registry
from provider.aws.model import ServiceModel
from provider.aws.protocols import Incoming, Rendered
from provider.aws.region import region_from_authorization
from provider.errors import (
    ApiError,
    InvalidConfigurationRequest,
    PayloadTooLarge,
    UnsupportedOperation,
    ValidationError,
)
from provider.settings import Settings
from provider.store import StoreConflict

log = logging.getLogger("elbv2.api")


class InternalFailure(ApiError):
    code = "InternalFailure"
    status = 500


async def read_body(request: Request, limit: int) -> bytes:
    """The body, at most ``limit`` bytes, gzip undone (botocore compresses PutMetricData's bodies from 10 KB)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"Request body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"Request body is larger than {limit} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    return _gunzip(body, limit) if request.headers.get("content-encoding", "").lower() == "gzip" else body


def _gunzip(body: bytes, limit: int) -> bytes:
    inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflate.decompress(body, limit + 1)
    except zlib.error as e:
        raise ValidationError("The request body is not valid gzip") from e
    if len(out) > limit:
        raise PayloadTooLarge(f"Request body is larger than {limit} bytes")
    return out


def endpoint(settings: Settings, registry: Registry) -> Callable[[Request], Awaitable[Response]]:
    async def handle(request: Request) -> Response:
        request_id = str(uuid.uuid4())
        path, headers = request.url.path, request.headers
        protocol = registry.protocol(path, headers)
        model: ServiceModel | None = None
        rendered: Rendered
        status = 200
        try:
            incoming = Incoming(await read_body(request, settings.max_body_bytes), request.url.query.encode())
            model, protocol = registry.route(protocol, incoming, path, headers)
            service = registry.service(model)
            if service.relay is not None:
                status, relayed, body = await service.relay(request, incoming.body)
                return Response(body, status, relayed)
            parsed = protocol.parse(model, incoming)
            handler = service.operations.get(parsed.action)
            if handler is None or service.context is None:
                raise UnsupportedOperation.named(parsed.action)
            region = region_from_authorization(headers.get("authorization"), settings.region)
            context = service.context(region)

            def answer() -> Rendered:
                try:
                    result = handler(context, parsed.params)
                except StoreConflict as conflict:  # a schema constraint caught what validation did not
                    raise InvalidConfigurationRequest(str(conflict)) from conflict
                assert model is not None
                return protocol.render(model, parsed.action, result or {}, request_id)

            # a threaded service's answer (a day of datapoints) is computed and rendered off the event loop
            rendered = await asyncio.to_thread(answer) if service.threaded else answer()
        except ApiError as error:
            rendered, status = protocol.error(model, error, request_id), error.status
        except Exception:
            log.exception("internal failure on request %s", request_id)
            failure = InternalFailure("We encountered an internal error. Please try again.")
            rendered, status = protocol.error(model, failure, request_id), failure.status
        response_headers = {"x-amzn-RequestId": request_id, **rendered.headers}
        return Response(rendered.body, status, response_headers, rendered.content_type)

    return handle


def routes(settings: Settings, registry: Registry) -> list[BaseRoute]:
    """The endpoint's two paths: ``/`` (query, ec2, json) and smithy-rpc-v2-cbor's
    ``/service/<targetPrefix>/operation/<Op>``."""
    handle = endpoint(settings, registry)
    return [Route("/", handle, methods=["POST", "GET"]),
            Route("/service/{service}/operation/{operation}", handle, methods=["POST"])]
