"""matchers.py: ALB conditions -> Traefik rule expressions, table-driven; every value stays data."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provider.compiler import matchers
from provider.elbv2.model import Condition
from tests.support.conditions import HDR, IP, H, M, P, cond, query
from tests.support.re2 import go_unquote, re2_fullmatch

# ---- condition translation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        pytest.param(cond(P, "/api/*"), 'PathPrefix("/api/")', id="path-prefix"),
        pytest.param(cond(P, "/api*"), 'PathPrefix("/api")', id="path-prefix-no-slash"),
        pytest.param(cond(P, "/exact"), 'Path("/exact")', id="path-exact"),
        pytest.param(cond(P, "/a?c"), 'PathRegexp("(?s)^/a.c$")', id="path-question"),
        pytest.param(cond(P, "*.jpg"), 'PathRegexp("(?s)^.*\\\\.jpg$")', id="path-leading-star"),
        pytest.param(cond(P, "/a", "/b/*"), '(Path("/a") || PathPrefix("/b/"))', id="path-or"),
        pytest.param(cond(H, "example.com"), 'Host("example.com")', id="host-exact"),
        pytest.param(cond(H, "*.example.com"), 'HostRegexp("(?is)^.*\\\\.example\\\\.com$")', id="host-wildcard"),
        pytest.param(cond(HDR, "a*", header="X-Env"), 'HeaderRegexp("X-Env", "(?is)^a.*$")', id="header"),
        pytest.param(cond(M, "GET", "POST"), '(Method("GET") || Method("POST"))', id="method-or"),
        pytest.param(cond(IP, "10.0.0.0/8"), 'ClientIP("10.0.0.0/8")', id="source-ip"),
        pytest.param(
            query(("v", "1*")),
            '(QueryRegexp("V", "(?is)^1.*$") || QueryRegexp("v", "(?is)^1.*$"))',
            id="query-key-both-cases",
        ),
        pytest.param(
            query(("k", "a\\*")),
            '(QueryRegexp("K", "(?is)^a\\\\*$") || QueryRegexp("k", "(?is)^a\\\\*$"))',
            id="query-escaped-star-literal",
        ),
        pytest.param(query((None, "x")), None, id="query-no-key-unsupported"),
        pytest.param(query(("k*", "x")), None, id="query-wildcard-key-unsupported"),
    ],
)
def test_condition_expr(condition: Condition, expected: str | None) -> None:
    assert matchers.condition_expr(condition) == expected


@pytest.mark.parametrize(
    ("pattern", "ci", "text", "matches"),
    [
        pytest.param("/api/*", False, "/api/", True, id="prefix-matches-slash"),
        pytest.param("/api/*", False, "/api/x/y", True, id="prefix-crosses-slash"),
        pytest.param("/api/*", False, "/api", False, id="prefix-not-bare"),
        pytest.param("/a?c", False, "/abc", True, id="q-one-char"),
        pytest.param("/a?c", False, "/ac", False, id="q-not-zero"),
        pytest.param("/a?c", False, "/abbc", False, id="q-not-two"),
        pytest.param("/API", False, "/api", False, id="path-case-sensitive"),
        pytest.param("*.example.com", True, "a.b.example.com", True, id="host-star-crosses-dots"),
        pytest.param("*.example.com", True, "example.com", False, id="host-star-needs-dot"),
        pytest.param("*.example.com", True, "A.EXAMPLE.COM", True, id="host-case-insensitive"),
        pytest.param("a.c", True, "abc", False, id="dot-is-literal"),
        pytest.param("(x)|[y]+", False, "(x)|[y]+", True, id="metachars-literal"),
        pytest.param("(x)|[y]+", False, "x", False, id="metachars-no-alternation"),
        pytest.param("é*ß", True, "éxxß", True, id="unicode"),
        pytest.param("a\nb", False, "a\nb", True, id="newline-literal"),
    ],
)
def test_wildcard_semantics(pattern: str, ci: bool, text: str, matches: bool) -> None:
    assert re2_fullmatch(matchers.wildcard_regex(pattern, case_insensitive=ci), text) is matches


@pytest.mark.parametrize(
    ("key", "spellings"),
    [
        pytest.param("id", ("ID", "Id", "iD", "id"), id="short-all"),
        pytest.param("a1", ("A1", "a1"), id="digits-fixed"),
        pytest.param("userId", ("USERID", "Userid", "userId", "userid"), id="long-common-forms"),
    ],
)
def test_key_variants(key: str, spellings: tuple[str, ...]) -> None:
    assert matchers.key_variants(key) == spellings


HOSTILE = [
    "a`b",
    'a"b',
    "a\\b",
    'x") || Path("/',
    "`) || PathPrefix(`/",
    "(a) && b || c",
    ".*+?^$[]{}|",
    "é☃😀",
    "a" * 5000,
    "\x00\x1f\x7f",
    "\ud800",
]


@pytest.mark.parametrize("value", [pytest.param(v, id=f"hostile-{i}") for i, v in enumerate(HOSTILE)])
def test_go_quote_is_one_literal(value: str) -> None:
    literal = matchers.go_quote(value)
    assert literal.isascii()
    assert go_unquote(literal) == (value if value != "\ud800" else "\ufffd")


@given(st.text())
def test_go_quote_round_trips(value: str) -> None:
    value = value.encode("utf-8", "replace").decode()
    assert go_unquote(matchers.go_quote(value)) == value


@given(st.text(min_size=1), st.text())
def test_re_escape_matches_only_itself(value: str, other: str) -> None:
    pattern = "(?s)^" + matchers.re_escape(value) + "$"
    assert pattern.isascii()
    assert re2_fullmatch(pattern, value)
    assert re2_fullmatch(pattern, other) is (other == value)


@pytest.mark.parametrize("value", [pytest.param(v, id=f"hostile-{i}") for i, v in enumerate(HOSTILE[:9])])
def test_hostile_values_stay_inside_their_literals(value: str) -> None:
    literal_key = value.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")
    for c in (
        cond(P, value),
        cond(H, value),
        cond(HDR, value, header=value),
        cond(M, value),
        query((literal_key, value)),
    ):
        expr = matchers.condition_expr(c)
        assert expr is not None
        literals = re.findall(r'"(?:[^"\\]|\\.)*"', expr)
        skeleton = re.sub(r'"(?:[^"\\]|\\.)*"', "S", expr)
        assert re.fullmatch(r"\(?[A-Za-z]+\(S(, S)?\)( \|\| [A-Za-z]+\(S(, S)?\))*\)?", skeleton), skeleton
        assert all(lit.isascii() for lit in literals)


def test_conditions_and_across() -> None:
    expr = matchers.rule_expr([cond(P, "/a"), cond(M, "GET")])
    assert expr == 'Path("/a") && Method("GET")'
    assert matchers.rule_expr([cond(P, "/a"), query((None, "x"))]) is None
