"""provider/elbv2/model.py: the typed views of target-group attributes that the data plane and the checker read."""

from __future__ import annotations

import pytest

from provider.elbv2.model import Stickiness, StickinessType
from provider.elbv2.target_group_attributes import TARGET_GROUP_ATTRIBUTE_DEFAULTS
from tests.support.models import target_group

DEFAULTS = dict(TARGET_GROUP_ATTRIBUTE_DEFAULTS)


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        pytest.param({}, None, id="none-stored"),
        pytest.param(DEFAULTS, None, id="defaults-off"),
        pytest.param(DEFAULTS | {"stickiness.enabled": "true"}, Stickiness(StickinessType.LB_COOKIE, 86400), id="lb"),
        pytest.param({"stickiness.enabled": "true"}, Stickiness(StickinessType.LB_COOKIE, 86400), id="lb-bare"),
        pytest.param(
            DEFAULTS
            | {
                "stickiness.enabled": "true",
                "stickiness.type": "app_cookie",
                "stickiness.app_cookie.duration_seconds": "60",
                "stickiness.lb_cookie.duration_seconds": "7",
            },
            Stickiness(StickinessType.APP_COOKIE, 60),
            id="app-cookie-reads-its-own-duration",
        ),
        pytest.param(
            {"stickiness.enabled": "true", "stickiness.lb_cookie.duration_seconds": "3600"},
            Stickiness(StickinessType.LB_COOKIE, 3600),
            id="lb-duration",
        ),
    ],
)
def test_stickiness(attributes: dict[str, str], expected: Stickiness | None) -> None:
    assert target_group(attributes=attributes).stickiness == expected


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        pytest.param({}, 300, id="none-stored"),
        pytest.param(DEFAULTS, 300, id="defaults"),
        pytest.param({"deregistration_delay.timeout_seconds": "0"}, 0, id="zero"),
        pytest.param({"deregistration_delay.timeout_seconds": "3600"}, 3600, id="most"),
    ],
)
def test_deregistration_delay(attributes: dict[str, str], expected: int) -> None:
    assert target_group(attributes=attributes).deregistration_delay_seconds == expected
