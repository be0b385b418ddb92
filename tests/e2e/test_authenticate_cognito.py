"""authenticate-cognito end to end with the built-in development sign-in: boto3 sets up an HTTPS listener whose
rule signs users in at a user pool served by this server; a client with a cookie jar goes through the real Traefik
(the alb plugin), the sign-in page (a form: username and attributes), /oauth2/idpresponse and on to the target,
which sees ALB's three headers. The same pool then serves as the issuer of an authenticate-oidc rule. A UserPoolDomain
that is a URL names a Cognito-compatible server instead: node oidc-provider answering at Cognito's paths."""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.clients import aws_client
from tests.support.cognito import World, cognito_world, oidc_data
from tests.support.idp import Browser, Idp
from tests.support.waiting import wait_for

EXTERNAL_POOL = "us-east-1_Ext1"


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



def test_a_url_user_pool_domain_signs_in_at_that_cognito_compatible_server(world: World,
                                                                           tmp_path: Path) -> None:
    elbv2 = aws_client(world.server.url, "elbv2")
    lb = elbv2.describe_load_balancers(Names=["shop"])["LoadBalancers"][0]["LoadBalancerArn"]
    listener = elbv2.describe_listeners(LoadBalancerArn=lb)["Listeners"][0]["ListenerArn"]
    tg = elbv2.describe_target_groups(Names=["app"])["TargetGroups"][0]["TargetGroupArn"]
    client = {"client_id": "poolclient", "token_endpoint_auth_method": "none",  # a pool's client without a secret
              "redirect_uris": [f"{world.base}/oauth2/idpresponse"]}
    idp = Idp([client], tmp_path / "idp.log", access_token_ttl=3, pool=EXTERNAL_POOL)
    browser = Browser(world.ca, login="carol")
    try:
        cognito = {"Type": "authenticate-cognito", "Order": 1, "AuthenticateCognitoConfig": {
            "UserPoolArn": f"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{EXTERNAL_POOL}",
            "UserPoolClientId": "poolclient", "UserPoolDomain": idp.domain, "Scope": "openid email",
            "SessionCookieName": "Pool"}}
        elbv2.create_rule(ListenerArn=listener, Priority=2, Conditions=[{"Field": "path-pattern",
                          "Values": ["/pool/*"]}], Actions=[cognito, {"Type": "forward", "Order": 2,
                                                                      "TargetGroupArn": tg}])
        authorize = f"{idp.domain}/oauth2/authorize?"
        wait_for("the rule to send users to the pool's domain", lambda: browser.client.get(
            f"{world.base}/pool/x").headers.get("location", "").startswith(authorize))
        reply = browser.get(f"{world.base}/pool/page")
        assert reply.status_code == 200, browser.visited
        assert any(url.startswith(authorize) for _, url in browser.visited)
        headers = reply.json()["headers"]
        assert headers["x-amzn-oidc-identity"] == "carol"
        claims = oidc_data(headers["x-amzn-oidc-data"])
        assert (claims["iss"], claims["email"]) == (f"{idp.domain}/{EXTERNAL_POOL}", "carol@example.test")
        # its access tokens last 3 s: the refresh goes to the same token endpoint, the client again without a secret
        first = headers["x-amzn-oidc-accesstoken"]

        def refreshed() -> bool:
            again = browser.client.get(f"{world.base}/pool/page")
            assert again.status_code == 200, again.status_code  # never sent back to sign in
            return bool(again.json()["headers"]["x-amzn-oidc-accesstoken"] != first)

        wait_for("a refreshed access token", refreshed, timeout=20)
    finally:
        browser.close()
        idp.stop()
