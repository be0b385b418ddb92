"""Every ALB condition type through the real Traefik: wildcards, case rules, AND/OR, hostile values.

Each case is one rule (priority = its index) whose conditions are the case's plus ``X-Case: <case>``, so the
cases cannot shadow one another; a match answers the case name (fixed response), a miss falls through to the
default rule (backend ``a``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from provider.elbv2.model import Condition
from provider.elbv2.model import ConditionField as F
from tests.support.backends import Backend
from tests.support.builders import StateBuilder, fixed
from tests.support.clients import Client
from tests.support.conditions import cond, query
from tests.support.processes import InProcessServer
from tests.support.traefik import Traefik

CASES: dict[str, list[Condition]] = {
    "path-prefix": [cond(F.PATH_PATTERN, "/api/*")],
    "path-question": [cond(F.PATH_PATTERN, "/a?c")],
    "path-suffix": [cond(F.PATH_PATTERN, "*.jpg")],
    "host-wildcard": [cond(F.HOST_HEADER, "*.example.com")],
    "host-exact": [cond(F.HOST_HEADER, "exact.example.org")],
    "host-question": [cond(F.HOST_HEADER, "ex?mple.net")],
    "header": [cond(F.HTTP_HEADER, "prod*", header="X-Env")],
    "method": [cond(F.HTTP_REQUEST_METHOD, "PATCH")],
    "query": [query(("k", "v*"))],
    "query-long-key": [query(("version", "2"))],
    "query-literal-star": [query(("k", "a\\*"))],
    "query-or": [query(("x", "1"), ("y", "2"))],
    "ip-in": [cond(F.SOURCE_IP, "127.0.0.0/8")],
    "ip-out": [cond(F.SOURCE_IP, "10.0.0.0/8", "::1/128")],
    "and-or": [cond(F.PATH_PATTERN, "/x", "/y"), cond(F.HTTP_REQUEST_METHOD, "POST")],
    "hostile-path": [cond(F.PATH_PATTERN, '/h`")||PathPrefix(`/')],
    "hostile-header": [cond(F.HTTP_HEADER, 'v`")||Host("*', header="X-H")],
    "hostile-regex": [cond(F.PATH_PATTERN, "/r.*+[x]")],
    "hostile-long": [cond(F.HTTP_HEADER, "L" * 4000, header="X-Long")],
    "unicode": [cond(F.PATH_PATTERN, "/ü/*")],
    "regex-host": [Condition(F.HOST_HEADER, regex_values=("^api-[0-9]+\\.example\\.com$",))],
    "regex-path": [Condition(F.PATH_PATTERN, regex_values=("^/v[12]/items/[0-9]+$", "^/legacy$"))],
    "regex-path-unanchored": [Condition(F.PATH_PATTERN, regex_values=("\\.json",))],
    "regex-header": [Condition(F.HTTP_HEADER, header_name="X-Tier", regex_values=("^(gold|silver)$",))],
    "regex-and-literal": [Condition(F.PATH_PATTERN, regex_values=("^/r/",)), cond(F.HTTP_REQUEST_METHOD, "PUT")],
}

# (case, method, path, extra headers, matches)
REQUESTS = [
    ("regex-host", "GET", "/", {"Host": "api-42.example.com"}, True),
    ("regex-host", "GET", "/", {"Host": "API-7.Example.com:8080"}, True),  # without the port, any case
    ("regex-host", "GET", "/", {"Host": "api-x.example.com"}, False),
    ("regex-path", "GET", "/v1/items/12", {}, True),
    ("regex-path", "GET", "/legacy", {}, True),
    ("regex-path", "GET", "/v3/items/1", {}, False),
    ("regex-path", "GET", "/v1/items/12/x", {}, False),
    ("regex-path-unanchored", "GET", "/a/b.json/c", {}, True),
    ("regex-path-unanchored", "GET", "/a.JSON", {}, False),
    ("regex-header", "GET", "/", {"X-Tier": "gold"}, True),
    ("regex-header", "GET", "/", {"X-Tier": "GOLD"}, False),
    ("regex-header", "GET", "/", {"X-Tier": "golden"}, False),
    ("regex-and-literal", "PUT", "/r/x", {}, True),
    ("regex-and-literal", "GET", "/r/x", {}, False),
    ("path-prefix", "GET", "/api/", {}, True),
    ("path-prefix", "GET", "/api/x/y", {}, True),
    ("path-prefix", "GET", "/api", {}, False),
    ("path-prefix", "GET", "/API/x", {}, False),
    ("path-question", "GET", "/abc", {}, True),
    ("path-question", "GET", "/ac", {}, False),
    ("path-question", "GET", "/abbc", {}, False),
    ("path-suffix", "GET", "/x/y.jpg", {}, True),
    ("path-suffix", "GET", "/x/y.JPG", {}, False),
    ("host-wildcard", "GET", "/", {"Host": "a.b.example.com"}, True),
    ("host-wildcard", "GET", "/", {"Host": "A.Example.COM:8080"}, True),
    ("host-wildcard", "GET", "/", {"Host": "example.com"}, False),
    ("host-wildcard", "GET", "/", {"Host": "aexample.com"}, False),
    ("host-exact", "GET", "/", {"Host": "EXACT.example.org"}, True),
    ("host-exact", "GET", "/", {"Host": "exact.example.org.evil"}, False),
    ("host-question", "GET", "/", {"Host": "example.net"}, True),
    ("host-question", "GET", "/", {"Host": "exmple.net"}, False),
    ("header", "GET", "/", {"X-Env": "PRODUCTION"}, True),
    ("header", "GET", "/", {"x-env": "prod"}, True),
    ("header", "GET", "/", {"X-Env": "staging"}, False),
    ("method", "PATCH", "/", {}, True),
    ("method", "GET", "/", {}, False),
    ("method", "patch", "/", {}, False),
    ("query", "GET", "/?k=value", {}, True),
    ("query", "GET", "/?K=VALUE", {}, True),
    ("query", "GET", "/?k=a&k=v1", {}, True),
    ("query", "GET", "/?k=x", {}, False),
    ("query", "GET", "/?kk=v", {}, False),
    ("query-long-key", "GET", "/?version=2", {}, True),
    ("query-long-key", "GET", "/?VERSION=2", {}, True),
    ("query-long-key", "GET", "/?Version=2", {}, True),
    ("query-long-key", "GET", "/?vErSiOn=2", {}, False),  # documented limit: ALB would match
    ("query-literal-star", "GET", "/?k=a%2A", {}, True),
    ("query-literal-star", "GET", "/?k=ab", {}, False),
    ("query-or", "GET", "/?y=2", {}, True),
    ("query-or", "GET", "/?x=1", {}, True),
    ("query-or", "GET", "/?x=2", {}, False),
    ("ip-in", "GET", "/", {}, True),
    ("ip-out", "GET", "/", {}, False),
    ("and-or", "POST", "/y", {}, True),
    ("and-or", "GET", "/y", {}, False),
    ("and-or", "POST", "/z", {}, False),
    ("hostile-path", "GET", "/h%60%22)%7C%7CPathPrefix(%60/", {}, True),
    ("hostile-path", "GET", "/h", {}, False),
    ("hostile-path", "GET", "/hx", {}, False),
    ("hostile-header", "GET", "/", {"X-H": 'V`")||HOST("*'}, True),
    ("hostile-header", "GET", "/", {"X-H": "v"}, False),
    ("hostile-regex", "GET", "/r.anything+[x]", {}, True),
    ("hostile-regex", "GET", "/rX+[x]", {}, False),
    ("hostile-regex", "GET", "/r.+x", {}, False),
    ("hostile-long", "GET", "/", {"X-Long": "l" * 4000}, True),
    ("hostile-long", "GET", "/", {"X-Long": "l" * 3999}, False),
    ("unicode", "GET", "/%C3%BC/z", {}, True),
    ("unicode", "GET", "/u/z", {}, False),
]


@pytest.fixture(scope="module")
def routed(provider: InProcessServer, traefik: Traefik, backends: dict[str, Backend]) -> Iterator[Traefik]:
    b = StateBuilder()
    b.lb("web")
    b.listener("web", 80)
    b.tg("default-tg", backends["a"])
    for priority, (case, conditions) in enumerate(CASES.items(), start=1):
        b.rule("web", 80, priority, fixed(case), *conditions, cond(F.HTTP_HEADER, case, header="X-Case"))
    b.rule("web", 80, None, b.forward(("default-tg", 1)))
    traefik.wait_applied(provider.load(b.state()))
    yield traefik


@pytest.mark.parametrize(
    ("case", "method", "path", "headers", "matches"),
    [pytest.param(*r, id=f"{r[0]}-{r[1]}-{r[2]}-{'match' if r[4] else 'miss'}-{i}") for i, r in enumerate(REQUESTS)],
)
def test_condition(routed: Traefik, case: str, method: str, path: str, headers: dict[str, str], matches: bool) -> None:
    reply = Client(routed.ports[80]).request(path, method, {**headers, "X-Case": case})
    assert reply.status == 200
    assert reply.body == case if matches else reply.body.startswith("a "), reply.body


def test_hostile_values_disable_nothing(routed: Traefik) -> None:
    assert routed.problems() == []
    routers = [r for r in routed.api("/api/http/routers?per_page=1000") if r.get("provider") == "http"]
    assert len(routers) == len(CASES) + 1
