"""answers.py: the Location a redirect rule answers with (ALB's placeholders, expanded once)."""

from __future__ import annotations

import pytest

from provider.elbv2.model import Listener, ProtocolName, Redirect
from provider.traefik.answers import redirect_location

ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012"
L80 = Listener(f"{ARN}:listener/app/web/1/80", f"{ARN}:loadbalancer/app/web/1", 80, ProtocolName.HTTP)
L443 = Listener(f"{ARN}:listener/app/web/1/443", f"{ARN}:loadbalancer/app/web/1", 443, ProtocolName.HTTPS)


@pytest.mark.parametrize(
    ("redirect", "li", "request_", "location"),
    [
        pytest.param(
            Redirect("HTTP_301", protocol="HTTPS", port="443"),
            L80,
            ("shop.example.com", "/a/b", "x=1&y=2"),
            "https://shop.example.com:443/a/b?x=1&y=2",
            id="http-to-https-defaults",
        ),
        pytest.param(
            Redirect("HTTP_302", host="new.example.com", path="/v2/#{path}", query="a=1&#{query}"),
            L80,
            ("h.example:8080", "/old", ""),
            "http://new.example.com:80/v2/old?a=1&",
            id="templates-empty-query-keeps-literal-part",
        ),
        pytest.param(
            Redirect("HTTP_302", path="/#{host}/#{port}/#{protocol}", query=""),
            L443,
            ("h.example", "/x", "q=1"),
            "https://h.example:443/h.example/443/https",
            id="placeholders-in-path-query-dropped",
        ),
        pytest.param(
            Redirect("HTTP_301", protocol="HTTPS", port="443"),
            L80,
            ("[::1]:80", "/", ""),
            "https://[::1]:443/",
            id="ipv6-host-empty-query-no-question-mark",
        ),
        pytest.param(
            Redirect("HTTP_302", host="#{path}.example", path="/#{query}"),
            L80,
            ("h", "/#{host}", "#{port}"),
            "http://#{host}.example:80/#{port}?#{port}",
            id="expanded-once-request-values-are-data",
        ),
        pytest.param(
            Redirect("HTTP_302", host="é.example", path="/a b"),
            L80,
            ("h", "/", ""),
            "http://%C3%A9.example:80/a%20b",
            id="non-ascii-and-space-percent-encoded",
        ),
    ],
)
def test_redirect_location(redirect: Redirect, li: Listener, request_: tuple[str, str, str], location: str) -> None:
    assert redirect_location(redirect, li, *request_) == location
