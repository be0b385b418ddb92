"""The server's routes of ALB authentication:

- ``GET /oauth2/idpresponse``: the sign-in callback; Traefik routes it here from every HTTPS listener with an
  authenticate-oidc rule, the Host header as the browser sent it.
- ``POST /oauth2/refresh``: the ``alb`` plugin's refresh of a session whose access token ended.
- ``GET /public-keys.auth.elb.<region>.amazonaws.com/<kid>``: the PEM public key that signed ``x-amzn-oidc-data``;
  also ``GET /<kid>`` with Host ``public-keys.auth.elb.<region>.amazonaws.com``, as ALB serves it (listener ports
  send that Host here: provider/compiler/compile.py).
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from provider.auth.keys import AuthKeys
from provider.auth.signin import Done, Refused, SignIn
from provider.partitions import PUBLIC_KEYS_HOST

_REGION = "{region}"
_BY_HOST = re.compile(re.escape(PUBLIC_KEYS_HOST).replace(re.escape(_REGION), "([a-z0-9-]+)") + r"(:\d+)?")
_PAGES = {401: "401 Authorization Required", 561: "561 Authentication Error"}


def _page(status: int) -> Response:
    title = _PAGES.get(status, str(status))
    body = f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n" \
           "</body>\r\n</html>\r\n"
    return Response(body, status, media_type="text/html", headers={"Server": "awselb/2.0"})


def _with_cookies(response: Response, done: Done) -> Response:
    for cookie in done.cookies:
        response.raw_headers.append((b"set-cookie", cookie.encode("latin-1")))
    return response


def routes(signin: SignIn, keys: AuthKeys) -> list[BaseRoute]:
    async def idp_response(request: Request) -> Response:
        try:
            done = await signin.callback(request.query_params, request.cookies, request.headers.get("host", ""))
        except Refused as refused:
            return _page(refused.status)
        redirect = RedirectResponse(done.location, 302, headers={"Server": "awselb/2.0"})
        return _with_cookies(redirect, done)

    async def refresh(request: Request) -> Response:
        try:
            asked = await request.json()
            done = await signin.refresh(str(asked["rule"]), str(asked["session"]))
        except (ValueError, KeyError, TypeError):
            return _page(400)
        except Refused as refused:
            return _page(refused.status)
        return JSONResponse({"session": done.sealed, "cookies": done.cookies})

    async def public_key(request: Request) -> Response:
        pem = keys.public_pem(request.path_params["region"], request.path_params["kid"])
        if pem is None:
            return PlainTextResponse("no such key\n", 404)
        return Response(pem, media_type="application/x-pem-file")

    return [
        Route("/oauth2/idpresponse", idp_response, methods=["GET"]),
        Route("/oauth2/refresh", refresh, methods=["POST"]),
        Route(f"/{PUBLIC_KEYS_HOST}/{{kid}}", public_key, methods=["GET"]),  # {region} is a path parameter
    ]


class PublicKeysHost:
    """ASGI middleware: ``GET /<kid>`` with Host ``public-keys.auth.elb.<region>.amazonaws.com`` is that path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
            found = _BY_HOST.fullmatch(host)
            if found:
                path = f"/{PUBLIC_KEYS_HOST.format(region=found.group(1))}{scope['path']}"
                scope = {**scope, "path": path, "raw_path": path.encode()}
        await self.app(scope, receive, send)

