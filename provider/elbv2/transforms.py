"""Rule transforms (2025): ``host-header-rewrite`` and ``url-rewrite``, parsed, checked and rendered back.

A transform rewrites what the target receives; the rule's conditions were matched on the original request. A
rule holds at most one transform of each type, each with one rewrite (an RE2 regex and its replacement, ``$1``
captures); the default rule holds none.

>>> rewrites = {"rewrites": [{"regex": "^/a$", "replace": "/b"}]}
>>> parse_transforms([{"type": "url-rewrite", "url_rewrite_config": rewrites}])[0].rewrites
(Rewrite(regex='^/a$', replace='/b'),)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from provider.elbv2 import regex
from provider.elbv2.checks import one_of, repeated, stray_config
from provider.errors import ValidationError

MAX_LENGTH = 1024
REWRITES_PER_TRANSFORM = 1


class TransformType(StrEnum):
    HOST_HEADER_REWRITE = "host-header-rewrite"
    URL_REWRITE = "url-rewrite"


CONFIG_KEY = {
    TransformType.HOST_HEADER_REWRITE: "host_header_rewrite_config",
    TransformType.URL_REWRITE: "url_rewrite_config",
}


@dataclass(frozen=True, slots=True)
class Rewrite:
    regex: str
    replace: str


@dataclass(frozen=True, slots=True)
class Transform:
    type: TransformType
    rewrites: tuple[Rewrite, ...]


def parse_transforms(raw: Sequence[Mapping[str, Any]]) -> tuple[Transform, ...]:
    transforms = tuple(_parse_one(t) for t in raw)
    kind = repeated([t.type for t in transforms], TransformType)
    if kind is not None:
        raise ValidationError(f"A rule can have at most one '{kind}' transform")
    return transforms


def _parse_one(raw: Mapping[str, Any]) -> Transform:
    kind = one_of(TransformType, raw.get("type"), "Transform type")
    if stray := stray_config(raw, CONFIG_KEY, kind):
        raise ValidationError(f"A '{kind}' transform cannot have a {_title(stray)}")
    config = raw.get(CONFIG_KEY[kind])
    rewrites = (config or {}).get("rewrites") or ()
    if not 1 <= len(rewrites) <= REWRITES_PER_TRANSFORM:
        raise ValidationError(f"A '{kind}' transform needs {_title(CONFIG_KEY[kind])} with exactly one rewrite")
    return Transform(kind, tuple(_rewrite(kind, r) for r in rewrites))


def _rewrite(kind: TransformType, raw: Mapping[str, Any]) -> Rewrite:
    pattern, replace = str(raw.get("regex") or ""), raw.get("replace")
    if not 1 <= len(pattern) <= MAX_LENGTH:
        raise ValidationError(f"A rewrite Regex must be 1 to {MAX_LENGTH} characters long")
    if replace is None or len(replace) > MAX_LENGTH or (kind is TransformType.HOST_HEADER_REWRITE and not replace):
        raise ValidationError(f"A rewrite needs a Replace of at most {MAX_LENGTH} characters")
    why = regex.problem(pattern)
    if why is not None:
        raise ValidationError(f"'{pattern}' is not a valid regular expression: {why}")
    return Rewrite(pattern, str(replace))


def render_transform(t: Transform) -> dict[str, Any]:
    rewrites = [{"regex": r.regex, "replace": r.replace} for r in t.rewrites]
    return {"type": t.type.value, CONFIG_KEY[t.type]: {"rewrites": rewrites}}


def _title(snake: str) -> str:
    return "".join(part.title() for part in snake.split("_"))
