"""AddTags, RemoveTags, DescribeTags, and the tag rules every Create* with Tags shares (validate_tags).

>>> validate_tags([{"key": "team", "value": "web"}])
(('team', 'web'),)
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from provider.elbv2 import lookup
from provider.elbv2.context import Context, Handler, Params, Result
from provider.elbv2.limits import RESOURCES_PER_TAG_CALL, TAG_KEY_LENGTH, TAG_VALUE_LENGTH, TAGS_PER_RESOURCE
from provider.elbv2.model import Tags
from provider.errors import DuplicateTagKeys, TooManyTags, ValidationError

RESERVED_PREFIX = "aws:"
_PUNCTUATION = set("_.:/=+-@")


def validate_tags(raw: Iterable[Mapping[str, Any]] | None) -> Tags:
    """Request tags (``[{"key", "value"}]``) -> Tags, in request order; AWS's key, value and count rules."""
    tags: dict[str, str] = {}
    for item in raw or ():
        key, value = str(item.get("key") or ""), str(item.get("value") or "")
        validate_tag_key(key)
        if len(value) > TAG_VALUE_LENGTH or not _allowed(value):
            raise ValidationError(
                f"Tag value for key '{key}' must be at most {TAG_VALUE_LENGTH} letters, digits, spaces or _.:/=+-@"
            )
        if key in tags:
            raise DuplicateTagKeys(f"Tag key '{key}' is duplicated")
        tags[key] = value
    if len(tags) > TAGS_PER_RESOURCE:
        raise TooManyTags(f"A resource can have at most {TAGS_PER_RESOURCE} tags; {len(tags)} were given")
    return tuple(tags.items())


def validate_tag_key(key: str) -> None:
    if not 1 <= len(key) <= TAG_KEY_LENGTH or not _allowed(key):
        raise ValidationError(f"Tag key '{key}' must be 1 to {TAG_KEY_LENGTH} letters, digits, spaces or _.:/=+-@")
    if key.lower().startswith(RESERVED_PREFIX):
        raise ValidationError(f"Tag key '{key}' uses the reserved prefix '{RESERVED_PREFIX}'")


def _allowed(text: str) -> bool:
    """The model's pattern ``[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*``, which Python's re cannot spell."""
    return all(c in _PUNCTUATION or unicodedata.category(c)[0] in "LZN" for c in text)


def shape_tags(tags: Tags) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in tags]


def _resource_arns(p: Params) -> list[str]:
    resource_arns: list[str] = list(dict.fromkeys(p.get("resource_arns") or []))
    if not resource_arns:
        raise ValidationError("ResourceArns must name at least one resource")
    if len(resource_arns) > RESOURCES_PER_TAG_CALL:
        raise ValidationError(f"ResourceArns can name at most {RESOURCES_PER_TAG_CALL} resources")
    return resource_arns


def add_tags(ctx: Context, p: Params) -> Result:
    resource_arns, new = _resource_arns(p), validate_tags(p.get("tags"))
    with ctx.store.write() as tx:
        for arn in resource_arns:
            lookup.require_resource(tx.state, arn)
            merged = dict(tx.state.tags.get(arn, ())) | dict(new)
            if len(merged) > TAGS_PER_RESOURCE:
                raise TooManyTags(f"The tag limit of {TAGS_PER_RESOURCE} for resource '{arn}' would be exceeded")
            tx.set_tags(arn, tuple(merged.items()))
    return {}


def remove_tags(ctx: Context, p: Params) -> Result:
    resource_arns, keys = _resource_arns(p), set(p.get("tag_keys") or [])
    with ctx.store.write() as tx:
        for arn in resource_arns:
            lookup.require_resource(tx.state, arn)
            tx.set_tags(arn, tuple((k, v) for k, v in tx.state.tags.get(arn, ()) if k not in keys))
    return {}


def describe_tags(ctx: Context, p: Params) -> Result:
    state = ctx.store.snapshot()
    resource_arns = _resource_arns(p)
    for arn in resource_arns:
        lookup.require_resource(state, arn)
    descriptions = [{"resource_arn": arn, "tags": shape_tags(state.tags.get(arn, ()))} for arn in resource_arns]
    return {"tag_descriptions": descriptions}


OPERATIONS: dict[str, Handler] = {
    "AddTags": add_tags,
    "RemoveTags": remove_tags,
    "DescribeTags": describe_tags,
}
