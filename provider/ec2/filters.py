"""EC2 describe filters: AND across filters, OR across one filter's values, `*` and `?` wildcards, tag filters.

>>> matches([{"name": "tag:env", "values": ["prod*"]}], (("env", "production"),), lambda name: [])
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, Protocol, TypeVar

from provider.ec2.context import Context, Params, Result
from provider.ec2.model import Network, Tags
from provider.errors import InvalidParameterValue


class Identified(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T")
R = TypeVar("R", bound=Identified)
Value = str | bool | int | None
Fields = Mapping[str, Callable[[T], Iterable[Value]]]  # filter name -> the resource's values for it
TAG_FILTERS = ("tag-key", "tag-value")
NETWORK_INTERFACE_FILTERS = (
    "description",
    "network-interface-id",
    "vpc-id",
    "subnet-id",
    "group-id",
    "status",
    "requester-id",
    "interface-type",
    "attachment.instance-id",
    "attachment.instance-owner-id",
)


def _pattern(value: str) -> re.Pattern[str]:
    """'web-*' -> ^web\\-.*$ ; a backslash escapes the next wildcard."""
    out, i = [], 0
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value):
            out.append(re.escape(value[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "*" else "." if c == "?" else re.escape(c))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def _text(value: Value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def check_names(raw: Sequence[Mapping[str, Any]] | None, known: Iterable[str]) -> None:
    names = set(known)
    for f in raw or ():
        name = str(f.get("name") or "")
        if name not in names and name not in TAG_FILTERS and not name.startswith("tag:"):
            raise InvalidParameterValue(f"The filter '{name}' is invalid")


def matches(raw: Sequence[Mapping[str, Any]], tags: Tags, fields: Callable[[str], Iterable[Value]]) -> bool:
    for f in raw:
        name, patterns = str(f.get("name")), [_pattern(str(v)) for v in f.get("values") or ()]
        if name.startswith("tag:"):
            key = name[4:]
            values: list[str] = [v for k, v in tags if k == key]
        elif name == "tag-key":
            values = [k for k, _ in tags]
        elif name == "tag-value":
            values = [v for _, v in tags]
        else:
            values = [_text(v) for v in fields(name) if v is not None]
        if not any(p.fullmatch(v) for p in patterns for v in values):
            return False
    return True


def _no_tags(item: object) -> Tags:
    return ()


def select(
    items: Iterable[T],
    raw: Sequence[Mapping[str, Any]] | None,
    fields: Fields[T],
    tags_of: Callable[[T], Tags] = _no_tags,
) -> list[T]:
    """The items every filter matches; an unknown filter name is InvalidParameterValue, as AWS answers."""
    check_names(raw, fields)
    if not raw:
        return list(items)
    return [item for item in items if matches(raw, tags_of(item), partial(_values, fields, item))]


def _values(fields: Fields[T], item: T, name: str) -> Iterable[Value]:
    return fields[name](item)


@dataclass(frozen=True)
class Described(Generic[R]):
    """A Describe* handler: the resources named by id (each must exist) or all of them, then the filters."""

    ids: str  # the request's id list: "vpc_ids"
    result: str  # the answer's list: "vpcs"
    table: Callable[[Network], Mapping[str, R]]
    find: Callable[[Network, str], R]  # by id, or the NotFound error
    fields: Fields[R]
    shape: Callable[[R, Network, str], dict[str, Any]]  # (resource, network, account) -> its shape

    def __call__(self, ctx: Context, p: Params) -> Result:
        net, ids = ctx.store.load(ctx.region), p.get(self.ids)
        items = [self.find(net, i) for i in dict.fromkeys(ids)] if ids else list(self.table(net).values())
        chosen = select(items, p.get("filters"), self.fields, lambda item: net.tags.get(item.id, ()))
        return {self.result: [self.shape(item, net, ctx.account) for item in chosen]}


def select_shaped(
    shaped: list[dict[str, Any]], raw: Sequence[Mapping[str, Any]] | None, fields: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Filters over already-shaped dicts: filter name -> the dict key holding its value."""
    check_names(raw, fields)
    return [d for d in shaped if matches(raw or (), (), partial(_shaped_value, fields, d))]


def _shaped_value(fields: Mapping[str, str], shaped: Mapping[str, Any], name: str) -> list[Value]:
    return [shaped.get(fields[name])]
