"""A dashboard's body: AWS's validation of its JSON, and its widgets read into typed views (pure, no I/O).

PutDashboard refuses a body AWS would refuse, with AWS's list of ``{dataPath, message}`` (JSON-schema wording);
the status page draws what ``widgets`` reads. A metric widget's ``metrics`` rows are expanded the way the console
expands them: ``"..."`` first takes the previous row's values and the values given replace its last ones,
``"..."`` last keeps the previous row's values after the given ones, and ``"."`` repeats the value at the same
position of the previous row.

>>> expand([["AWS/ApplicationELB", "RequestCount", "LoadBalancer", "app/a/1"], ["...", "app/b/2"]])
[['AWS/ApplicationELB', 'RequestCount', 'LoadBalancer', 'app/a/1'], ['AWS/ApplicationELB', 'RequestCount', \
'LoadBalancer', 'app/b/2']]
>>> problems({"widgets": [{"type": "text", "properties": {}}]})
[('/widgets/0/properties', "Should have required property 'markdown'")]
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

WIDGET_TYPES = ("metric", "text", "log", "alarm", "explorer", "custom")
VIEWS = ("timeSeries", "singleValue", "gauge", "bar", "pie", "table")
DEFAULT_STAT, DEFAULT_PERIOD = "Average", 300
MAX_WIDTH, MAX_HEIGHT = 24, 1000
NOT_AN_OBJECT = "The field DashboardBody must be a valid JSON object"
METRICS_SHAPE = ('Field "metrics" has to be an array of array of strings, with an optional metricRenderer object as'
                 " last element")
METRIC_SOURCE = "The metric widget should have specified a region and a data source or an alarm annotation"

Problem = tuple[str, str]  # (dataPath, message)


class BodyError(ValueError):
    """The body is not a JSON object (``problems`` empty) or breaks the dashboard schema (``problems``)."""

    def __init__(self, problems: Sequence[Problem] = ()) -> None:
        super().__init__(NOT_AN_OBJECT if not problems else invalid_text(problems))
        self.problems = tuple(problems)


def invalid_text(problems: Sequence[Problem]) -> str:
    """AWS's message: 'The dashboard body is invalid, there are 2 validation errors:' and the list as JSON."""
    listed = json.dumps([{"dataPath": path, "message": message} for path, message in problems], indent=2)
    return f"The dashboard body is invalid, there are {len(problems)} validation errors:\n{listed}"


def parse(text: str) -> dict[str, Any]:
    """The body as a dict, or BodyError."""
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        raise BodyError() from None
    if not isinstance(body, dict):
        raise BodyError()
    found = problems(body)
    if found:
        raise BodyError(found)
    return body


def problems(body: dict[str, Any]) -> list[Problem]:
    widgets = body.get("widgets")
    if widgets is None:
        return [("", "Should have required property 'widgets'")]
    if not isinstance(widgets, list):
        return [("/widgets", "Should be array")]
    out: list[Problem] = []
    for n, widget in enumerate(widgets):
        out += _widget(widget, f"/widgets/{n}")
    return out


def _widget(widget: object, path: str) -> list[Problem]:
    if not isinstance(widget, dict):
        return [(path, "Should be object")]
    out: list[Problem] = []
    kind = widget.get("type")
    if kind is None:
        out.append((path, "Should have required property 'type'"))
    elif kind not in WIDGET_TYPES:
        out.append((f"{path}/type", "Should be equal to one of the allowed values"))
    for key, top in (("x", None), ("y", None), ("width", MAX_WIDTH), ("height", MAX_HEIGHT)):
        value = widget.get(key)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            out.append((f"{path}/{key}", "Should be integer"))
        elif value < (1 if top else 0):
            out.append((f"{path}/{key}", f"Should be >= {1 if top else 0}"))
        elif top is not None and value > top:
            out.append((f"{path}/{key}", f"Should be <= {top}"))
    props = widget.get("properties")
    if props is None:
        return [*out, (path, "Should have required property 'properties'")]
    if not isinstance(props, dict):
        return [*out, (f"{path}/properties", "Should be object")]
    if kind == "metric":
        out += _metric(props, f"{path}/properties")
    elif kind == "text" and not isinstance(props.get("markdown"), str):
        out.append((f"{path}/properties", "Should have required property 'markdown'"))
    return out


