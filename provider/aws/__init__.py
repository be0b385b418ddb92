"""The wire layer: ELBv2 query protocol in, XML out, driven entirely by botocore's elbv2 service model.

>>> request = parse_request(body)                  # Request(action="CreateRule", params={"priority": 10, ...})
>>> render_result(request.action, {"rules": [...]}, request_id)   # -> b"<CreateRuleResponse ...>"
>>> render_error(errors.RuleNotFound("..."), request_id)          # -> b"<ErrorResponse ...>"
"""

from __future__ import annotations

from provider.aws.errors_xml import render_error
from provider.aws.model import API_VERSION, NAMESPACE, OPERATIONS, snake
from provider.aws.parse import Request, parse_request
from provider.aws.region import region_from_authorization
from provider.aws.serialize import render_result

__all__ = [
    "API_VERSION",
    "NAMESPACE",
    "OPERATIONS",
    "Request",
    "parse_request",
    "region_from_authorization",
    "render_error",
    "render_result",
    "snake",
]
