"""The stored CloudWatch dashboards, drawn: GET /ui/dashboards/ lists them, /ui/dashboards/<name> draws one.

Metric widgets read the same GetMetricData the API answers (provider/cloudwatch/metric_data.py): each metrics row
is a MetricStat query (the widget's stat and period unless the row's own say otherwise), each ``expression`` row
metric math over the others' ids, rows with ``"visible": false`` are read but not drawn. The ``timeSeries`` view
is a line per result; every other view shows each result's latest value. Text widgets show their markdown as text
(escaped, never as HTML); other widget types say they are not rendered here. The body's ``start`` (``-PT3H``,
``-PT15M``, ``-P1D``; default three hours, as the console) sets the window, which ends now.

>>> window_seconds("-PT15M"), window_seconds("-P1D"), window_seconds(None)
(900, 86400, 10800)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from importlib import resources
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from provider.cloudwatch import dashboard_body, metric_data
from provider.cloudwatch import dashboard_store as stored
from provider.cloudwatch.context import Context
from provider.cloudwatch.dashboard_body import MetricLine, Widget
from provider.cloudwatch.timestamps import to_ms
from provider.errors import ApiError
from provider.ui.render import HEADERS

DEFAULT_WINDOW_S = 3 * 3600
ROW_PX = 36  # the height of one grid row (a widget is 6 rows high by default)
_DURATION = re.compile(r"-P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title><meta http-equiv="refresh" content="{refresh}">
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<style>{css}</style></head><body><header><h1>{title}</h1><a href="/ui/">status page</a>
<a href="/ui/dashboards/">dashboards</a><span id="live">refreshed every {refresh} s</span></header><main>{main}</main>
</body></html>
"""
_CSS = """
.board { display: grid; grid-template-columns: repeat(24, 1fr); grid-auto-rows: 36px; gap: 6px; }
.widget { background: #fff; border: 1px solid var(--line); border-radius: 4px; padding: .3em .6em; overflow: hidden;
  display: flex; flex-direction: column; }
.widget h3 { margin: 0; font-size: .95em; }
.widget svg { flex: 1; width: 100%; min-height: 40px; }
.widget polyline { fill: none; stroke-width: 1.5; vector-effect: non-scaling-stroke; }
.widget path.dots { fill: none; stroke-width: 5; stroke-linecap: round; vector-effect: non-scaling-stroke; }
.widget .legend, .widget .note { font-size: .8em; color: var(--muted); margin: 0; }
.widget .number { font-size: 1.8em; font-variant-numeric: tabular-nums; }
.widget .text { white-space: pre-wrap; margin: 0; font: inherit; }
.widget .error { color: var(--bad); font-size: .85em; }
"""
_PALETTE = resources.files("provider.ui").joinpath("static/page.css").read_text()  # the status page's
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


@dataclass(frozen=True, slots=True)
class Drawn:
    """One result of a metric widget: its label and its points, oldest first."""

    label: str
    points: tuple[tuple[int, float], ...]


