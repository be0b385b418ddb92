"""ACM's tags: AddTagsToCertificate, RemoveTagsFromCertificate, ListTagsForCertificate (at most 50, no `aws:` keys).

>>> validated([{"key": "env", "value": "dev"}])
(('env', 'dev'),)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from provider.acm.context import Context, Handler, Params, Result
from provider.acm.errors import InvalidTag, TooManyTags
from provider.acm.model import Certificate, Tags

MAX_TAGS = 50


def validated(raw: Sequence[Mapping[str, Any]] | None, existing: Tags = ()) -> Tags:
    merged: dict[str, str | None] = dict(existing)
    for tag in raw or ():
        key = tag["key"]
        if key.lower().startswith("aws:"):
            raise InvalidTag(f"Tag key '{key}' uses the reserved prefix 'aws:'.")
        merged[key] = tag.get("value")
    if len(merged) > MAX_TAGS:
        raise TooManyTags(f"A certificate can have at most {MAX_TAGS} tags.")
    return tuple(merged.items())


def shown(tags: Tags) -> list[dict[str, str]]:
    return [{"key": k, **({"value": v} if v is not None else {})} for k, v in tags]


def operations(lookup: Callable[[Context, str], Certificate]) -> dict[str, Handler]:
    def add(ctx: Context, p: Params) -> Result:
        cert = lookup(ctx, p["certificate_arn"])
        with ctx.certificates.write() as tx:
            tx[cert.arn] = replace(cert, tags=validated(p["tags"], cert.tags))
        return {}

    def remove(ctx: Context, p: Params) -> Result:
        cert = lookup(ctx, p["certificate_arn"])
        for tag in p["tags"]:
            if tag["key"].lower().startswith("aws:"):
                raise InvalidTag(f"Tag key '{tag['key']}' uses the reserved prefix 'aws:'.")
        gone = {(t["key"], t.get("value")) for t in p["tags"]}
        # a tag given without a value removes the key whatever its value
        keys_only = {t["key"] for t in p["tags"] if t.get("value") is None}
        kept = tuple((k, v) for k, v in cert.tags if (k, v) not in gone and k not in keys_only)
        with ctx.certificates.write() as tx:
            tx[cert.arn] = replace(cert, tags=kept)
        return {}

    def list_tags(ctx: Context, p: Params) -> Result:
        return {"tags": shown(lookup(ctx, p["certificate_arn"]).tags) or None}

    return {"AddTagsToCertificate": add, "RemoveTagsFromCertificate": remove, "ListTagsForCertificate": list_tags}
