"""The wire layer: several AWS services and protocols on one endpoint, driven by botocore's service models.

>>> request = parse_request(b"Action=DescribeRules&Version=2015-12-01&ListenerArn=arn")   # elbv2's query
>>> request
Request(action='DescribeRules', params={'listener_arn': 'arn'})
>>> render_result(request.action, {"rules": []}, "req-1")
b'<DescribeRulesResponse xmlns="..."><DescribeRulesResult><Rules></Rules></DescribeRulesResult>...'
>>> JSON.parse(load("cloudwatch"), Incoming(b"{}", target="ListMetrics"))   # awsJson1_0, likewise CBOR
Request(action='ListMetrics', params={})

Errors render with ``render_error(error, request_id)`` in the query envelope (see errors_xml.py).
"""

from __future__ import annotations

from provider.aws.errors_xml import render_error
from provider.aws.model import API_VERSION, NAMESPACE, OPERATIONS, load, snake
from provider.aws.parse import Request, parse_request
from provider.aws.protocols import CBOR, EC2, JSON, QUERY, Incoming
from provider.aws.region import region_from_authorization
from provider.aws.serialize import render_result

__all__ = [
    "API_VERSION",
    "CBOR",
    "EC2",
    "JSON",
    "NAMESPACE",
    "OPERATIONS",
    "QUERY",
    "Incoming",
    "Request",
    "load",
    "parse_request",
    "region_from_authorization",
    "render_error",
    "render_result",
    "snake",
]
