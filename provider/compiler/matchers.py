"""ALB rule conditions -> Traefik v3 rule expressions. Pure string work, no Traefik config shapes.

Every user value is emitted as a double-quoted, ASCII-only Go string literal (``go_quote``), and every value
that goes into a regex is RE2-escaped (``re_escape``) except for the ALB wildcards ``*`` and ``?``. A value can
therefore never change the structure of a rule: a backtick, a quote, ``)``, ``||`` or ``&&`` is data.

>>> path_matcher("/api/*"), path_matcher("/a?c")
('PathPrefix("/api/")', 'PathRegexp("(?s)^/a.c$")')
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable

from provider.elbv2 import wildcards
from provider.elbv2.model import Condition, ConditionField, QueryPair
from provider.elbv2.wildcards import has_wildcard

_HOSTNAME = re.compile(r"[A-Za-z0-9.-]+")
_RE2_META = frozenset("\\.+*?()|[]{}^$")
_RE2_WILDCARD = {"*": ".*", "?": "."}
_RE2_ESCAPES = str.maketrans({ch: "\\" + ch for ch in _RE2_META})
# The common case in one C call: escape every metacharacter but the ALB wildcards, which become RE2's.
_WILDCARDS_TO_RE2 = str.maketrans({**{ch: "\\" + ch for ch in _RE2_META}, "*": ".*", "?": "."})
_KEY_CASE_EXPANSION_MAX_LETTERS = 4  # 2**4 = 16 QueryRegexp variants at most per key


def _plain(value: str) -> bool:
    """Printable ASCII except ``"`` and ``\\``: needs no Go escape (str methods: ~10x faster than a regex)."""
    return value.isascii() and value.isprintable() and '"' not in value and "\\" not in value


def go_quote(value: str) -> str:
    """A double-quoted Go string literal, ASCII only: ``a"b`` -> ``"a\\"b"``, ``é`` -> ``"\\u00e9"``."""
    if _plain(value):
        return f'"{value}"'
    if value.isascii() and value.isprintable():  # regexes: backslashes (and quotes) only
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        elif 0xD800 <= code <= 0xDFFF:  # a lone surrogate is not valid Go source: it can never match anyway
            out.append("\\ufffd")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def re_escape(value: str) -> str:
    """RE2-escape so the value matches only itself: ``a.b*`` -> ``a\\.b\\*``, ``é`` -> ``\\x{e9}``.

    RE2 metacharacters get a backslash, other printable ASCII stays, everything else (space, controls,
    non-ASCII) becomes ``\\x{hex}`` so the pattern stays ASCII, which ``HostRegexp`` requires.
    """
    if _plain(value):
        return value.translate(_RE2_ESCAPES)
    out: list[str] = []
    for ch in value:
        if ch in _RE2_META:
            out.append("\\" + ch)
        elif 0x21 <= ord(ch) < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\x{{{ord(ch):x}}}")
    return "".join(out)


def wildcard_regex(pattern: str, *, case_insensitive: bool, escapes: bool = False) -> str:
    """ALB wildcard pattern -> anchored RE2: ``/a*/b?`` -> ``(?s)^/a.*/b.$``; ``*`` may cross ``/`` and ``.``.

    ``escapes``: the field's backslash escapes apply (query strings; provider/elbv2/wildcards.py)."""
    flags = "(?is)" if case_insensitive else "(?s)"
    if _plain(pattern):  # printable ASCII without a backslash: no \x{..} escapes, no ALB escapes
        return f"{flags}^{pattern.translate(_WILDCARDS_TO_RE2)}$"
    parts = wildcards.split(pattern, escapes=escapes)  # literal runs at even indices, escaped in one go each
    body = [re_escape(p) if i % 2 == 0 else _RE2_WILDCARD[p] for i, p in enumerate(parts) if p]
    return f"{flags}^{''.join(body)}$"


def path_matcher(value: str) -> str:
    """Case-sensitive whole-path match: ``/api/*`` -> ``PathPrefix("/api/")``, ``/a?c`` -> ``PathRegexp(...)``."""
    if not has_wildcard(value) and value.startswith("/"):
        return f"Path({go_quote(value)})"
    head, star, tail = value.partition("*")
    if star and not tail and head.startswith("/") and not has_wildcard(head):
        return f"PathPrefix({go_quote(head)})"
    return f"PathRegexp({go_quote(wildcard_regex(value, case_insensitive=False))})"


