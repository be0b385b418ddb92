"""authenticate-cognito end to end with the built-in development sign-in: boto3 sets up an HTTPS listener whose
rule signs users in at a user pool served by this server; a client with a cookie jar goes through the real Traefik
(the alb plugin), the sign-in page (a form: username and attributes), /oauth2/idpresponse and on to the target,
which sees ALB's three headers. The same pool then serves as the issuer of an authenticate-oidc rule."""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.cognito import World, cognito_world, oidc_data


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with cognito_world(tmp_path_factory.mktemp("cognito")) as made:
        yield made


def sign_in(world: World, path: str, form: dict[str, str]) -> tuple[httpx.Client, dict[str, Any]]:
    """As a browser: the 302 to the sign-in page, the form posted, the redirects followed with a cookie jar."""
    client = httpx.Client(verify=ssl.create_default_context(cafile=world.ca), timeout=10)
    first = client.get(world.base + path)
    assert first.status_code == 302, first.text
    page = client.get(first.headers["location"])
    assert page.status_code == 200 and "Local development only" in page.text
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    assert action and hidden["redirect_uri"] == f"{world.base}/oauth2/idpresponse"
    reply = client.post(str(httpx.URL(first.headers["location"]).join(action.group(1))), data=hidden | form,
                        follow_redirects=True)
    assert reply.status_code == 200, reply.text
    return client, reply.json()


def test_the_built_in_sign_in_ends_at_the_target_with_albs_headers(world: World) -> None:
    client, seen = sign_in(world, "/shop/cart?x=1", {"username": "alice", "email": "alice@example.test",
                                                     "attributes": "custom:team=payments"})
    assert seen["path"] == "/shop/cart?x=1"
    headers = seen["headers"]
    assert headers["x-amzn-oidc-accesstoken"] and headers["x-amzn-oidc-identity"]
    payload = oidc_data(headers["x-amzn-oidc-data"])
    assert payload["cognito:username"] == "alice" and payload["email"] == "alice@example.test"
    assert payload["custom:team"] == "payments" and payload["sub"] == headers["x-amzn-oidc-identity"]
    assert payload["iss"] == f"{world.server.url}/cognito/us-east-1_Shop1"
    again = client.get(f"{world.base}/shop/other", headers={"x-amzn-oidc-identity": "mallory"})
    assert again.json()["headers"]["x-amzn-oidc-identity"] == headers["x-amzn-oidc-identity"]
    client.close()


def test_the_built_in_sign_in_is_an_issuer_for_authenticate_oidc(world: World) -> None:
    client, seen = sign_in(world, "/oidc/page", {"username": "bob"})
    assert oidc_data(seen["headers"]["x-amzn-oidc-data"])["cognito:username"] == "bob"
    assert "Dev-0" in {c.name for c in client.cookies.jar}
    client.close()


def test_a_sign_in_without_a_username_is_refused(world: World) -> None:
    client = httpx.Client(verify=ssl.create_default_context(cafile=world.ca), timeout=10)
    location = client.get(f"{world.base}/x").headers["location"]
    login = str(httpx.URL(location).join("../login"))
    assert client.post(login, data={"redirect_uri": f"{world.base}/oauth2/idpresponse"}).status_code == 400
    client.close()

