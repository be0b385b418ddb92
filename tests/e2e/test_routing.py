"""Actions through the real Traefik: priorities, exact weighted splits, stickiness, redirects, fixed responses,
empty target groups, two load balancers on one port, and a config that routes nothing."""

from __future__ import annotations

import hashlib
import http.client
from collections import Counter

import pytest

from provider.compiler.compile import for_port
from provider.elbv2.model import Action, ActionType, ProtocolName, Redirect, State
from provider.elbv2.model import ConditionField as F
from tests.support.backends import Backend
from tests.support.builders import StateBuilder, fixed
from tests.support.clients import Client
from tests.support.conditions import cond
from tests.support.processes import InProcessServer
from tests.support.traefik import Traefik

pytestmark = pytest.mark.slow


def apply(provider: InProcessServer, traefik: Traefik, state: State) -> None:
    traefik.wait_applied(provider.load_checked(state))
    assert traefik.problems() == []


def names(client: Client, n: int, path: str = "/", headers: dict[str, str] | None = None) -> Counter[str]:
    out: Counter[str] = Counter()
    for _ in range(n):
        reply = client.request(path, headers=headers)
        out[reply.body.split(" ")[0] if reply.status == 200 else str(reply.status)] += 1
    return out


def test_lower_alb_priority_wins_and_swapping_flips(
    provider: InProcessServer, traefik: Traefik, backends: dict[str, Backend]
) -> None:
    def build(p_prefix: int, p_exact: int) -> State:
        b = StateBuilder()
        b.lb("web")
        b.listener("web", 80)
        b.tg("ta", backends["a"]), b.tg("tb", backends["b"]), b.tg("tc", backends["c"])
        b.rule("web", 80, p_prefix, b.forward(("ta", 1)), cond(F.PATH_PATTERN, "/p/*"))
        b.rule("web", 80, p_exact, b.forward(("tb", 1)), cond(F.PATH_PATTERN, "/p/exact"))
        b.rule("web", 80, None, b.forward(("tc", 1)))
        return b.state()

    client = Client(traefik.ports[80])
    apply(provider, traefik, build(1, 2))
    assert names(client, 3, "/p/exact") == {"a": 3}
    apply(provider, traefik, build(2, 1))
    assert names(client, 3, "/p/exact") == {"b": 3}
    assert names(client, 3, "/p/other") == {"a": 3}
    assert names(client, 3, "/elsewhere") == {"c": 3}


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        pytest.param((95, 5), {"a": 950, "b": 50}, id="95-5"),
        pytest.param((40, 35, 25), {"a": 400, "b": 350, "c": 250}, id="40-35-25"),
        pytest.param((100, 0), {"a": 1000}, id="100-0"),
        pytest.param((0, 7), {"b": 1000}, id="0-7"),
        pytest.param((0, 0), {"503": 1000}, id="all-0-is-503"),
    ],
)
def test_exact_weighted_distribution(
    provider: InProcessServer,
    traefik: Traefik,
    backends: dict[str, Backend],
    weights: tuple[int, ...],
    expected: dict[str, int],
) -> None:
    b = StateBuilder()
    b.lb("web")
    b.listener("web", 80)
    groups = [(b.tg(f"t{name}", backends[name]).name, w) for name, w in zip("abc", weights, strict=False)]
    b.rule("web", 80, None, b.forward(*groups))
    apply(provider, traefik, b.state())
    assert names(Client(traefik.ports[80]), 1000) == expected


def test_empty_target_group_answers_503(
    provider: InProcessServer, traefik: Traefik, backends: dict[str, Backend]
) -> None:
    b = StateBuilder()
    b.lb("web")
    b.listener("web", 80)
    b.tg("empty")
    b.tg("ta", backends["a"])
    b.rule("web", 80, 1, b.forward(("empty", 1)), cond(F.PATH_PATTERN, "/empty"))
    b.rule("web", 80, None, b.forward(("ta", 1)))
    apply(provider, traefik, b.state())
    client = Client(traefik.ports[80])
    assert client.request("/empty").status == 503  # ALB: 503 when the target group has no targets
    assert client.request("/other").body.startswith("a ")


@pytest.mark.parametrize(
    ("port", "tls", "secure"),
    [pytest.param(80, False, False, id="http"), pytest.param(443, True, True, id="https")],
)
def test_group_stickiness_pins_clients(
    provider: InProcessServer, traefik: Traefik, backends: dict[str, Backend], port: int, tls: bool, secure: bool
) -> None:
    b = StateBuilder()
    b.lb("web")
    b.listener("web", port, ProtocolName.HTTPS if tls else ProtocolName.HTTP)
    b.tg("ta", backends["a"]), b.tg("tb", backends["b"])
    b.rule("web", port, None, b.forward(("ta", 1), ("tb", 1), sticky=3600))
    apply(provider, traefik, b.state())
    first = Client(traefik.ports[port], tls=tls).request("/")
    cookie = first.header("Set-Cookie")
    assert cookie is not None
    attrs = [a.strip() for a in cookie.split(";")]
    assert attrs[0].split("=")[0] == "AWSALBTG"
    assert "Max-Age=3600" in attrs and "HttpOnly" in attrs and "Path=/" in attrs
    assert ("Secure" in attrs) is secure
    pinned = first.body.split(" ")[0]
    client = Client(traefik.ports[port], tls=tls)
    assert names(client, 50, headers={"Cookie": attrs[0]}) == {pinned: 50}
    for name in "ab":  # the cookie value names the child service, so a client can be pinned on purpose
        assert names(client, 5, headers={"Cookie": f"AWSALBTG=tg-t{name}"}) == {name: 5}
    assert names(Client(traefik.ports[port], tls=tls), 100) == {"a": 50, "b": 50}  # no cookie: still 50/50


