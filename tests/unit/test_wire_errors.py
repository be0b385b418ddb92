"""parse_request on malformed and edge-case input: the exact AWS error class, or the exact params."""

from __future__ import annotations

from typing import Any

import pytest

from provider.aws import parse_request
from provider.errors import (
    ApiError,
    InvalidAction,
    InvalidParameterValue,
    MalformedQueryString,
    MissingAction,
    ValidationError,
)

RULE = b"Action=CreateRule&Version=2015-12-01&ListenerArn=arn:l&Priority=10&Actions.member.1.Type=forward"
RULE_OK = RULE + b"&Conditions.member.1.Field=path-pattern"
DESCRIBE = b"Action=DescribeRules&Version=2015-12-01"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        pytest.param(b"", MissingAction, id="empty-body"),
        pytest.param(b"Version=2015-12-01", MissingAction, id="missing-action"),
        pytest.param(b"Action=&Version=2015-12-01", MissingAction, id="blank-action"),
        pytest.param(b"Action=CreateWidget&Version=2015-12-01", InvalidAction, id="unknown-action"),
        pytest.param(b"Action=createRule&Version=2015-12-01", InvalidAction, id="action-is-case-sensitive"),
        pytest.param(b"Action=DescribeRules", ValidationError, id="missing-version"),
        pytest.param(b"Action=DescribeRules&Version=2012-06-01", InvalidParameterValue, id="bad-version"),
        pytest.param(DESCRIBE + b"&Marker=\xff\xfe", MalformedQueryString, id="non-utf8-raw"),
        pytest.param(DESCRIBE + b"&Marker=%C3%28", MalformedQueryString, id="non-utf8-escaped"),
        pytest.param(DESCRIBE + b"&Marker=%ZZ", MalformedQueryString, id="bad-escape"),
        pytest.param(DESCRIBE + b"&Marker=100%", MalformedQueryString, id="truncated-escape"),
        pytest.param(DESCRIBE + b"&=x", MalformedQueryString, id="nameless-field"),
        pytest.param(RULE_OK.replace(b"Priority=10", b"Priority=abc"), ValidationError, id="priority-not-int"),
        pytest.param(RULE_OK.replace(b"Priority=10", b"Priority=1.5"), ValidationError, id="priority-float"),
        pytest.param(RULE_OK.replace(b"Priority=10", b"Priority=99999999999"), ValidationError, id="int32-overflow"),
        pytest.param(RULE_OK.replace(b"Priority=10", b"Priority=50001"), ValidationError, id="priority-over-max"),
        pytest.param(RULE_OK.replace(b"Priority=10", b"Priority=0"), ValidationError, id="priority-under-min"),
        pytest.param(RULE_OK.replace(b"Type=forward", b"Type=teleport"), ValidationError, id="enum-violation"),
        pytest.param(RULE, ValidationError, id="missing-required"),
        pytest.param(RULE_OK + b"&Actions.member.1.FixedResponseConfig.StatusCode=600", ValidationError, id="pattern"),
        pytest.param(DESCRIBE + b"&PageSize=401", ValidationError, id="page-size-over-max"),
        pytest.param(DESCRIBE + b"&RuleArns.member.0=arn", ValidationError, id="member-zero"),
        pytest.param(DESCRIBE + b"&RuleArns.member.-1=arn", ValidationError, id="member-negative"),
        pytest.param(DESCRIBE + b"&RuleArns.member.x=arn", ValidationError, id="member-not-number"),
        pytest.param(DESCRIBE + b"&RuleArns.member.%D9%A1=arn", ValidationError, id="member-non-ascii-digit"),
        pytest.param(DESCRIBE + b"&RuleArns.member." + b"9" * 40 + b"=arn", ValidationError, id="member-index-absurd"),
        pytest.param(DESCRIBE + b"&RuleArns.member=arn", ValidationError, id="member-without-index"),
        pytest.param(DESCRIBE + b"&RuleArns=arn", ValidationError, id="value-for-list"),
        pytest.param(DESCRIBE + b"&PageSize.member.1=3", ValidationError, id="path-into-scalar"),
        pytest.param(RULE_OK + b"&Priority.member.1=3", ValidationError, id="path-into-priority"),
        pytest.param(RULE_OK + b"&Actions.member.1.ForwardConfig=x", ValidationError, id="value-for-structure"),
        pytest.param(RULE_OK + b"&Actions.entry.1.key=x", ValidationError, id="entry-on-list"),
        pytest.param(
            RULE_OK + b"&Actions.member.1.AuthenticateOidcConfig.AuthenticationRequestExtraParams.member.1=x",
            ValidationError,
            id="member-on-map",
        ),
        pytest.param(
            RULE_OK + b"&Actions.member.1.AuthenticateOidcConfig.AuthenticationRequestExtraParams.entry.1.key=k",
            ValidationError,
            id="map-entry-without-value",
        ),
        pytest.param(
            DESCRIBE + b"&RuleArns" + b".member.1" * 20000 + b"=x",
            ValidationError,
            id="extremely-deep-nesting",
        ),
        pytest.param(RULE_OK + b"&Tags=", ValidationError, id="empty-list-below-min"),
        pytest.param(
            b"Action=ModifyTargetGroupAttributes&Version=2015-12-01&TargetGroupArn=t&Attributes.member.1.Key=a%20b",
            ValidationError,
            id="attribute-key-pattern",
        ),
        pytest.param(
            b"Action=ModifyRule&Version=2015-12-01&RuleArn=r&ResetTransforms=yes", ValidationError, id="boolean-word"
        ),
    ],
)
def test_malformed_input_gets_the_aws_error(body: bytes, error: type[ApiError]) -> None:
    with pytest.raises(ApiError) as raised:
        parse_request(body)
    assert type(raised.value) is error
    assert raised.value.message


