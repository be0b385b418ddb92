"""Routes Traefik uses: the compiled dynamic configuration and fixed responses. (Filled in by the data-plane work.)"""

from __future__ import annotations

from starlette.routing import BaseRoute

from provider.runtime import Runtime


def routes(runtime: Runtime) -> list[BaseRoute]:
    return []
