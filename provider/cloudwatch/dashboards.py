"""The dashboard operations: PutDashboard (the body checked as AWS checks it), GetDashboard, ListDashboards and
DeleteDashboards (all or nothing). Dashboards are global: one set per account, their ARNs carry no region.

Usage: ``put_dashboard(ctx, {"dashboard_name": "alb", "dashboard_body": '{"widgets": []}'})`` ->
``{"dashboard_validation_messages": []}``.
"""

from __future__ import annotations

import re
from typing import Any

from provider import partitions, texts
from provider.cloudwatch import dashboard_body, tag_store, tags, validate
from provider.cloudwatch import dashboard_store as stored
from provider.cloudwatch.context import Context, Handler, Params, Result
from provider.cloudwatch.dashboard_store import Dashboard
from provider.cloudwatch.errors import InvalidParameterValue
from provider.cloudwatch.paging import answer, page
from provider.errors import ApiError

NAME = re.compile(r"[A-Za-z0-9_-]+")
MAX_NAME = 255
PAGE_SIZE = 1000  # ListDashboards' page, as on AWS
MAX_DELETE = 100


class DashboardInvalidInput(ApiError):
    code = "InvalidParameterInput"


class DashboardNotFound(ApiError):
    code = "ResourceNotFound"
    status = 404


def dashboard_arn(ctx: Context, name: str) -> str:
    return partitions.arn("cloudwatch", ctx.region, ctx.account, f"dashboard/{name}", regional=False)


def put_dashboard(ctx: Context, params: Params) -> Result:
    name = str(validate.required(params, "dashboard_name", "DashboardName"))
    if len(name) > MAX_NAME:
        raise InvalidParameterValue(texts.DASHBOARD_NAME_LENGTH.format(limit=MAX_NAME))
    if not NAME.fullmatch(name):
        raise InvalidParameterValue(texts.DASHBOARD_NAME_CHARACTERS)
    text = str(validate.required(params, "dashboard_body", "DashboardBody"))
    try:
        dashboard_body.parse(text)
    except dashboard_body.BodyError as e:  # the list is in the message and the error's own member, as on AWS
        listed = [{"data_path": path, "message": message} for path, message in e.problems]
        raise DashboardInvalidInput(str(e), {"dashboard_validation_messages": listed} if listed else None) from None
    new_tags = tags.parse(params.get("tags"))
    old = stored.get_dashboard(ctx.store, name)
    dashboard = Dashboard(name, old.arn if old else dashboard_arn(ctx, name), text, ctx.now())
    stored.put_dashboard(ctx.store, dashboard)
    if old is None and new_tags:  # Tags count only when the dashboard is created, as on AWS
        tag_store.set_tags(ctx.store, dashboard.arn, new_tags)
    return {"dashboard_validation_messages": []}


def get_dashboard(ctx: Context, params: Params) -> Result:
    name = str(validate.required(params, "dashboard_name", "DashboardName"))
    found = stored.get_dashboard(ctx.store, name)
    if found is None:
        raise DashboardNotFound(texts.DASHBOARD_NOT_FOUND.format(name=name))
    return {"dashboard_arn": found.arn, "dashboard_body": found.body, "dashboard_name": found.name}


def list_dashboards(ctx: Context, params: Params) -> Result:
    prefix = str(params.get("dashboard_name_prefix") or "")
    found = [d for d in stored.all_dashboards(ctx.store) if d.name.startswith(prefix)]
    shown, token = page(found, lambda d: d.name, params.get("next_token"), PAGE_SIZE,
                        InvalidParameterValue(texts.NEXT_TOKEN_INVALID))
    return answer("dashboard_entries", [_entry(d) for d in shown], token)


def delete_dashboards(ctx: Context, params: Params) -> Result:
    names = [str(n) for n in validate.required(params, "dashboard_names", "DashboardNames")]
    if not names:
        raise InvalidParameterValue(texts.DASHBOARD_NAMES_EMPTY)
    if len(names) > MAX_DELETE:
        raise InvalidParameterValue(texts.COLLECTION_TOO_LONG.format(name="DashboardNames", limit=MAX_DELETE))
    found = {d.name: d for d in stored.all_dashboards(ctx.store) if d.name in names}
    missing = [n for n in dict.fromkeys(names) if n not in found]
    if missing:  # all or nothing
        raise DashboardNotFound(texts.DASHBOARDS_NOT_FOUND.format(names=", ".join(missing)))
    stored.delete_dashboards(ctx.store, list(found))
    tag_store.delete_tags(ctx.store, [d.arn for d in found.values()])
    return {}


def _entry(d: Dashboard) -> dict[str, Any]:
    return {"dashboard_name": d.name, "dashboard_arn": d.arn, "last_modified": d.last_modified, "size": d.size}



OPERATIONS: dict[str, Handler] = {
    "PutDashboard": put_dashboard,
    "GetDashboard": get_dashboard,
    "ListDashboards": list_dashboards,
    "DeleteDashboards": delete_dashboards,
}
