"""`elbv2-provider up` prints the README's canary, so the printed example is the one tests run."""

from __future__ import annotations

from provider.canary import CANARY, banner
from tests.support.readme import readme_block


def test_printed_canary_is_the_readme_canary() -> None:
    assert readme_block("canary") == CANARY


def test_banner_points_at_this_server() -> None:
    printed = banner("http://127.0.0.1:9999")
    assert "EP=${EP:-http://127.0.0.1:9999}" in printed
    assert "ForwardConfig={TargetGroups=[{TargetGroupArn=$STABLE,Weight=95}" in printed