def window_seconds(start: object) -> int:
    m = _DURATION.fullmatch(start) if isinstance(start, str) else None
    if m is None or not any(m.groups()):
        return DEFAULT_WINDOW_S
    days, hours, minutes, seconds = (int(g or 0) for g in m.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def read(ctx: Context, widget: Widget, start: datetime, end: datetime) -> list[Drawn]:
    """The widget's visible results from GetMetricData over [start, end); an ApiError says why not."""
    queries = [_query(line) for line in widget.lines]
    if not queries:
        return []
    answer = metric_data.get_metric_data(ctx, {"metric_data_queries": queries, "start_time": start,
                                               "end_time": end, "scan_by": "TimestampAscending"})
    return [Drawn(str(r["label"]), tuple(zip(r["timestamps"], r["values"], strict=True)))
            for r in answer["metric_data_results"]]


def _query(line: MetricLine) -> dict[str, Any]:
    query: dict[str, Any] = {"id": line.id, "return_data": line.visible}
    if line.label:
        query["label"] = line.label
    if line.expression is not None:
        return {**query, "expression": line.expression, "period": line.period}
    metric = {"namespace": line.namespace, "metric_name": line.metric_name,
              "dimensions": [{"name": n, "value": v} for n, v in line.dimensions]}
    return {**query, "metric_stat": {"metric": metric, "period": line.period, "stat": line.stat}}


def index_html(ctx: Context) -> str:
    rows = "".join(
        f'<tr><td><a href="{escape(d.name)}">{escape(d.name)}</a></td><td class="num">{d.size}</td>'
        f"<td>{escape(d.last_modified.strftime('%Y-%m-%d %H:%M:%S'))} UTC</td></tr>"
        for d in stored.all_dashboards(ctx.store)
    )
    body = ("<table><thead><tr><th>Dashboard</th><th>Size</th><th>Last modified</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>") if rows else (
        '<p class="empty">No dashboards yet: <code>aws cloudwatch put-dashboard</code>.</p>')
    return _page("CloudWatch dashboards", body, refresh=10)


def dashboard_html(ctx: Context, name: str) -> str | None:
    """The dashboard drawn, or None when there is none of that name."""
    found = stored.get_dashboard(ctx.store, name)
    if found is None:
        return None
    body = dashboard_body.parse(found.body)
    end = ctx.now()
    start = end - timedelta(seconds=window_seconds(body.get("start")))
    cells = "".join(_widget(ctx, w, start, end) for w in dashboard_body.widgets(body))
    return _page(f"Dashboard {name}", f'<div class="board">{cells}</div>', refresh=5)


def _page(title: str, main: str, refresh: int) -> str:
    return _PAGE.format(title=escape(title), refresh=refresh, css=_PALETTE + _CSS, main=main)


def _widget(ctx: Context, w: Widget, start: datetime, end: datetime) -> str:
    place = f"grid-column: {w.x + 1} / span {w.width}; grid-row: {w.y + 1} / span {w.height}"
    head = f"<h3>{escape(w.title)}</h3>" if w.title else ""
    if w.kind == "text":
        inner = f'<pre class="text">{escape(w.markdown)}</pre>'
    elif w.kind != "metric":
        inner = f'<p class="note">{escape(w.kind)} widget: not rendered here</p>'
    else:
        try:
            drawn = read(ctx, w, start, end)
        except ApiError as e:
            inner = f'<p class="error">{escape(e.code)}: {escape(e.message)}</p>'
        else:
            inner = _line(drawn, start, end) if w.view == "timeSeries" else _numbers(drawn)
    return (f'<article class="widget {escape(w.kind)} view-{escape(w.view)}" style="{place}">'
            f"{head}{inner}</article>")


def _line(drawn: list[Drawn], start: datetime, end: datetime) -> str:
    """Each result as a polyline: x is time over the window, y the value over the widget's largest."""
    width, height = 600, 100
    t0, t1 = to_ms(start), to_ms(end)
    top = max((v for d in drawn for _, v in d.points), default=0.0) or 1.0
    lines, legend = [], []
    for n, d in enumerate(drawn):
        color = COLORS[n % len(COLORS)]
        xy = [f"{width * (t - t0) / (t1 - t0):.1f},{height - height * v / top:.1f}" for t, v in d.points]
        lines.append(f'<polyline stroke="{color}" points="{" ".join(xy)}" data-label="{escape(d.label)}"'
                     f' data-points="{len(d.points)}"/>')
        if xy:  # a dot on each point, so a lone one shows too
            lines.append(f'<path class="dots" stroke="{color}" d="{" ".join(f"M{p}h0" for p in xy)}"/>')
        legend.append(f'<span style="color:{color}">&#9632;</span> {escape(d.label)}')
    return (f'<svg viewBox="0 0 {width} {height}" preserveAspectRatio="none" role="img" aria-label="max {top:g}">'
            f'{"".join(lines)}</svg><p class="legend">{" ".join(legend)} &middot; max {top:g}</p>')


def _numbers(drawn: list[Drawn]) -> str:
    cells = "".join(
        f'<div><span class="number">{d.points[-1][1]:g}</span><p class="legend">{escape(d.label)}</p></div>'
        if d.points else f'<div><span class="number">-</span><p class="legend">{escape(d.label)}</p></div>'
        for d in drawn
    )
    return f'<div class="numbers">{cells}</div>'


def routes(ctx: Context) -> list[BaseRoute]:
    """GET /ui/dashboards/ and /ui/dashboards/<name> (served by the metrics process: provider/metricsserver/)."""

    def index(_: Request) -> Response:
        return HTMLResponse(index_html(ctx), headers=HEADERS)

    def dashboard(request: Request) -> Response:
        drawn = dashboard_html(ctx, request.path_params["name"])
        if drawn is None:
            return HTMLResponse("<p>No dashboard of that name.</p>", status_code=404, headers=HEADERS)
        return HTMLResponse(drawn, headers=HEADERS)

    return [
        Route("/ui/dashboards/", index, methods=["GET"]),
        Route("/ui/dashboards/{name}", dashboard, methods=["GET"]),
    ]
