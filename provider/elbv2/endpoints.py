"""Which IdP URLs an action may name: a full https URL, as AWS requires; deliberately, ``http://`` too when the host
is local (loopback, a private address, ``localhost``, or a single-label name such as a compose service), since a
local IdP rarely has a certificate. A public ``http://`` URL is refused as on AWS.

>>> https_or_local("http://localhost:8180/jwks"), https_or_local("http://idp.example.com/jwks")
(True, False)
>>> https_or_local("https://idp.example.com", need_path=False)
True
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def https_or_local(url: str, *, need_path: bool = True) -> bool:
    """``need_path=False`` for an issuer, which may be a bare origin."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return False
    if not host or (need_path and not parts.path):
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and local(host))


def local(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost") or "." not in host and ":" not in host:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local
