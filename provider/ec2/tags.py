"""CreateTags, DeleteTags, DescribeTags over VPCs, subnets and security groups, and TagSpecifications on create.

>>> from_specifications([{"resource_type": "vpc", "tags": [{"key": "Name", "value": "main"}]}], "vpc")
(('Name', 'main'),)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from provider.ec2 import filters
from provider.ec2.context import Context, Handler, Params, Result
from provider.ec2.errors import GroupNotFound, InvalidId, SubnetNotFound, TagLimitExceeded, VpcNotFound
from provider.ec2.model import Network, Resource, SecurityGroup, Subnet, Tags, Vpc
from provider.errors import ApiError, InvalidParameterValue

R = TypeVar("R")
MAX_TAGS = 50
MAX_KEY_LENGTH = 127
MAX_VALUE_LENGTH = 255
RESOURCE_TYPES: dict[type, str] = {Vpc: "vpc", Subnet: "subnet", SecurityGroup: "security-group"}
_NOT_FOUND: dict[str, tuple[type[ApiError], str]] = {
    "vpc": (VpcNotFound, "The vpc ID '{}' does not exist"),
    "subnet": (SubnetNotFound, "The subnet ID '{}' does not exist"),
    "sg": (GroupNotFound, "The security group '{}' does not exist"),
}


def shape_tags(tags: Tags) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in tags]


def merged(current: Tags, raw: Iterable[Mapping[str, Any]] | None) -> Tags:
    """Request tags laid over `current` (a key given twice keeps the last value), checked against AWS's limits."""
    tags = dict(current)
    for item in raw or ():
        key, value = str(item.get("key") or ""), str(item.get("value") or "")
        if not 1 <= len(key) <= MAX_KEY_LENGTH or key.lower().startswith("aws:"):
            raise InvalidParameterValue(f"Tag key '{key}' must be 1 to {MAX_KEY_LENGTH} characters, not starting aws:")
        if len(value) > MAX_VALUE_LENGTH:
            raise InvalidParameterValue(f"Tag value for key '{key}' must be at most {MAX_VALUE_LENGTH} characters")
        tags[key] = value
    if len(tags) > MAX_TAGS:
        raise TagLimitExceeded(f"The maximum number of tags per resource ({MAX_TAGS}) has been exceeded")
    return tuple(tags.items())


def from_specifications(specs: Iterable[Mapping[str, Any]] | None, resource_type: str) -> Tags:
    chosen = [t for s in specs or () if s.get("resource_type") == resource_type for t in s.get("tags") or ()]
    return merged((), chosen)


def find(net: Network, resource_id: str) -> Resource:
    """The VPC, subnet or security group with this id, or the NotFound error its id prefix calls for."""
    found = net.vpcs.get(resource_id) or net.subnets.get(resource_id) or net.security_groups.get(resource_id)
    if found is not None:
        return found
    error, message = _NOT_FOUND.get(resource_id.split("-", 1)[0], (InvalidId, "The ID '{}' is not valid"))
    raise error(message.format(resource_id))


def not_found(prefix: str, resource_id: str) -> ApiError:
    error, message = _NOT_FOUND[prefix]
    return error(message.format(resource_id))


def existing(table: Mapping[str, R], prefix: str, resource_id: str) -> R:
    """``table[resource_id]``, or the NotFound error of that kind of id ("vpc", "subnet", "sg")."""
    found = table.get(resource_id)
    if found is None:
        raise not_found(prefix, resource_id)
    return found


def create_tags(ctx: Context, p: Params) -> Result:
    with ctx.store.write(ctx.region) as tx:
        for resource_id in p["resources"]:
            find(tx.state, resource_id)
            tx.set_tags(resource_id, merged(tx.state.tags.get(resource_id, ()), p["tags"]))
    return {}


def delete_tags(ctx: Context, p: Params) -> Result:
    """A tag given with a value is deleted only when the value matches; no tags given deletes them all."""
    given = p.get("tags")
    with ctx.store.write(ctx.region) as tx:
        for resource_id in p["resources"]:
            find(tx.state, resource_id)
            kept = [
                (k, v)
                for k, v in tx.state.tags.get(resource_id, ())
                if given is not None and not any(t.get("key") == k and t.get("value") in (None, v) for t in given)
            ]
            tx.set_tags(resource_id, tuple(kept))
    return {}


def describe_tags(ctx: Context, p: Params) -> Result:
    net = ctx.store.load(ctx.region)
    rows = [
        {"resource_id": r.id, "resource_type": RESOURCE_TYPES[type(r)], "key": k, "value": v}
        for kind in (net.vpcs, net.subnets, net.security_groups)
        for r in kind.values()
        for k, v in net.tags.get(r.id, ())
    ]
    fields = {"resource-id": "resource_id", "resource-type": "resource_type", "key": "key", "value": "value"}
    return {"tags": filters.select_shaped(rows, p.get("filters"), fields)}


OPERATIONS: dict[str, Handler] = {
    "CreateTags": create_tags,
    "DeleteTags": delete_tags,
    "DescribeTags": describe_tags,
}
