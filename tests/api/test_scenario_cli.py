"""The reference scenario (shared/reference/scenario-weighted-routing.md) through the `aws` CLI (its driver in this
process), written the way that works: shorthand braces for ForwardConfig, or whole-JSON --actions; and the real
program refusing the reference document's JSON inside shorthand."""

from __future__ import annotations

import json
from typing import Any

from tests.support.clients import AwsCli


def out(result: Any) -> Any:
    return json.loads(result.stdout) if result.stdout.strip() else {}


def forward(*pairs: tuple[str, int]) -> str:
    groups = ",".join(f"{{TargetGroupArn={arn},Weight={w}}}" for arn, w in pairs)
    return f"Type=forward,ForwardConfig={{TargetGroups=[{groups}]}}"


def weights(aws: AwsCli, rule_arn: str) -> list[int]:
    rule = out(aws("elbv2", "describe-rules", "--rule-arns", rule_arn))["Rules"][0]
    return [g["Weight"] for g in rule["Actions"][0]["ForwardConfig"]["TargetGroups"]]


def test_reference_scenario_through_the_cli(aws: AwsCli) -> None:
    lb = out(aws("elbv2", "create-load-balancer", "--name", "scenario-alb", "--subnets", "subnet-a", "subnet-b"))
    lb_arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
    tg: dict[str, str] = {}
    for name in ("stable", "canary", "api-v1", "api-v2", "blue", "green", "svc-a", "svc-b", "svc-c", "beta"):
        created = out(
            aws(
                "elbv2",
                "create-target-group",
                "--name",
                name,
                "--protocol",
                "HTTP",
                "--port",
                "80",
                "--vpc-id",
                "vpc-1",
                "--target-type",
                "ip",
            )
        )
        tg[name] = created["TargetGroups"][0]["TargetGroupArn"]
    listener = out(
        aws(
            "elbv2",
            "create-listener",
            "--load-balancer-arn",
            lb_arn,
            "--protocol",
            "HTTP",
            "--port",
            "8000",
            "--default-actions",
            f"Type=forward,TargetGroupArn={tg['stable']}",
        )
    )
    listener_arn = listener["Listeners"][0]["ListenerArn"]

    def create_rule(priority: int, conditions: str, actions: str) -> str:
        created = out(
            aws(
                "elbv2",
                "create-rule",
                "--listener-arn",
                listener_arn,
                "--priority",
                str(priority),
                "--conditions",
                conditions,
                "--actions",
                actions,
            )
        )
        return str(created["Rules"][0]["RuleArn"])

    canary = create_rule(90, "Field=path-pattern,Values=/app/*", forward((tg["stable"], 95), (tg["canary"], 5)))
    api = create_rule(100, "Field=path-pattern,Values=/api/*", forward((tg["api-v1"], 50), (tg["api-v2"], 50)))
    assert weights(aws, canary) == [95, 5]
    assert weights(aws, api) == [50, 50]

    for stable, new in ((90, 10), (75, 25), (50, 50), (0, 100)):
        aws(
            "elbv2", "modify-rule", "--rule-arn", api, "--actions", forward((tg["api-v1"], stable), (tg["api-v2"], new))
        )
        assert weights(aws, api) == [stable, new]

    blue_green = json.dumps(
        [
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": tg["blue"], "Weight": 100},
                        {"TargetGroupArn": tg["green"], "Weight": 0},
                    ],
                    "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 3600},
                },
            }
        ]
    )
    bg = create_rule(80, "Field=host-header,Values=app.example.com", blue_green)
    bg_rule = out(aws("elbv2", "describe-rules", "--rule-arns", bg))["Rules"][0]
    assert bg_rule["Actions"][0]["ForwardConfig"]["TargetGroupStickinessConfig"] == {
        "Enabled": True,
        "DurationSeconds": 3600,
    }

    three = create_rule(
        110, "Field=path-pattern,Values=/svc/*", forward((tg["svc-a"], 40), (tg["svc-b"], 35), (tg["svc-c"], 25))
    )
    assert weights(aws, three) == [40, 35, 25]

    beta_conditions = json.dumps(
        [
            {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Beta-User", "Values": ["true"]}},
            {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/app/*"]}},
        ]
    )
    beta = create_rule(50, beta_conditions, f"Type=forward,TargetGroupArn={tg['beta']}")

    rules = out(aws("elbv2", "describe-rules", "--listener-arn", listener_arn))["Rules"]
    assert [r["Priority"] for r in rules] == ["50", "80", "90", "100", "110", "default"]
    assert rules[0]["RuleArn"] == beta
    assert rules[0]["Conditions"][0]["HttpHeaderConfig"] == {"HttpHeaderName": "X-Beta-User", "Values": ["true"]}


def test_json_inside_shorthand_is_rejected_by_the_cli_before_sending(aws_program: AwsCli) -> None:
    """The reference document's form: the CLI itself refuses it (so our README never uses it)."""
    result = aws_program(
        "elbv2",
        "create-rule",
        "--listener-arn",
        "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/x/1/2",
        "--priority",
        "1",
        "--conditions",
        "Field=path-pattern,Values=/x",
        "--actions",
        'Type=forward,ForwardConfig={"TargetGroups":[]}',
        check=False,
    )
    assert result.returncode == 255
    assert "Expected: '='" in result.stderr
