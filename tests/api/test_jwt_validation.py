"""The jwt-validation action through real boto3: stored and described as AWS shapes it, refused with AWS's codes
where the config or the listener cannot have it, and nothing stored then."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.calls import error_of, https_listener, issued_certificate, target_group, unique
from tests.support.processes import Server

CONFIG = {
    "JwksEndpoint": "https://idp.example.com/.well-known/jwks.json",
    "Issuer": "https://idp.example.com",
    "AdditionalClaims": [{"Format": "space-separated-values", "Name": "scope", "Values": ["read", "write"]}],
}


@pytest.fixture(scope="module")
def certificate(api_server: Server) -> str:
    return issued_certificate(api_server.url, "jwt.example.test")


@pytest.fixture
def listener(elbv2: Any, certificate: str) -> dict[str, str]:
    return https_listener(elbv2, certificate)


def actions(tg: str, config: dict[str, Any] = CONFIG, jwt_order: int = 1, forward_order: int = 2) -> list[Any]:
    return [
        {"Type": "jwt-validation", "Order": jwt_order, "JwtValidationConfig": config},
        {"Type": "forward", "Order": forward_order, "TargetGroupArn": tg},
    ]


def test_a_rule_with_jwt_validation_round_trips(elbv2: Any, listener: dict[str, str]) -> None:
    given = actions(listener["tg"])[::-1]  # given in any order, kept in Order
    arn = elbv2.create_rule(ListenerArn=listener["arn"], Priority=1, Actions=given,
                            Conditions=[{"Field": "path-pattern", "Values": ["/api/*"]}])["Rules"][0]["RuleArn"]
    described = elbv2.describe_rules(RuleArns=[arn])["Rules"][0]["Actions"]
    assert [a["Type"] for a in described] == ["jwt-validation", "forward"]
    assert described[0] == {"Type": "jwt-validation", "Order": 1, "JwtValidationConfig": CONFIG}


def test_default_actions_can_check_tokens(elbv2: Any, listener: dict[str, str]) -> None:
    elbv2.modify_listener(ListenerArn=listener["arn"], DefaultActions=actions(listener["tg"]))
    described = elbv2.describe_listeners(ListenerArns=[listener["arn"]])["Listeners"][0]["DefaultActions"]
    assert described[0]["JwtValidationConfig"]["Issuer"] == CONFIG["Issuer"]
    # and the listener cannot stop being HTTPS while it has them
    assert error_of(elbv2.modify_listener, ListenerArn=listener["arn"], Protocol="HTTP", Port=80) == (
        "InvalidLoadBalancerAction", 400)
    assert elbv2.describe_listeners(ListenerArns=[listener["arn"]])["Listeners"][0]["Protocol"] == "HTTPS"


def claims(n: int, name: str = "c") -> list[dict[str, Any]]:
    return [{"Format": "single-string", "Name": f"{name}{i}", "Values": ["v"]} for i in range(n)]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        pytest.param({"JwksEndpoint": "http://idp.example.com/jwks"}, "ValidationError", id="public-http-jwks"),
        pytest.param({"JwksEndpoint": "not a url"}, "ValidationError", id="malformed-jwks"),
        pytest.param({"JwksEndpoint": "https://idp.example.com/" + "x" * 240}, "ValidationError", id="long-jwks"),
        pytest.param({"Issuer": "i" * 257}, "ValidationError", id="long-issuer"),
        pytest.param({"AdditionalClaims": claims(11)}, "ValidationError", id="eleven-claims"),
        pytest.param({"AdditionalClaims": [{"Format": "single-string", "Name": "exp", "Values": ["1"]}]},
                     "ValidationError", id="claim-exp"),
        pytest.param({"AdditionalClaims": [{"Format": "space-separated-values", "Name": "scope",
                                            "Values": ["a b"]}]}, "ValidationError", id="space-in-value"),
        pytest.param({"AdditionalClaims": [{"Format": "string-array", "Name": "aud",
                                            "Values": [f"v{i}" for i in range(11)]}]},
                     "ValidationError", id="eleven-values"),
    ],
)  # fmt: skip
def test_bad_configs_are_refused(elbv2: Any, listener: dict[str, str], change: dict[str, Any], code: str) -> None:
    before = elbv2.describe_rules(ListenerArn=listener["arn"])["Rules"]
    refused = error_of(elbv2.create_rule, ListenerArn=listener["arn"], Priority=7,
                       Actions=actions(listener["tg"], CONFIG | change),
                       Conditions=[{"Field": "path-pattern", "Values": ["/x"]}])  # fmt: skip
    assert refused == (code, 400)
    assert elbv2.describe_rules(ListenerArn=listener["arn"])["Rules"] == before


@pytest.mark.parametrize(
    ("given", "code"),
    [
        pytest.param(lambda tg: actions(tg, jwt_order=3), "InvalidLoadBalancerAction", id="jwt-after-forward"),
        pytest.param(lambda tg: [dict(a, Order=None) for a in actions(tg)], "ValidationError", id="no-order"),
        pytest.param(lambda tg: actions(tg, jwt_order=2), "ValidationError", id="same-order"),
        pytest.param(lambda tg: actions(tg)[:1], "InvalidLoadBalancerAction", id="jwt-alone"),
        pytest.param(lambda tg: [actions(tg)[0], dict(actions(tg)[0], Order=2), dict(actions(tg)[1], Order=3)],
                     "InvalidLoadBalancerAction", id="two-jwt"),
        pytest.param(lambda tg: [actions(tg)[1], dict(actions(tg)[1], Order=3)], "InvalidLoadBalancerAction",
                     id="two-forwards"),
    ],
)  # fmt: skip
def test_bad_action_lists_are_refused(elbv2: Any, listener: dict[str, str], given: Any, code: str) -> None:
    raw = [{k: v for k, v in a.items() if v is not None} for a in given(listener["tg"])]
    assert error_of(elbv2.create_rule, ListenerArn=listener["arn"], Priority=8, Actions=raw,
                    Conditions=[{"Field": "path-pattern", "Values": ["/y"]}]) == (code, 400)  # fmt: skip


def test_jwt_validation_needs_an_https_listener(elbv2: Any) -> None:
    lb = elbv2.create_load_balancer(Name=unique("lb"), Subnets=["subnet-1", "subnet-2"])["LoadBalancers"][0]
    tg = target_group(elbv2)
    code = error_of(elbv2.create_listener, LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                    DefaultActions=actions(tg))  # fmt: skip
    assert code == ("InvalidLoadBalancerAction", 400)
    assert elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"] == []
