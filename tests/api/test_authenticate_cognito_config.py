"""The authenticate-cognito action through real boto3: stored and described as AWS shapes it, with AWS's defaults,
and refused with AWS's codes where the config or the listener cannot have it, with nothing stored then."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.calls import AUTH_DEFAULTS, error_of, https_and_http_listeners, imported_certificate
from tests.support.clients import aws_client
from tests.support.processes import InProcessServer

CONFIG = {
    "UserPoolArn": "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Shop1",
    "UserPoolClientId": "shopclient",
    "UserPoolDomain": "shop",
}


@pytest.fixture(scope="module")
def listener(api_server: InProcessServer) -> dict[str, str]:
    certificate = imported_certificate(api_server.url, "shop.example.com")
    return https_and_http_listeners(aws_client(api_server.url, "elbv2"), certificate)


@pytest.fixture
def elbv2(api_server: InProcessServer) -> Any:
    return aws_client(api_server.url, "elbv2", validate=False)  # the server, not botocore, judges the input


def actions(tg: str, config: dict[str, Any] = CONFIG) -> list[Any]:
    return [{"Type": "authenticate-cognito", "Order": 1, "AuthenticateCognitoConfig": config},
            {"Type": "forward", "Order": 2, "TargetGroupArn": tg}]


def test_round_trip_with_awss_defaults(elbv2: Any, listener: dict[str, str]) -> None:
    extra = {"AuthenticationRequestExtraParams": {"lang": "en"}, "Scope": "openid email"}
    arn = elbv2.create_rule(ListenerArn=listener["arn"], Priority=1, Actions=actions(listener["tg"], CONFIG | extra),
                            Conditions=[{"Field": "path-pattern", "Values": ["/app/*"]}])["Rules"][0]["RuleArn"]
    described = elbv2.describe_rules(RuleArns=[arn])["Rules"][0]["Actions"]
    assert [a["Type"] for a in described] == ["authenticate-cognito", "forward"]
    assert described[0]["AuthenticateCognitoConfig"] == CONFIG | AUTH_DEFAULTS | extra
    elbv2.modify_listener(ListenerArn=listener["arn"], DefaultActions=actions(listener["tg"]))
    shown = elbv2.describe_listeners(ListenerArns=[listener["arn"]])["Listeners"][0]["DefaultActions"][0]
    assert shown["AuthenticateCognitoConfig"] == CONFIG | AUTH_DEFAULTS


def without(key: str) -> dict[str, Any]:
    return {k: v for k, v in CONFIG.items() if k != key}


@pytest.mark.parametrize(
    "config",
    [
        pytest.param(without("UserPoolArn"), id="missing-pool-arn"),
        pytest.param(without("UserPoolClientId"), id="missing-client-id"),
        pytest.param(without("UserPoolDomain"), id="missing-domain"),
        pytest.param(CONFIG | {"UserPoolArn": "arn:aws:s3:::bucket"}, id="not-a-pool-arn"),
        pytest.param(CONFIG | {"UserPoolDomain": "http://auth.example.com"}, id="public-http-domain"),
        pytest.param(CONFIG | {"SessionTimeout": 604801}, id="long-session"),
        pytest.param(CONFIG | {"OnUnauthenticatedRequest": "redirect"}, id="bad-behaviour"),
        pytest.param(CONFIG | {"SessionCookieName": "a;b"}, id="bad-cookie-name"),
        pytest.param(CONFIG | {"AuthenticationRequestExtraParams": {f"p{i}": "v" for i in range(11)}},
                     id="eleven-extra-params"),
    ],
)  # fmt: skip
def test_bad_configs_are_refused(elbv2: Any, listener: dict[str, str], config: dict[str, Any]) -> None:
    before = elbv2.describe_rules(ListenerArn=listener["arn"])["Rules"]
    refused = error_of(elbv2.create_rule, ListenerArn=listener["arn"], Priority=7, Actions=actions(listener["tg"],
                       config), Conditions=[{"Field": "path-pattern", "Values": ["/x"]}])  # fmt: skip
    assert refused == ("ValidationError", 400)
    assert elbv2.describe_rules(ListenerArn=listener["arn"])["Rules"] == before


def test_missing_config_is_refused(elbv2: Any, listener: dict[str, str]) -> None:
    bare = [{"Type": "authenticate-cognito", "Order": 1}, {"Type": "forward", "Order": 2, "TargetGroupArn":
                                                                listener["tg"]}]
    assert error_of(elbv2.create_rule, ListenerArn=listener["arn"], Priority=8, Actions=bare,
                    Conditions=[{"Field": "path-pattern", "Values": ["/y"]}]) == ("ValidationError", 400)


def test_not_on_an_http_listener(elbv2: Any, listener: dict[str, str]) -> None:
    before = elbv2.describe_rules(ListenerArn=listener["http"])["Rules"]
    assert error_of(elbv2.create_rule, ListenerArn=listener["http"], Priority=1, Actions=actions(listener["tg"]),
                    Conditions=[{"Field": "path-pattern", "Values": ["/x"]}]) == ("InvalidLoadBalancerAction", 400)
    assert error_of(elbv2.modify_listener, ListenerArn=listener["http"], DefaultActions=actions(listener["tg"])) == (
        "InvalidLoadBalancerAction", 400)
    assert elbv2.describe_rules(ListenerArn=listener["http"])["Rules"] == before
