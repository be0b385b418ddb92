"""Rule transforms through the real Traefik (the alb plugin): the target receives the rewritten path, query and
Host, while the rule's conditions matched the original request."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from provider.elbv2.model import ConditionField as F
from provider.elbv2.model import Target
from provider.elbv2.transforms import Rewrite, Transform, TransformType
from tests.support.backends import Backend
from tests.support.builders import StateBuilder
from tests.support.clients import Client
from tests.support.conditions import cond
from tests.support.models import T0
from tests.support.processes import InProcessServer
from tests.support.traefik import Traefik


@pytest.fixture(scope="module")
def echo() -> Iterator[Backend]:
    """Answers ``<path> <Host>``, as it received them."""
    backend = Backend("echo", lambda r: (200, f"{r.path} {r.headers.get('Host')}".encode()))
    yield backend
    backend.stop()


def url(regex: str, replace: str) -> Transform:
    return Transform(TransformType.URL_REWRITE, (Rewrite(regex, replace),))


def host(regex: str, replace: str) -> Transform:
    return Transform(TransformType.HOST_HEADER_REWRITE, (Rewrite(regex, replace),))


# (path, Host sent) -> (path, Host) the target receives; None: the status instead
REQUESTS = [
    pytest.param("/dp/B00X", "shop.example", "/product.php?id=B00X shop.example", id="url-rewrite-adds-query"),
    pytest.param("/dp/a/b", "shop.example", "/dp/a/b shop.example", id="no-match-unchanged"),
    pytest.param("/q/x?a=1", "shop.example", "/new/x/1 shop.example", id="query-is-part-of-the-url"),
    pytest.param("/h/x", "mywebsite-blue.com", "/h/x internal.dev.blue.myweb.com", id="host-header-rewrite"),
    pytest.param("/h/x", "other.example", "/h/x other.example", id="host-no-match-unchanged"),
    pytest.param("/both/x", "mywebsite-red.com", "/x internal.dev.red.myweb.com", id="both-transforms"),
    pytest.param("/literal", "shop.example", "/literal shop.example", id="literal-rule-beside"),
    pytest.param("/bad/x", "shop.example", "500", id="not-a-path-is-500"),
]


@pytest.fixture(scope="module")
def routed(provider: InProcessServer, traefik: Traefik, echo: Backend) -> Traefik:
    b = StateBuilder()
    b.lb("web")
    b.listener("web", 80)
    b.targets.append(Target(b.tg("echo").arn, "127.0.0.1", echo.port, T0))
    rules: list[tuple[str, tuple[Transform, ...]]] = [
        ("/dp/*", (url("^/dp/([A-Za-z0-9]+)/?$", "/product.php?id=$1"),)),
        ("/q/*", (url("^/q/(\\w+)\\?a=(\\d+)$", "/new/$1/$2"),)),
        ("/h/*", (host("^mywebsite-(.+)\\.com$", "internal.dev.$1.myweb.com"),)),
        ("/both/*", (url("^/both(/.*)$", "$1"), host("^mywebsite-(.+)\\.com$", "internal.dev.$1.myweb.com"))),
        ("/literal", ()),
        ("/bad/*", (url("^/bad/(.*)$", "nopath$1"),)),
    ]
    for priority, (path, transforms) in enumerate(rules, start=1):
        rule = b.rule("web", 80, priority, b.forward(("echo", 1)), cond(F.PATH_PATTERN, path))
        b.rules[-1] = replace(rule, transforms=transforms)
    traefik.wait_applied(provider.load(b.state()))
    assert traefik.problems() == []
    return traefik


@pytest.mark.parametrize(("path", "sent_host", "received"), REQUESTS)
def test_target_receives_the_rewritten_request(routed: Traefik, path: str, sent_host: str, received: str) -> None:
    reply = Client(routed.ports[80]).request(path, headers={"Host": sent_host})
    assert (reply.body if reply.status == 200 else str(reply.status)) == received
