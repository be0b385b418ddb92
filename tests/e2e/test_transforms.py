"""Rule transforms through the real Traefik (the alb plugin): the target receives the rewritten path, query and
Host, while the rule's conditions matched the original request."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from provider.elbv2.model import ConditionField as F
from provider.elbv2.model import Target
from provider.elbv2.transforms import Rewrite, Transform, TransformType
from tests.e2e.harness import T0, Client, Provider, StateBuilder, Traefik, cond


class Echo:
    """Answers ``<path> <Host>``, as it received them."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                body = f"{self.path} {self.headers.get('Host')}".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def echo() -> Iterator[Echo]:
    backend = Echo()
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
def routed(provider: Provider, traefik: Traefik, echo: Echo) -> Traefik:
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