@pytest.mark.parametrize(
    ("body", "query", "params"),
    [
        pytest.param(DESCRIBE, b"", {}, id="no-params"),
        pytest.param(b"Version=2015-12-01", b"Action=DescribeRules", {}, id="action-in-query-string"),
        pytest.param(
            DESCRIBE + b"&PageSize=5", b"Action=CreateRule&PageSize=7", {"page_size": 5}, id="body-wins-over-query"
        ),
        pytest.param(DESCRIBE + b"&Unknown.Thing=1&pagesize=3", b"", {}, id="unknown-params-ignored"),
        pytest.param(
            DESCRIBE + b"&RuleArns.member.3=c&RuleArns.member.1=a&RuleArns.member.99999999999=z",
            b"",
            {"rule_arns": ["a", "c", "z"]},
            id="order-by-index-gaps-ok-huge-index",
        ),
        pytest.param(DESCRIBE + b"&RuleArns=", b"", {"rule_arns": []}, id="empty-list"),
        pytest.param(
            DESCRIBE + b"&RuleArns=&RuleArns.member.1=a", b"", {"rule_arns": ["a"]}, id="members-beat-empty-marker"
        ),
        pytest.param(DESCRIBE + b"&Marker=a+b%2Bc%26", b"", {"marker": "a b+c&"}, id="plus-and-escapes"),
        pytest.param(DESCRIBE + b"&Marker=", b"", {"marker": ""}, id="empty-string"),
        pytest.param(
            b"Action=ModifyRule&Version=2015-12-01&RuleArn=r&ResetTransforms=TRUE",
            b"",
            {"rule_arn": "r", "reset_transforms": True},
            id="boolean-any-case",
        ),
    ],
)
def test_edge_input_parses(body: bytes, query: bytes, params: dict[str, Any]) -> None:
    assert parse_request(body, query).params == params


def test_validation_message_is_aws_like() -> None:
    with pytest.raises(ValidationError) as raised:
        parse_request(RULE_OK.replace(b"Priority=10", b"Priority=50001"))
    assert raised.value.message == (
        "1 validation error detected: Value '50001' at 'priority' failed to satisfy constraint: "
        "Member must have value less than or equal to 50000"
    )


def test_nested_validation_path_uses_lower_camel_members() -> None:
    body = RULE_OK + b"&Actions.member.1.ForwardConfig.TargetGroups.member.1.Weight=x"
    with pytest.raises(
        ValidationError, match=r"at 'actions\.1\.member\.forwardConfig\.targetGroups\.1\.member\.weight'"
    ):
        parse_request(body)


def test_validate_false_skips_constraints_but_still_types() -> None:
    assert parse_request(RULE.replace(b"Priority=10", b"Priority=50001"), validate=False).params["priority"] == 50001
    with pytest.raises(ValidationError):
        parse_request(RULE.replace(b"Priority=10", b"Priority=abc"), validate=False)
