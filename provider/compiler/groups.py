"""PURE: one target group -> its Traefik loadBalancer service (servers, stickiness cookie, transport).

>>> server_url("http", "::1", 80)
'http://[::1]:80'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from provider.compiler.dynamic import cookie, entry, load_balancer
from provider.elbv2.group_routing import Algorithm, algorithm
from provider.elbv2.model import ProtocolName, StickinessType, TargetGroup

INSECURE_TRANSPORT = "elbv2-insecure"  # ALB does not verify target certificates
# load_balancing.algorithm.type -> loadBalancer.strategy (None: Traefik's default, wrr). Least outstanding
# requests: p2c compares the in-flight requests of two servers picked at random (of two servers: both, exactly
# ALB's rule); leasttime weighs response times too (bench/algorithms.py measures both). weighted_random: wrr,
# the same shares in expectation, in a deterministic order.
STRATEGY = {
    Algorithm.ROUND_ROBIN: None,
    Algorithm.WEIGHTED_RANDOM: None,
    Algorithm.LEAST_OUTSTANDING_REQUESTS: "p2c",
}


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
Weights = Mapping[tuple[str, int], int]  # (host, port) -> weight, while a target ramps up (slow start)


def group_service(
    tg: TargetGroup, base: str, servers: Servers, secure: bool, weights: Weights | None = None
) -> tuple[str, str, bool]:
    """(service name, entry text, uses the insecure transport). ``base`` is ``tg-<name>``; a sticky group used by an
    HTTPS listener gets a ``-tls`` variant whose cookie is Secure."""
    stickiness = _stickiness(tg)
    name = base + ("-tls" if stickiness and secure else "")
    scheme = "https" if tg.protocol == ProtocolName.HTTPS else "http"
    urls = [server_url(scheme, h, p) for h, p in servers]
    sticky = cookie(stickiness[0], stickiness[1], secure) if stickiness else None
    transport = INSECURE_TRANSPORT if scheme == "https" else None
    ramp = [weights.get(s, 1) for s in servers] if weights else []
    service = load_balancer(urls, sticky, transport, STRATEGY[algorithm(tg)], ramp)
    return name, entry(name, service), transport is not None
