"""`POST /`: the AWS query endpoint. Read the body, parse it by the model, run the handler, render XML.

Every failure a client can cause is an ApiError rendered with its 4xx; anything else is logged here and
answered with a bare 500 InternalFailure, never a stack trace.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from provider import aws
from provider.aws import services
from provider.elbv2.operations import OPERATIONS
from provider.errors import ApiError, InvalidConfigurationRequest, PayloadTooLarge, UnsupportedOperation
from provider.runtime import Runtime
from provider.store import StoreConflict

log = logging.getLogger("elbv2.api")


class InternalFailure(ApiError):
    code = "InternalFailure"
    status = 500


async def read_body(request: Request, limit: int) -> bytes:
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
    return b"".join(chunks)


def endpoint(runtime: Runtime) -> Callable[[Request], Awaitable[Response]]:
    settings = runtime.settings
    others = runtime.services()

    async def handle(request: Request) -> Response:
        request_id = str(uuid.uuid4())
        headers = {"x-amzn-RequestId": request_id}
        try:
            body = await read_body(request, settings.max_body_bytes)
            other = services.pick(body, request.url.query.encode(), others)
            if other is not None:
                region = aws.region_from_authorization(request.headers.get("authorization"), settings.region)
                return services.respond(other, body, request.url.query.encode(), region, request_id)
            parsed = aws.parse_request(body, request.url.query.encode())
            handler = OPERATIONS.get(parsed.action)
            if handler is None:
                raise UnsupportedOperation(f"{parsed.action} is not supported by elbv2-provider")
            region = aws.region_from_authorization(request.headers.get("authorization"), settings.region)
            try:
                result = handler(runtime.context(region), parsed.params)
            except StoreConflict as conflict:  # a schema constraint caught what validation did not
                raise InvalidConfigurationRequest(str(conflict)) from conflict
            return Response(aws.render_result(parsed.action, result, request_id), 200, headers, "text/xml")
        except ApiError as error:
            return Response(aws.render_error(error, request_id), error.status, headers, "text/xml")
        except Exception:
            log.exception("internal failure on request %s", request_id)
            failure = InternalFailure("We encountered an internal error. Please try again.")
            return Response(aws.render_error(failure, request_id), failure.status, headers, "text/xml")

    return handle
