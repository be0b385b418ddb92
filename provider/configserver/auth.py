"""Bearer-token check for the config endpoint (``--provider-token``): Traefik sends the token as a header."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response


def refusal(request: Request, token: str | None) -> Response | None:
    """None when the request may have the config (or no token is set); else 401 without a token, 403 with a
    wrong one. Compared in constant time."""
    if not token:
        return None
    given = request.headers.get("authorization")
    if given is None:
        return PlainTextResponse("missing bearer token\n", status_code=401, headers={"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return PlainTextResponse("wrong bearer token\n", status_code=403)
    return None