def test_target_group_lb_cookie(provider: InProcessServer, traefik: Traefik, backends: dict[str, Backend]) -> None:
    b = StateBuilder()
    b.lb("web")
    b.listener("web", 80)
    attrs = {
        "stickiness.enabled": "true",
        "stickiness.type": "lb_cookie",
        "stickiness.lb_cookie.duration_seconds": "60",
    }
    b.tg("both", backends["a"], backends["b"], attributes=attrs)
    b.rule("web", 80, None, b.forward(("both", 1)))
    apply(provider, traefik, b.state())
    first = Client(traefik.ports[80]).request("/")
    cookie = first.header("Set-Cookie") or ""
    name, value = cookie.split(";")[0].split("=")
    assert name == "AWSALB" and "Max-Age=60" in cookie and "Secure" not in cookie
    url = f"http://127.0.0.1:{backends[first.body[0]].port}"
    assert value == hashlib.sha256(url.encode()).hexdigest()[:16]
    assert names(Client(traefik.ports[80]), 50, headers={"Cookie": f"AWSALB={value}"}) == {first.body[0]: 50}


@pytest.mark.parametrize(
    ("redirect", "method", "path", "headers", "status", "location"),
    [
        pytest.param(
            Redirect("HTTP_301", protocol="HTTPS", port="443"),
            "GET",
            "/a/b?x=1&y=2",
            {},
            301,
            "https://shop.example.com:443/a/b?x=1&y=2",
            id="to-https-keeps-path-query",
        ),
        pytest.param(
            Redirect("HTTP_302", host="new.#{host}", path="/v2/#{path}", query="from=#{port}&#{query}"),
            "GET",
            "/old",
            {},
            302,
            "http://new.shop.example.com:80/v2/old?from=80&",
            id="templates",
        ),
        pytest.param(
            Redirect("HTTP_301", protocol="HTTPS", port="443"),
            "GET",
            "/",
            {},
            301,
            "https://shop.example.com:443/",
            id="empty-query-no-question-mark",
        ),
        pytest.param(
            Redirect("HTTP_301", protocol="HTTPS", port="443"),
            "POST",
            "/p",
            {},
            301,
            "https://shop.example.com:443/p",
            id="post-gets-301-like-alb",
        ),
        pytest.param(
            Redirect("HTTP_302", path="/#{host}/#{port}/#{protocol}/#{path}", query="q=#{query}"),
            "DELETE",
            "/x/y%20z?a=1",
            {"Host": "shop.example.com:8080"},
            302,
            "http://shop.example.com:80/shop.example.com/80/http/x/y%20z?q=a=1",
            id="delete-gets-302-placeholders-host-port-stripped",
        ),
        pytest.param(
            Redirect("HTTP_302", host="elsewhere.example"),
            "PUT",
            "/real",
            {"X-Replaced-Path": "/spoofed"},
            302,
            "http://elsewhere.example:80/real",
            id="client-x-replaced-path-ignored",
        ),
        pytest.param(
            Redirect("HTTP_301", protocol="HTTPS", port="443"),
            "GET",
            "/",
            {"Host": "[::1]:80"},
            301,
            "https://[::1]:443/",
            id="ipv6-host-port-stripped",
        ),
        pytest.param(
            Redirect("HTTP_302", host="#{path}.example", path="/#{query}"),
            "GET",
            "/%23%7Bhost%7D?%23%7Bport%7D",
            {},
            302,
            "http://%23%7Bhost%7D.example:80/%23%7Bport%7D?%23%7Bport%7D",
            id="expanded-once-request-values-are-data",
        ),
        pytest.param(
            Redirect("HTTP_302", host="\u00e9.example", path="/a b"),
            "GET",
            "/",
            {},
            302,
            "http://%C3%A9.example:80/a%20b",
            id="non-ascii-and-space-percent-encoded",
        ),
    ],
)
def test_redirect(
    provider: InProcessServer,
    traefik: Traefik,
    redirect: Redirect,
    method: str,
    path: str,
    headers: dict[str, str],
    status: int,
    location: str,
) -> None:
    b = StateBuilder()
    b.lb("web")
    b.listener("web", 80)
    b.rule("web", 80, None, Action(ActionType.REDIRECT, redirect=redirect))
    apply(provider, traefik, b.state())
    reply = Client(traefik.ports[80]).request(path, method, {"Host": "shop.example.com", **headers})
    assert (reply.status, reply.header("Location")) == (status, location)


