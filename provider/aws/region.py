"""The caller's region and service, read from the SigV4 credential scope (signatures are not checked).

>>> header = "AWS4-HMAC-SHA256 Credential=AKID/20261126/eu-west-1/elasticloadbalancing/aws4_request, ..."
>>> region_from_authorization(header, "us-east-1")
'eu-west-1'
>>> service_from_authorization(header)
'elasticloadbalancing'
"""

from __future__ import annotations

import re

_SCOPE = re.compile(r"Credential=[^/,\s]+/[0-9]{8}/([a-z0-9-]{1,64})/([^/,\s]+)/aws4_request")


def region_from_authorization(header: str | None, default: str) -> str:
    match = _SCOPE.search(header) if header else None
    return match.group(1) if match else default


def service_from_authorization(header: str | None) -> str | None:
    match = _SCOPE.search(header) if header else None
    return match.group(2) if match else None
