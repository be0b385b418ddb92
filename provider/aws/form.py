"""Strict application/x-www-form-urlencoded decoding.

Stricter than urllib.parse.parse_qsl: a bad `%` escape or bytes that are not UTF-8 are a client error
(MalformedQueryString) instead of being passed through or replaced.

>>> decode_form(b"Action=CreateRule&Values.member.1=%2Fapi%2F*&Conditions=")
{'Action': 'CreateRule', 'Values.member.1': '/api/*', 'Conditions': ''}
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from provider.errors import MalformedQueryString

_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def _decode(raw: bytes) -> str:
    if _BAD_ESCAPE.search(raw):
        raise MalformedQueryString("The query string contains an invalid percent-encoding.")
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedQueryString("The query string is not valid UTF-8.") from None


def decode_form(data: bytes) -> dict[str, str]:
    """Decode a form body or query string into a dict; a repeated key keeps its last value."""
    fields: dict[str, str] = {}
    for pair in data.split(b"&"):
        if not pair:
            continue
        raw_key, _, raw_value = pair.partition(b"=")
        key = _decode(raw_key)
        if not key:
            raise MalformedQueryString("The query string contains a parameter without a name.")
        fields[key] = _decode(raw_value)
    return fields
