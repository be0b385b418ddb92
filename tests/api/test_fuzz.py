"""Property: whatever form body arrives, the server answers without a 5xx, and a rejected call changes nothing."""

from __future__ import annotations

import urllib.parse

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provider.aws import OPERATIONS
from tests.support.processes import Server

KEYS = [
    "ListenerArn",
    "Priority",
    "Conditions.member.1.Field",
    "Conditions.member.1.Values.member.1",
    "Conditions.member.1.PathPatternConfig.Values.member.1",
    "Conditions.member.2.HttpHeaderConfig.HttpHeaderName",
    "Conditions.member.1.QueryStringConfig.Values.member.1.Key",
    "Actions.member.1.Type",
    "Actions.member.1.TargetGroupArn",
    "Actions.member.1.ForwardConfig.TargetGroups.member.1.Weight",
    "Actions.member.1.ForwardConfig.TargetGroupStickinessConfig.DurationSeconds",
    "Actions",
    "Actions.member.1.RedirectConfig.StatusCode",
    "Actions.member.1.FixedResponseConfig.MessageBody",
    "Name",
    "Port",
    "Protocol",
    "LoadBalancerArn",
    "TargetGroupArn",
    "Targets.member.1.Id",
    "Targets.member.1.Port",
    "DefaultActions.member.1.Type",
    "RulePriorities.member.1.RuleArn",
    "RulePriorities.member.1.Priority",
    "Attributes.member.1.Key",
    "Attributes.member.1.Value",
    "Names.member.1",
    "PageSize",
    "Marker",
    "Tags.member.1.Key",
]
VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            "1",
            "0",
            "-1",
            "50001",
            "true",
            "forward",
            "path-pattern",
            "/a/*",
            "HTTP",
            "arn:aws:x",
            "999999999999999999999",
            "HTTP_301",
            "%",
            "<x>&",
        ]
    ),
    st.text(max_size=40),
)
FORMS = st.fixed_dictionaries(
    {
        "Action": st.sampled_from(sorted(OPERATIONS) + ["Nope", ""]),
        "Version": st.sampled_from(["2015-12-01", "2015-12-01", "2012-06-01", ""]),
    },
).flatmap(lambda base: st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=8).map(lambda d: {**base, **d}))


@pytest.fixture(scope="module")
def http(api_server: Server) -> httpx.Client:
    return httpx.Client(base_url=api_server.url, timeout=10)


def version(http: httpx.Client) -> str:
    return http.get("/healthz").text.split()[1]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=FORMS)
def test_form_bodies_never_get_a_5xx(http: httpx.Client, form: dict[str, str]) -> None:
    before = version(http)
    response = http.post(
        "/",
        content=urllib.parse.urlencode(form).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert "<ErrorResponse" in response.text
        assert version(http) == before


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=300))
def test_arbitrary_bytes_never_get_a_5xx(http: httpx.Client, body: bytes) -> None:
    response = http.post("/", content=body)
    assert 400 <= response.status_code < 500
