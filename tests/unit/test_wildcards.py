"""wildcards.py: one grammar; validation (conditions.wildcard_count) and compilation (matchers) read it alike."""

from __future__ import annotations

import json
import re

import pytest

from provider.compiler import matchers
from provider.elbv2 import wildcards
from provider.elbv2.conditions import wildcard_count
from provider.elbv2.model import Condition, QueryPair
from tests.support.conditions import HDR, H, P, Q
from tests.support.re2 import re2_fullmatch

_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"')


@pytest.mark.parametrize(
    ("pattern", "escapes", "parts"),
    [
        pytest.param("/a*/b?", False, ["/a", "*", "/b", "?", ""], id="both-wildcards"),
        pytest.param("plain", True, ["plain"], id="no-wildcard"),
        pytest.param("a\\*b", False, ["a\\", "*", "b"], id="no-escapes-backslash-is-literal"),
        pytest.param("a\\*b", True, ["a*b"], id="escaped-star"),
        pytest.param("a\\?", True, ["a?"], id="escaped-question"),
        pytest.param("a\\\\*", True, ["a\\", "*", ""], id="escaped-backslash-then-wildcard"),
        pytest.param("a\\b", True, ["a\\b"], id="other-backslash-stays"),
        pytest.param("a\\", True, ["a\\"], id="trailing-backslash-stays"),
    ],
)
def test_split(pattern: str, escapes: bool, parts: list[str]) -> None:
    assert wildcards.split(pattern, escapes=escapes) == parts
    assert wildcards.count(pattern, escapes=escapes) == len(parts) // 2


def compiled_wildcards(regex: str) -> int:
    """Wildcards in an emitted RE2 body: ``.`` outside an escape (``.*`` for ``*``, ``.`` for ``?``)."""
    body = regex.split("^", 1)[1]
    return len(re.findall(r"(?<!\\)(?:\\\\)*\.", re.sub(r"\\x\{[0-9a-f]+\}", "", body)))


def compiled(expr: str) -> tuple[int, str]:
    """(wildcards, a pattern to match with) of one matcher: ``Path`` and ``PathPrefix`` read as regexes."""
    kind = expr.split("(", 1)[0].lstrip("(")
    literals = [json.loads(lit) for lit in _LITERAL.findall(expr)]
    if kind == "Path":
        return 0, "(?s)^" + matchers.re_escape(literals[0]) + "$"
    if kind == "PathPrefix":
        return 1, "(?s)^" + matchers.re_escape(literals[0]) + ".*$"
    if kind == "Host":
        return 0, "(?is)^" + matchers.re_escape(literals[0]) + "$"
    regex = literals[-1]
    return compiled_wildcards(regex), regex


def sample(parts: list[str]) -> str:
    """A text the pattern must match: the literal runs, each wildcard filled."""
    return "".join({"*": "zz", "?": "z"}.get(p, p) if i % 2 else p for i, p in enumerate(parts))


@pytest.mark.parametrize(
    ("condition", "value"),
    [
        pytest.param(Condition(P, ("/api/*",)), "/api/*", id="path-prefix"),
        pytest.param(Condition(P, ("/a?c*",)), "/a?c*", id="path-two"),
        pytest.param(Condition(P, ("/a\\*",)), "/a\\*", id="path-backslash-is-literal"),
        pytest.param(Condition(P, ("/exact",)), "/exact", id="path-none"),
        pytest.param(Condition(H, ("*.example.com",)), "*.example.com", id="host"),
        pytest.param(Condition(H, ("a\\?.example.com",)), "a\\?.example.com", id="host-backslash-is-literal"),
        pytest.param(Condition(HDR, ("x\\*y",), header_name="X-A"), "x\\*y", id="header-backslash-is-literal"),
        pytest.param(Condition(HDR, ("*mobile?",), header_name="X-A"), "*mobile?", id="header-two"),
        pytest.param(Condition(Q, query=(QueryPair("k", "a\\*b"),)), "a\\*b", id="query-escaped"),
        pytest.param(Condition(Q, query=(QueryPair("k", "a\\\\*"),)), "a\\\\*", id="query-escaped-backslash"),
        pytest.param(Condition(Q, query=(QueryPair("k", "*x?"),)), "*x?", id="query-two"),
    ],
)
def test_validation_and_compilation_agree(condition: Condition, value: str) -> None:
    expr = matchers.condition_expr(condition)
    assert expr is not None
    count, pattern = compiled(expr.lstrip("(").split(" || ")[0])
    assert wildcard_count(condition) == count
    parts = wildcards.split(value, escapes=wildcards.escapes_apply(condition.field))
    assert re2_fullmatch(pattern, sample(parts))


@pytest.mark.parametrize(
    ("key", "counted", "looked_up"),
    [
        pytest.param("k\\*", 0, "k*", id="escaped-key-is-literal"),
        pytest.param("k*", 1, None, id="wildcard-key-never-matches"),
        pytest.param("id", 0, "id", id="plain-key"),
    ],
)
def test_query_keys_agree(key: str, counted: int, looked_up: str | None) -> None:
    condition = Condition(Q, query=(QueryPair(key, "v"),))
    assert wildcard_count(condition) == counted
    found = matchers.query_matchers(condition.query[0])
    if looked_up is None:
        assert found == []
    else:
        keys = {json.loads(_LITERAL.findall(m)[0]) for m in found}
        assert keys == set(matchers.key_variants(looked_up))
