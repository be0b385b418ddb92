"""ALB's wildcard grammar, written once: validation counts wildcards with it, the Traefik compiler builds regexes
from it, so the two cannot disagree.

``*`` matches any run of characters (none included), ``?`` exactly one. Only query-string keys and values
have an escape: ``\\*``, ``\\?`` and ``\\\\`` are the literal characters there (AWS documents the backslash
for query strings alone; in the other fields a backslash is an ordinary character, so ``a\\*`` is ``a\\``
followed by a wildcard).

A pattern splits like ``re.split`` with a capturing group: literal runs at even indices, the wildcards
between them at odd ones.

>>> split("/a*/b?", escapes=False)
['/a', '*', '/b', '?', '']
>>> split("a\\\\*b*", escapes=True)
['a*b', '*', '']
>>> count("a\\\\*b*", escapes=False), count("a\\\\*b*", escapes=True)
(2, 1)
"""

from __future__ import annotations

import re

from provider.elbv2.model import ConditionField

WILDCARDS = "*?"
_SPLIT = re.compile(r"([*?])")
_ESCAPED = "*?\\"


def escapes_apply(field: ConditionField) -> bool:
    """Whether ``\\`` escapes a wildcard in this condition field's values (query strings only)."""
    return field is ConditionField.QUERY_STRING


def split(pattern: str, *, escapes: bool) -> list[str]:
    """Literal runs (unescaped) at even indices, ``*`` or ``?`` at odd ones: always an odd-length list."""
    if not escapes or "\\" not in pattern:
        return _SPLIT.split(pattern)
    parts: list[str] = []
    literal: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern) and pattern[i + 1] in _ESCAPED:
            literal.append(pattern[i + 1])
            i += 2
            continue
        if ch in WILDCARDS:
            parts += ["".join(literal), ch]
            literal = []
        else:
            literal.append(ch)
        i += 1
    parts.append("".join(literal))
    return parts


def count(pattern: str, *, escapes: bool) -> int:
    """How many wildcards the pattern holds (what ALB's five-per-rule limit counts)."""
    if "*" not in pattern and "?" not in pattern:
        return 0
    return len(split(pattern, escapes=escapes)) // 2


def has_wildcard(pattern: str, escapes: bool = False) -> bool:
    """Whether the pattern holds a wildcard (the compiler asks this of every value: the common answer is quick)."""
    if "*" not in pattern and "?" not in pattern:
        return False
    return not escapes or "\\" not in pattern or count(pattern, escapes=True) > 0


def unescape(pattern: str) -> str:
    """The pattern as literal text, for a pattern without wildcards: ``a\\*b`` -> ``a*b`` (query strings)."""
    return "".join(split(pattern, escapes=True)) if "\\" in pattern else pattern