def _metric(props: dict[str, Any], path: str) -> list[Problem]:
    metrics, alarms = props.get("metrics"), (props.get("annotations") or {}).get("alarms")
    if metrics is None and not alarms:
        return [(path, "Should have required property 'metrics'"), (path, METRIC_SOURCE),
                (path, "Should have required property 'annotations'")]
    out: list[Problem] = []
    if not isinstance(props.get("region"), str):
        out.append((path, "Should have required property 'region'"))
    if metrics is None:
        return out
    if not isinstance(metrics, list):
        return [*out, (f"{path}/metrics", "Should be array")]
    for n, row in enumerate(metrics):
        where = f"{path}/metrics/{n}"
        if not isinstance(row, list) or not row:
            out += [(where, "Should be array"), (where, METRICS_SHAPE)]
            continue
        values, options = (row[:-1], row[-1]) if isinstance(row[-1], dict) else (row, None)
        if any(not isinstance(v, str) for v in values):
            out.append((where, METRICS_SHAPE))
        elif options is not None and not values and not isinstance(options.get("expression"), str):
            out.append((where, METRICS_SHAPE))
    view = props.get("view")
    if view is not None and view not in VIEWS:
        out.append((f"{path}/view", "Should be equal to one of the allowed values"))
    period = props.get("period")
    if period is not None and (not isinstance(period, int) or isinstance(period, bool) or period < 1):
        out.append((f"{path}/period", "Should be integer"))
    return out


def expand(rows: Sequence[Sequence[str]]) -> list[list[str]]:
    """The metrics rows' values (options removed) with "..." and "." replaced by the previous row's values."""
    out: list[list[str]] = []
    previous: list[str] = []
    for row in rows:
        values = list(row)
        if values and values[0] == "...":
            given = values[1:]
            values = previous[: max(len(previous) - len(given), 0)] + given
        elif values and values[-1] == "...":
            given = values[:-1]
            values = given + previous[len(given):]
        values = [previous[i] if v == "." and i < len(previous) else v for i, v in enumerate(values)]
        out.append(values)
        if values and values[0] != "":
            previous = values
    return out


@dataclass(frozen=True, slots=True)
class MetricLine:
    """One line of a metric widget: a metric (namespace, name, dimensions) or an expression over other ids."""

    id: str
    label: str | None
    visible: bool
    stat: str
    period: int
    namespace: str = ""
    metric_name: str = ""
    dimensions: tuple[tuple[str, str], ...] = ()
    expression: str | None = None


@dataclass(frozen=True, slots=True)
class Widget:
    kind: str
    title: str
    x: int = 0
    y: int = 0
    width: int = 6
    height: int = 6
    view: str = "timeSeries"
    lines: tuple[MetricLine, ...] = ()
    markdown: str = ""


def widgets(body: dict[str, Any]) -> list[Widget]:
    """A validated body's widgets, in order, metric rows expanded with the widget's stat and period as defaults."""
    out = []
    for raw in body.get("widgets", []):
        props = raw.get("properties") or {}
        kind = str(raw.get("type"))
        place = {k: raw[k] for k in ("x", "y", "width", "height") if isinstance(raw.get(k), int)}
        title = str(props.get("title") or "")
        if kind == "metric":
            out.append(Widget(kind, title, **place, view=str(props.get("view") or "timeSeries"),
                              lines=tuple(_lines(props))))
        elif kind == "text":
            out.append(Widget(kind, title, **place, markdown=str(props.get("markdown", ""))))
        else:
            out.append(Widget(kind, title, **place))
    return out


def _lines(props: dict[str, Any]) -> list[MetricLine]:
    stat = str(props.get("stat") or DEFAULT_STAT)
    period: int = props["period"] if isinstance(props.get("period"), int) else DEFAULT_PERIOD
    rows = props.get("metrics") or []
    options = [row[-1] if row and isinstance(row[-1], dict) else {} for row in rows]
    values = expand([[v for v in row if isinstance(v, str)] for row in rows])
    out = []
    for n, (row, opt) in enumerate(zip(values, options, strict=True), 1):
        label = opt.get("label")
        line = MetricLine(str(opt.get("id") or f"m{n}"), label if isinstance(label, str) else None,
                          opt.get("visible") is not False, str(opt.get("stat") or stat),
                          int(opt["period"]) if isinstance(opt.get("period"), int) else period)
        if isinstance(opt.get("expression"), str):
            out.append(dataclasses.replace(line, expression=opt["expression"]))
        elif len(row) >= 2:
            dims = tuple(zip(row[2::2], row[3::2], strict=False))
            out.append(dataclasses.replace(line, namespace=row[0], metric_name=row[1], dimensions=dims))
    return out
