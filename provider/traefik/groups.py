"""PURE: one target group -> its Traefik loadBalancer service (servers, stickiness cookie, transport).

>>> server_url("http", "::1", 80)
'http://[::1]:80'
"""

from __future__ import annotations

from collections.abc import Sequence

from provider.elbv2.model import ProtocolName, StickinessType, TargetGroup
from provider.traefik.dynamic import cookie, entry, load_balancer

INSECURE_TRANSPORT = "elbv2-insecure"  # ALB does not verify target certificates


def server_url(scheme: str, host: str, port: int) -> str:
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


def _stickiness(tg: TargetGroup) -> tuple[str, int] | None:
    """(cookie name, max age) when the group's stickiness is enabled."""
    stickiness = tg.stickiness
    if stickiness is None:
        return None
    if stickiness.type is StickinessType.APP_COOKIE:  # approximation: Traefik issues its own cookie
        return "AWSALBAPP", stickiness.duration_seconds
    return "AWSALB", stickiness.duration_seconds


Servers = Sequence[tuple[str, int]]


def group_service(tg: TargetGroup, base: str, servers: Servers, secure: bool) -> tuple[str, str, bool]:
    """(service name, entry text, uses the insecure transport). ``base`` is ``tg-<name>``; a sticky group used by an
    HTTPS listener gets a ``-tls`` variant whose cookie is Secure."""
    stickiness = _stickiness(tg)
    name = base + ("-tls" if stickiness and secure else "")
    scheme = "https" if tg.protocol == ProtocolName.HTTPS else "http"
    urls = [server_url(scheme, h, p) for h, p in servers]
    sticky = cookie(stickiness[0], stickiness[1], secure) if stickiness else None
    transport = INSECURE_TRANSPORT if scheme == "https" else None
    return name, entry(name, load_balancer(urls, sticky, transport)), transport is not None
