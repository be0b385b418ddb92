"""Listener response-header attributes through the real Traefik: on every response of the listener (forwards,
fixed responses, redirects), Server removed with server.enabled=false, other listeners untouched."""

from __future__ import annotations

from dataclasses import replace

from provider.elbv2.model import Action, ActionType, Redirect
from provider.elbv2.model import ConditionField as F
from tests.support.backends import Backend
from tests.support.builders import StateBuilder, fixed
from tests.support.clients import Client
from tests.support.conditions import cond
from tests.support.processes import InProcessServer
from tests.support.traefik import Traefik

HEADERS = {
    "routing.http.response.strict_transport_security.header_value": "max-age=31536000; includeSubDomains",
    "routing.http.response.access_control_allow_origin.header_value": "https://app.example.com",
    "routing.http.response.x_frame_options.header_value": "DENY",
    "routing.http.response.x_content_type_options.header_value": "nosniff",
    "routing.http.response.content_security_policy.header_value": "default-src 'self'",
    "routing.http.response.server.enabled": "false",
}
EXPECTED = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Access-Control-Allow-Origin": "https://app.example.com",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'",
}


def test_headers_on_every_response_of_the_listener(
    provider: InProcessServer, traefik: Traefik, backends: dict[str, Backend]
) -> None:
    b = StateBuilder()
    b.lb("web")
    li = b.listener("web", 80)
    b.listeners[("web", 80)] = replace(li, attributes=tuple(sorted(HEADERS.items())))
    b.listener("web", 8000)  # no attributes: nothing added there
    b.tg("a", backends["a"])
    b.rule("web", 80, 1, fixed("teapot", "418"), cond(F.PATH_PATTERN, "/fixed"))
    moved = Action(ActionType.REDIRECT, redirect=Redirect("HTTP_301", path="/elsewhere"))
    b.rule("web", 80, 2, moved, cond(F.PATH_PATTERN, "/moved"))
    b.rule("web", 80, None, b.forward(("a", 1)))
    b.rule("web", 8000, None, fixed("plain", "200"))
    traefik.wait_applied(provider.load(b.state()))
    assert traefik.problems() == []
    client = Client(traefik.ports[80])
    for path, status in (("/", 200), ("/fixed", 418), ("/moved", 301)):
        for method in ("GET", "POST", "get"):
            reply = client.request(path, method)
            assert reply.status == status
            assert {h: reply.header(h) for h in EXPECTED} == EXPECTED, (path, method)
            assert reply.header("Server") is None, (path, method)
    other = Client(traefik.ports[8000]).request("/")
    assert (other.status, other.header("Server"), other.header("X-Frame-Options")) == (200, "awselb/2.0", None)
