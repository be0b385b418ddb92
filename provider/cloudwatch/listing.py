"""ListMetrics: the metrics that have data, stored or computed from requests, with AWS's filters and paging.

Usage: ``list_metrics(ctx, {"namespace": "AWS/ApplicationELB", "dimensions": [{"name": "TargetGroup"}]})``
gives ``{"metrics": [{"namespace": "AWS/ApplicationELB", "metric_name": "RequestCount", "dimensions": [...]}, ...]}``.
"""

from __future__ import annotations

from datetime import timedelta

from provider import texts
from provider.cloudwatch import alb, points, validate
from provider.cloudwatch.alb_series import PER_TARGET
from provider.cloudwatch.context import Context, Handler, Params, Result
from provider.cloudwatch.errors import InvalidNextToken, InvalidParameterValue
from provider.cloudwatch.model import Metric
from provider.cloudwatch.timestamps import to_ms
from provider.store import Store
from provider.telemetry import queries as traffic

PAGE_SIZE = 500
RECENTLY_ACTIVE = {"PT3H": timedelta(hours=3)}


def list_metrics(ctx: Context, params: Params) -> Result:
    recently = params.get("recently_active")
    if recently is not None and recently not in RECENTLY_ACTIVE:
        raise InvalidParameterValue(f"The value {recently} for parameter RecentlyActive is not valid.")
    since = to_ms(ctx.now() - RECENTLY_ACTIVE[recently]) if recently else None
    wanted = [(str(validate.required(d, "name", "Dimensions.Name")), d.get("value"))
              for d in params.get("dimensions") or ()]
    found = sorted(
        (m for m in known_metrics(ctx.store, since)
         if _matches(m, params.get("namespace"), params.get("metric_name"), wanted)),
        key=lambda m: (m.namespace, m.name, m.dimensions),
    )
    start = _start(params.get("next_token"))
    page = found[start : start + PAGE_SIZE]
    result: Result = {
        "metrics": [
            {"namespace": m.namespace, "metric_name": m.name,
             "dimensions": [{"name": n, "value": v} for n, v in m.dimensions]}
            for m in page
        ]
    }
    if start + PAGE_SIZE < len(found):
        result["next_token"] = str(start + PAGE_SIZE)
    return result


def known_metrics(store: Store, since: int | None) -> set[Metric]:
    """Every metric that has data (since ``since`` ms when given): stored, and computed from requests."""
    out = set(points.stored_metrics(store, since))
    for lb, tg, name in _with_per_target(traffic.seen(store, since)):
        values = {"LoadBalancer": lb, "TargetGroup": tg}
        for names in alb.ALB_METRICS[name].dimension_sets:
            if all(values[n] is not None for n in names):
                out.add(Metric.of(alb.NAMESPACE, name, {n: str(values[n]) for n in names}))
    return out


def _with_per_target(seen: list[tuple[str, str | None, str]]) -> list[tuple[str, str | None, str]]:
    """RequestCountPerTarget exists wherever a group's RequestCount does."""
    return seen + [(lb, tg, PER_TARGET) for lb, tg, name in seen if name == "RequestCount" and tg]


def _matches(m: Metric, namespace: str | None, name: str | None, wanted: list[tuple[str, str | None]]) -> bool:
    if (namespace is not None and m.namespace != namespace) or (name is not None and m.name != name):
        return False
    have = dict(m.dimensions)
    return all(n in have and (v is None or have[n] == v) for n, v in wanted)


def _start(token: str | None) -> int:
    if token is None:
        return 0
    if not token.isdigit():
        raise InvalidNextToken(texts.NEXT_TOKEN_UNPROCESSABLE)
    return int(token)


OPERATIONS: dict[str, Handler] = {"ListMetrics": list_metrics}