def host_matcher(value: str) -> str:
    """Case-insensitive; ``*`` spans dots: ``*.example.com`` -> ``HostRegexp("(?is)^.*\\.example\\.com$")``."""
    if not has_wildcard(value) and _HOSTNAME.fullmatch(value):
        return f"Host({go_quote(value)})"
    return f"HostRegexp({go_quote(wildcard_regex(value, case_insensitive=True))})"


def header_matcher(name: str, value: str) -> str:
    """Name as given (Traefik canonicalises it), value case-insensitive with wildcards."""
    return f"HeaderRegexp({go_quote(name)}, {go_quote(wildcard_regex(value, case_insensitive=True))})"


@functools.lru_cache(maxsize=1024)  # a few keys (``version``, ``variant``) recur across many rules
def key_variants(key: str) -> tuple[str, ...]:
    """Spellings of a query key to look up, because Traefik's query lookup is case-sensitive.

    Keys with at most 4 cased letters get every spelling (``id`` -> ``ID, Id, iD, id``); longer keys get
    the key as written, lower, UPPER and Capitalized (``userId`` -> ``USERID, Userid, userId, userid``).
    """
    letters = [i for i, ch in enumerate(key) if ch.lower() != ch.upper()]
    if len(letters) <= _KEY_CASE_EXPANSION_MAX_LETTERS:
        spellings = set()
        for combo in itertools.product((str.lower, str.upper), repeat=len(letters)):
            chars = list(key)
            for idx, fold in zip(letters, combo, strict=True):
                chars[idx] = fold(chars[idx])
            spellings.add("".join(chars))
        return tuple(sorted(spellings))
    return tuple(sorted({key, key.lower(), key.upper(), key[:1].upper() + key[1:].lower()}))


def query_matchers(pair: QueryPair) -> list[str]:
    """One ``QueryRegexp`` per key spelling; [] when Traefik cannot express the pair (no key, wildcard key)."""
    if pair.key is None or has_wildcard(pair.key, True):
        return []
    value_re = go_quote(wildcard_regex(pair.value, case_insensitive=True, escapes=True))
    return [f"QueryRegexp({go_quote(k)}, {value_re})" for k in key_variants(wildcards.unescape(pair.key))]


def condition_expr(cond: Condition) -> str | None:
    """OR within the condition's values; None when no value can ever match (the rule then never matches)."""
    parts: list[str]
    match cond.field:
        case ConditionField.PATH_PATTERN:
            parts = [path_matcher(v) for v in cond.values]
        case ConditionField.HOST_HEADER:
            parts = [host_matcher(v) for v in cond.values]
        case ConditionField.HTTP_HEADER:
            parts = [header_matcher(cond.header_name or "", v) for v in cond.values]
        case ConditionField.HTTP_REQUEST_METHOD:
            parts = [f"Method({go_quote(v)})" for v in cond.values]
        case ConditionField.SOURCE_IP:
            parts = [f"ClientIP({go_quote(v)})" for v in cond.values]
        case ConditionField.QUERY_STRING:
            parts = [m for pair in cond.query for m in query_matchers(pair)]
    parts.extend(regex_matcher(cond.field, cond.header_name or "", r) for r in cond.regex_values)
    return _any_of(parts)


def regex_matcher(field: ConditionField, header: str, pattern: str) -> str:
    """RegexValues, unanchored as ALB's (RE2 search; write ``^...$`` to anchor). Hosts: compared without the port
    and case-insensitively (Traefik matches the lower-cased host without its port); paths and header values:
    case-sensitive unless the regex says ``(?i)``. ``^api[.]`` on host-header -> ``HostRegexp("(?i)^api[.]")``."""
    if field is ConditionField.HOST_HEADER:
        return f"HostRegexp({go_quote('(?i)' + pattern)})"
    if field is ConditionField.PATH_PATTERN:
        return f"PathRegexp({go_quote(pattern)})"
    return f"HeaderRegexp({go_quote(header)}, {go_quote(pattern)})"


def _any_of(parts: Iterable[str]) -> str | None:
    unique = list(dict.fromkeys(parts))
    if not unique:
        return None
    return unique[0] if len(unique) == 1 else "(" + " || ".join(unique) + ")"


def rule_expr(conditions: Iterable[Condition]) -> str | None:
    """AND across conditions: ``[path /a, method GET]`` -> ``Path("/a") && Method("GET")``; no conditions ->
    ``PathPrefix("/")``; None when some condition can never match."""
    exprs: list[str] = []
    for cond in conditions:
        expr = condition_expr(cond)
        if expr is None:
            return None
        exprs.append(expr)
    return " && ".join(exprs) if exprs else 'PathPrefix("/")'
