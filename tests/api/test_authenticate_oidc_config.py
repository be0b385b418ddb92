"""The authenticate-oidc action through real boto3: stored and described as AWS shapes it (never the client
secret), UseExistingClientSecret on Modify*, and refused with AWS's codes where the config or the listener cannot
have it, with nothing stored then."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.calls import AUTH_DEFAULTS, error_of, https_and_http_listeners, imported_certificate
from tests.support.clients import aws_client
from tests.support.processes import InProcessServer

IDP = "https://idp.example.com"
CONFIG = {
    "Issuer": IDP,
    "AuthorizationEndpoint": f"{IDP}/authorize",
    "TokenEndpoint": f"{IDP}/token",
    "UserInfoEndpoint": f"{IDP}/userinfo",
    "ClientId": "shop",
    "ClientSecret": "s3cret",
}


@pytest.fixture(scope="module")
def certificate(api_server: InProcessServer) -> str:
    return imported_certificate(api_server.url, "shop.example.com")


@pytest.fixture
def elbv2(api_server: InProcessServer) -> Any:
    return aws_client(api_server.url, "elbv2", validate=False)  # the server, not botocore, judges the input


@pytest.fixture
def listener(elbv2: Any, certificate: str) -> dict[str, str]:
    return https_and_http_listeners(elbv2, certificate)


def actions(tg: str, config: dict[str, Any] = CONFIG) -> list[Any]:
    return [{"Type": "authenticate-oidc", "Order": 1, "AuthenticateOidcConfig": config},
            {"Type": "forward", "Order": 2, "TargetGroupArn": tg}]


def stored_secret(api_server: InProcessServer, rule_arn: str) -> str | None:
    oidc = api_server.store.snapshot().rules[rule_arn].actions[0].authenticate_oidc
    return None if oidc is None else str(oidc.client_secret)


def test_round_trip_with_awss_defaults_and_no_secret(elbv2: Any, listener: dict[str, str]) -> None:
    extra = {"AuthenticationRequestExtraParams": {"prompt": "login", "display": "page"}}
    arn = elbv2.create_rule(ListenerArn=listener["arn"], Priority=1, Actions=actions(listener["tg"], CONFIG | extra),
                            Conditions=[{"Field": "path-pattern", "Values": ["/app/*"]}])["Rules"][0]["RuleArn"]
    described = elbv2.describe_rules(RuleArns=[arn])["Rules"][0]["Actions"]
    assert [a["Type"] for a in described] == ["authenticate-oidc", "forward"]
    shown = described[0]["AuthenticateOidcConfig"]
    expected = {k: v for k, v in CONFIG.items() if k != "ClientSecret"} | AUTH_DEFAULTS | extra
    assert shown == expected  # ClientSecret is never returned


def test_use_existing_client_secret_on_modify(
    elbv2: Any, listener: dict[str, str], api_server: InProcessServer
) -> None:
    arn = elbv2.create_rule(ListenerArn=listener["arn"], Priority=2, Actions=actions(listener["tg"]),
                            Conditions=[{"Field": "path-pattern", "Values": ["/b/*"]}])["Rules"][0]["RuleArn"]
    keep = {k: v for k, v in CONFIG.items() if k != "ClientSecret"} | {"UseExistingClientSecret": True,
                                                                       "Scope": "openid email"}
    elbv2.modify_rule(RuleArn=arn, Actions=actions(listener["tg"], keep))
    assert stored_secret(api_server, arn) == "s3cret"
    both = CONFIG | {"UseExistingClientSecret": True}
    refused = error_of(elbv2.modify_rule, RuleArn=arn, Actions=actions(listener["tg"], both))
    assert refused == ("InvalidLoadBalancerAction", 400)
    elbv2.modify_rule(RuleArn=arn, Actions=actions(listener["tg"], CONFIG | {"ClientSecret": "new"}))
    assert stored_secret(api_server, arn) == "new"
    # default actions: ModifyListener keeps the default rule's secret the same way
    elbv2.modify_listener(ListenerArn=listener["arn"], DefaultActions=actions(listener["tg"]))
    elbv2.modify_listener(ListenerArn=listener["arn"], DefaultActions=actions(listener["tg"], keep))
    shown = elbv2.describe_listeners(ListenerArns=[listener["arn"]])["Listeners"][0]["DefaultActions"][0]
    assert shown["AuthenticateOidcConfig"]["Scope"] == "openid email"
    # and the listener cannot stop being HTTPS while it authenticates
    assert error_of(elbv2.modify_listener, ListenerArn=listener["arn"], Protocol="HTTP", Port=81) == (
        "InvalidLoadBalancerAction", 400)


def without(key: str) -> dict[str, Any]:
    return {k: v for k, v in CONFIG.items() if k != key}


@pytest.mark.parametrize(
    ("config", "code"),
    [
        pytest.param(without("TokenEndpoint"), "ValidationError", id="missing-token-endpoint"),
        pytest.param(without("Issuer"), "ValidationError", id="missing-issuer"),
        pytest.param(without("ClientId"), "ValidationError", id="missing-client-id"),
        pytest.param(without("ClientSecret"), "ValidationError", id="missing-secret-on-create"),
        pytest.param(without("ClientSecret") | {"UseExistingClientSecret": True}, "ValidationError",
                     id="existing-secret-on-create"),
        pytest.param(CONFIG | {"UseExistingClientSecret": True}, "InvalidLoadBalancerAction", id="both-secrets"),
        pytest.param(CONFIG | {"UserInfoEndpoint": "http://idp.example.com/userinfo"}, "ValidationError",
                     id="public-http-endpoint"),
        pytest.param(CONFIG | {"AuthorizationEndpoint": "not a url"}, "ValidationError", id="malformed-endpoint"),
        pytest.param(CONFIG | {"SessionTimeout": 604801}, "ValidationError", id="long-session"),
        pytest.param(CONFIG | {"SessionTimeout": 0}, "ValidationError", id="zero-session"),
        pytest.param(CONFIG | {"OnUnauthenticatedRequest": "redirect"}, "ValidationError", id="bad-behaviour"),
        pytest.param(CONFIG | {"SessionCookieName": "a b"}, "ValidationError", id="bad-cookie-name"),
        pytest.param(CONFIG | {"AuthenticationRequestExtraParams": {f"p{i}": "v" for i in range(11)}},
                     "ValidationError", id="eleven-extra-params"),
    ],
)  # fmt: skip
def test_bad_configs_are_refused(elbv2: Any, listener: dict[str, str], config: dict[str, Any], code: str) -> None:
    before = elbv2.describe_rules(ListenerArn=listener["arn"])["Rules"]
    refused = error_of(elbv2.create_rule, ListenerArn=listener["arn"], Priority=7, Actions=actions(listener["tg"],
                       config), Conditions=[{"Field": "path-pattern", "Values": ["/x"]}])  # fmt: skip
    assert refused == (code, 400)
    assert elbv2.describe_rules(ListenerArn=listener["arn"])["Rules"] == before


def test_local_http_endpoints_are_accepted(elbv2: Any, listener: dict[str, str]) -> None:
    local = "http://127.0.0.1:8180"
    config = CONFIG | {"Issuer": local, "AuthorizationEndpoint": f"{local}/auth", "TokenEndpoint": f"{local}/token",
                       "UserInfoEndpoint": f"{local}/me"}
    elbv2.create_rule(ListenerArn=listener["arn"], Priority=8, Actions=actions(listener["tg"], config),
                      Conditions=[{"Field": "path-pattern", "Values": ["/local/*"]}])


def test_not_on_an_http_listener(elbv2: Any, listener: dict[str, str]) -> None:
    before = elbv2.describe_rules(ListenerArn=listener["http"])["Rules"]
    assert error_of(elbv2.create_rule, ListenerArn=listener["http"], Priority=1, Actions=actions(listener["tg"]),
                    Conditions=[{"Field": "path-pattern", "Values": ["/x"]}]) == ("InvalidLoadBalancerAction", 400)
    assert error_of(elbv2.modify_listener, ListenerArn=listener["http"], DefaultActions=actions(listener["tg"])) == (
        "InvalidLoadBalancerAction", 400)
    assert elbv2.describe_rules(ListenerArn=listener["http"])["Rules"] == before


def test_one_authentication_before_the_last_action(elbv2: Any, listener: dict[str, str]) -> None:
    jwt = {"Type": "jwt-validation", "Order": 2, "JwtValidationConfig": {
        "JwksEndpoint": f"{IDP}/jwks", "Issuer": IDP}}
    forward = {"Type": "forward", "Order": 3, "TargetGroupArn": listener["tg"]}
    assert error_of(elbv2.create_rule, ListenerArn=listener["arn"], Priority=9,
                    Actions=[actions(listener["tg"])[0], jwt, forward],
                    Conditions=[{"Field": "path-pattern", "Values": ["/y"]}]) == ("InvalidLoadBalancerAction", 400)
    after = [{"Type": "authenticate-oidc", "Order": 5, "AuthenticateOidcConfig": CONFIG}, forward]
    assert error_of(elbv2.create_rule, ListenerArn=listener["arn"], Priority=9, Actions=after,
                    Conditions=[{"Field": "path-pattern", "Values": ["/y"]}]) == ("InvalidLoadBalancerAction", 400)
