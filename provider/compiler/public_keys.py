"""The signing keys' host name on listener ports: while any rule signs users in, every listener port answers
``public-keys.auth.elb.<region>.amazonaws.com`` of each signing load balancer's region (this server serves the key
of the path's kid), HTTPS ports only for the regions with a certificate for it (from the local CA)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from provider.compiler.answers import SIGNIN_SERVICE
from provider.compiler.dynamic import router_entry
from provider.compiler.matchers import go_quote
from provider.partitions import PUBLIC_KEYS_HOST


def public_key_routers(secure_ports: Mapping[int, bool], regions: Sequence[str], certified: Collection[str],
                       priority: int) -> dict[int, tuple[str, str]]:
    """Listener port -> (router name, router text) to this server's sign-in service; ``secure_ports``: port ->
    HTTPS; ``certified``: the regions whose host name has a certificate."""
    out = {}
    for port, secure in sorted(secure_ports.items()):
        hosts = [PUBLIC_KEYS_HOST.format(region=r) for r in regions if not secure or r in certified]
        if hosts:
            name = f"elbv2-public-keys-{port}"
            expr = " || ".join(f"Host({go_quote(host)})" for host in hosts)
            out[port] = (name, router_entry(name, port, priority, expr, SIGNIN_SERVICE, [], secure))
    return out
