"""GET /ui/ (the page), /ui/body (its blocks, polled each second), /ui/app.js; the stored CloudWatch dashboards
drawn (/ui/dashboards/, /ui/dashboards/<name>) are the metrics process's (provider/ui/dashboards.py), passed
through. Read-only.

Not behind the provider token: that token guards Traefik's config endpoint only, and the page shows no secret
(no tags, no attribute values beyond the health-check settings). It binds where the API binds.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from provider.elbv2.model import State, Target
from provider.elbv2.target_health import HealthView
from provider.rollout import records
from provider.store import Store
from provider.telemetry.queries import WINDOW_S, read_traffic
from provider.ui.render import HEADERS, body_html, page_html
from provider.ui.rollouts import RolloutView, rollout_views
from provider.ui.view import Page, TargetStatus, build_page

RowsOf = Callable[[int, int], Sequence[tuple[Any, ...]]]  # telemetry.queries.traffic_rows, wherever it runs
_JS = resources.files("provider.ui").joinpath("static/app.js").read_bytes()


def target_status(health: HealthView, state: State, target: Target) -> TargetStatus:
    """The one place the page reads target health (its types are moving into provider/elbv2/)."""
    seen = health.describe(state, target)
    return TargetStatus(str(seen.state), seen.reason, seen.description)


def current_rollouts(store: Store, state: State) -> tuple[RolloutView, ...]:
    """The records as GET /rollouts lists them (provider/rollout/records.py), as the page shows them."""
    return rollout_views(records.all_records(store), state, datetime.now(UTC))


def current_page(store: Store, health: HealthView, rows_of: RowsOf) -> Page:
    state = store.snapshot()
    traffic = read_traffic(rows_of, int(time.time() * 1000))
    return build_page(
        state, lambda t: target_status(health, state, t), traffic, WINDOW_S, current_rollouts(store, state)
    )


def routes(store: Store, health: HealthView, rows_of: RowsOf,
           dashboards: Callable[[Request], Awaitable[Response]]) -> list[BaseRoute]:
    """The page reads the store (resources, rollouts), the health checker's view of each target and the observed
    traffic (``rows_of``); ``dashboards`` answers the dashboards' pages."""

    # Plain (sync) handlers: Starlette runs them in its thread pool, so a page of 1000 rules and the traffic's read
    # never hold up Traefik's long poll on the event loop.
    def page(_: Request) -> Response:
        return HTMLResponse(page_html(current_page(store, health, rows_of)), headers=HEADERS)

    def body(request: Request) -> Response:
        have = frozenset(request.query_params.get("have", "").split(","))
        return HTMLResponse(body_html(current_page(store, health, rows_of), have), headers=HEADERS)

    def script(_: Request) -> Response:
        return Response(_JS, media_type="text/javascript", headers=HEADERS)

    def to_page(_: Request) -> Response:
        return RedirectResponse("/ui/", status_code=308)

    return [
        Route("/ui", to_page, methods=["GET"]),
        Route("/ui/", page, methods=["GET"]),
        Route("/ui/body", body, methods=["GET"]),
        Route("/ui/app.js", script, methods=["GET"]),
        Route("/ui/dashboards/", dashboards, methods=["GET"]),
        Route("/ui/dashboards/{name}", dashboards, methods=["GET"]),
    ]
