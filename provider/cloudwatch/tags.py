"""TagResource, UntagResource and ListTagsForResource for alarm and dashboard ARNs, and the Tags of
PutMetricAlarm and PutDashboard (kept when the resource is created; ignored when it is redefined, as on AWS).

An ARN naming no alarm or dashboard: TagResource and UntagResource answer ResourceNotFoundException,
ListTagsForResource an empty list (what AWS answers for a deleted alarm).

>>> parse([{"key": "team", "value": "web"}, {"key": "env", "value": "prod"}])
(('team', 'web'), ('env', 'prod'))
>>> resource("arn:aws:cloudwatch::123456789012:dashboard/alb")
('dashboard', 'alb')
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from provider import texts
from provider.cloudwatch import alarm_store, dashboard_store, tag_store, validate
from provider.cloudwatch.context import Context, Handler, Params, Result
from provider.cloudwatch.errors import InvalidParameterValue, ResourceNotFoundException
from provider.cloudwatch.tag_store import Tags

MAX_TAGS = 50
_ARN = re.compile(r"arn:aws(?:-cn|-us-gov)?:cloudwatch:([a-z0-9-]*):(\d{12}):(?:alarm:(.+)|dashboard/(.+))")


def parse(items: Sequence[Params] | None, name: str = "Tags") -> Tags:
    """[{'key': k, 'value': v}] -> ((k, v),); a key given twice keeps its last value, in its first place."""
    out: dict[str, str] = {}
    for n, item in enumerate(items or (), 1):
        key = str(validate.required(item, "key", f"{name}.member.{n}.Key"))
        out[key] = str(validate.required(item, "value", f"{name}.member.{n}.Value"))
    if len(out) > MAX_TAGS:
        raise InvalidParameterValue(texts.TOO_MANY_TAGS.format(limit=MAX_TAGS))
    return tuple(out.items())


def resource(arn: str) -> tuple[str, str] | None:
    """('alarm' | 'dashboard', name) for a CloudWatch alarm or dashboard ARN, else None."""
    m = _ARN.fullmatch(arn)
    if m is None or (m[4] is not None and m[1]):  # a dashboard ARN has no region
        return None
    return ("alarm", m[3]) if m[3] is not None else ("dashboard", m[4])


def exists(ctx: Context, arn: str) -> bool:
    found = resource(arn)
    if found is None:
        return False
    kind, name = found
    if kind == "alarm":
        return alarm_store.get_alarm(ctx.store, arn) is not None
    dashboard = dashboard_store.get_dashboard(ctx.store, name)
    return dashboard is not None and dashboard.arn == arn


def _existing(ctx: Context, params: Params) -> str:
    arn = str(validate.required(params, "resource_arn", "ResourceARN"))
    if not exists(ctx, arn):
        raise ResourceNotFoundException(texts.TAGGED_RESOURCE_NOT_FOUND.format(arn=arn))
    return arn


def tag_resource(ctx: Context, params: Params) -> Result:
    arn = _existing(ctx, params)
    merged = dict(tag_store.get_tags(ctx.store, arn)) | dict(parse(params.get("tags")))
    if len(merged) > MAX_TAGS:
        raise InvalidParameterValue(texts.TOO_MANY_TAGS.format(limit=MAX_TAGS))
    tag_store.set_tags(ctx.store, arn, tuple(merged.items()))
    return {}


def untag_resource(ctx: Context, params: Params) -> Result:
    arn = _existing(ctx, params)
    gone = {str(k) for k in validate.required(params, "tag_keys", "TagKeys")}
    tag_store.set_tags(ctx.store, arn, tuple((k, v) for k, v in tag_store.get_tags(ctx.store, arn) if k not in gone))
    return {}


def list_tags_for_resource(ctx: Context, params: Params) -> Result:
    arn = str(validate.required(params, "resource_arn", "ResourceARN"))
    found = tag_store.get_tags(ctx.store, arn) if exists(ctx, arn) else ()
    return {"tags": [{"key": k, "value": v} for k, v in found]}


OPERATIONS: dict[str, Handler] = {
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags_for_resource,
}