@pytest.mark.parametrize(
    ("status", "content_type", "body"),
    [
        pytest.param("404", "application/json", '{"error": "nope"}', id="json-404"),
        pytest.param("200", "text/html", "<b>ok ü</b>", id="html-200"),
        pytest.param("503", "text/plain", "", id="empty-503"),
    ],
)
def test_fixed_response(provider: InProcessServer, traefik: Traefik, status: str, content_type: str, body: str) -> None:
    b = StateBuilder()
    b.lb("web")
    b.listener("web", 80)
    b.rule("web", 80, None, fixed(body, status, content_type))
    apply(provider, traefik, b.state())
    for method in ("GET", "POST", "DELETE"):
        reply = Client(traefik.ports[80]).request("/any/path?q=1", method)
        assert (reply.status, reply.body) == (int(status), body)
        assert (reply.header("Content-Type") or "").startswith(content_type)


@pytest.mark.parametrize("method", ["get", "Post", "PURGE", "M-SEARCH", "delete"])
def test_any_method_token_gets_the_answer(provider: InProcessServer, traefik: Traefik, method: str) -> None:
    """Traefik accepts any token as a method, so fixed responses and redirects answer them all, as forwards do."""
    b = StateBuilder()
    b.lb("web")
    b.listener("web", 80)
    b.rule("web", 80, None, fixed("teapot", "418", "text/plain"))
    moved = Action(ActionType.REDIRECT, redirect=Redirect("HTTP_302", port="8443"))
    b.rule("web", 80, 1, moved, cond(F.PATH_PATTERN, "/r"))
    apply(provider, traefik, b.state())
    client = Client(traefik.ports[80])
    assert (client.request("/x", method).status, client.request("/x", method).body) == (418, "teapot")
    moved = client.request("/r", method, {"Host": "h.example"})
    assert (moved.status, moved.header("Location")) == (302, "http://h.example:8443/r")


def test_two_load_balancers_on_one_port(
    provider: InProcessServer, traefik: Traefik, backends: dict[str, Backend]
) -> None:
    b = StateBuilder()
    old, new = b.lb("old", age=0), b.lb("new", age=60)
    b.listener("old", 80), b.listener("new", 80)
    b.tg("ta", backends["a"]), b.tg("tb", backends["b"]), b.tg("tc", backends["c"])
    b.rule("old", 80, None, b.forward(("ta", 1)))
    b.rule("new", 80, None, b.forward(("tb", 1)))
    b.rule("new", 80, 5, b.forward(("tc", 1)), cond(F.PATH_PATTERN, "/c/*"))
    apply(provider, traefik, b.state())
    client = Client(traefik.ports[80])
    for host, path, expected in [
        (new.dns_name, "/", "b"),
        ("new.localhost:8080", "/", "b"),
        (new.dns_name, "/c/x", "c"),
        (old.dns_name, "/c/x", "a"),
        ("old.localhost", "/", "a"),
        ("unknown.example", "/", "a"),  # neither LB's name: the oldest LB answers
        ("unknown.example", "/c/x", "a"),
    ]:
        assert names(client, 1, path, {"Host": host}) == {expected: 1}, host


def test_nothing_to_route_is_accepted(provider: InProcessServer, traefik: Traefik) -> None:
    expected = provider.load(State())
    traefik.wait_applied(expected)
    assert traefik.problems() == []
    assert Client(traefik.ports[80]).request("/").status == 404


def test_per_port_endpoint_and_token(tmp_path_factory: pytest.TempPathFactory, backends: dict[str, Backend]) -> None:
    provider = InProcessServer(provider_token="s3cret")
    traefik = None
    try:
        for headers, status in [({}, 401), ({"Authorization": "Bearer nope"}, 403)]:
            conn = http.client.HTTPConnection("127.0.0.1", provider.port, timeout=5)
            conn.request("GET", "/traefik/config/80", headers=headers)
            assert conn.getresponse().status == status
            conn.close()
        b = StateBuilder()
        b.lb("web")
        b.listener("web", 80), b.listener("web", 8000)
        b.tg("ta", backends["a"]), b.tg("tb", backends["b"])
        b.rule("web", 80, None, b.forward(("ta", 1)))
        b.rule("web", 8000, None, b.forward(("tb", 1)))
        whole = provider.load(b.state())
        log = tmp_path_factory.mktemp("traefik-port") / "traefik.log"
        traefik = Traefik(provider.settings, "/traefik/config/8000", [8000], log)  # with the token
        traefik.wait_applied(for_port(whole, 8000))
        assert traefik.problems() == []
        assert names(Client(traefik.ports[8000]), 3) == {"b": 3}
    finally:
        if traefik:
            traefik.stop()
        provider.stop()
