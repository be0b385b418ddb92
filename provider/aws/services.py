"""EC2 and STS on the same endpoint as ELBv2, told apart by the request's Version (2016-11-15, 2011-06-15).

Interim: the wire helper's registry (``Service(model, operations, context)`` per botocore service, one dispatch
for every protocol) replaces `pick` and `respond`; the services below register unchanged there.

>>> pick(b"Action=DescribeVpcs&Version=2016-11-15", b"", services).model
'ec2'
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from provider.aws import ec2_query
from provider.aws.model import API_VERSION
from provider.errors import ApiError, InvalidParameterValue
from provider.store import StoreConflict

log = logging.getLogger("elbv2.api")
_VERSION = re.compile(rb"(?:^|&)Version=([0-9-]{1,16})(?:&|$)")


@dataclass(frozen=True)
class Service:
    model: str  # botocore service name: "ec2", "sts"
    operations: Mapping[str, Callable[[Any, Any], dict[str, Any]]]  # PascalCase op -> handler(context, params)
    context: Callable[[str], object]  # region -> that domain's context


class _InternalFailure(ApiError):
    code = "InternalFailure"
    status = 500


def pick(body: bytes, query: bytes, services: tuple[Service, ...]) -> Service | None:
    """The service whose API version the request names; None for ELBv2 (its own version, or none given)."""
    match = _VERSION.search(body) or _VERSION.search(query)
    version = match.group(1).decode() if match else API_VERSION
    if version == API_VERSION:
        return None
    return next((s for s in services if ec2_query.dialect(s.model).version == version), None)


def respond(service: Service, body: bytes, query: bytes, region: str, request_id: str) -> Response:
    """Parse by the service's model, run the handler, answer in the service's own XML envelopes."""
    headers = {"x-amzn-RequestId": request_id}
    try:
        parsed = ec2_query.parse_request(body, query, service=service.model, served=service.operations)
        try:
            result = service.operations[parsed.action](service.context(region), parsed.params)
        except StoreConflict as conflict:  # a schema constraint caught what validation did not
            raise InvalidParameterValue(str(conflict)) from conflict
        body_out = ec2_query.render_result(parsed.action, result, request_id, service=service.model)
        return Response(body_out, 200, headers, "text/xml")
    except ApiError as error:
        failure = error
    except Exception:
        log.exception("internal failure on request %s", request_id)
        failure = _InternalFailure("We encountered an internal error. Please try again.")
    envelope = ec2_query.render_error(failure, request_id, service=service.model)
    return Response(envelope, failure.status, headers, "text/xml")
