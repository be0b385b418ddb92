"""Terraform's call sequence for an ALB stack, replayed through boto3 against a real server.

Terraform itself cannot be installed here, so the calls are the ones the AWS provider for Terraform
(github.com/hashicorp/terraform-provider-aws) makes, read from its source; every call names the file and function
it comes from. Resources: aws_vpc, aws_subnet (two), aws_security_group, aws_lb_target_group (two), aws_lb,
aws_lb_listener, aws_lb_listener_rule, aws_lb_target_group_attachment. Phases: create, refresh, update (a weight
change on the rule's forward) and destroy, in Terraform's dependency order.

Tags are read through ELBv2 DescribeTags (the provider's transparent tagging, internal/service/elbv2/tags_gen.go
listTags) and, for EC2, from the Describe* answers themselves (setTagsOut).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.clients import aws_client
from tests.support.processes import start_server
from tests.support.replay import Call, Replay, Saved

LB = "internal/service/elbv2/load_balancer.go"
TG = "internal/service/elbv2/target_group.go"
LISTENER = "internal/service/elbv2/listener.go"
RULE = "internal/service/elbv2/listener_rule.go"
ATTACHMENT = "internal/service/elbv2/target_group_attachment.go"
VPC = "internal/service/ec2/vpc_.go"
SUBNET = "internal/service/ec2/vpc_subnet.go"
SG = "internal/service/ec2/vpc_security_group.go"
TAGS = "internal/service/elbv2/tags_gen.go listTags"


def tags(name: str) -> list[dict[str, str]]:
    return [{"Key": "Name", "Value": name}, {"Key": "managed-by", "Value": "terraform"}]


def spec(kind: str, name: str) -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": tags(name)}]


def forward(blue: int, green: int) -> Callable[[Saved], list[dict[str, Any]]]:
    return lambda s: [
        {
            "Type": "forward",
            "Order": 1,
            "ForwardConfig": {
                "TargetGroups": [
                    {"TargetGroupArn": s["blue"], "Weight": blue},
                    {"TargetGroupArn": s["green"], "Weight": green},
                ],
                "TargetGroupStickinessConfig": {"Enabled": False},
            },
        }
    ]


CONDITIONS = [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}]
PROVIDER = [  # internal/conns/config.go ConfigureProvider: the account id, before anything else
    Call("sts", "get_caller_identity", {}, "internal/conns/config.go getAccountIDAndPartitionFromSTSGetCallerIdentity"),
]


def read_vpc() -> list[Call]:
    vpc: Callable[[Saved], dict[str, Any]] = lambda s: {"VpcId": s["vpc"]}
    return [
        Call("ec2", "describe_vpcs", lambda s: {"VpcIds": [s["vpc"]]}, f"{VPC} resourceVPCRead findVPCByIDV2"),
        *[
            Call("ec2", "describe_vpc_attribute", lambda s, a=a: {**vpc(s), "Attribute": a}, f"{VPC} findVPCAttributeV2")
            for a in ("enableDnsHostnames", "enableDnsSupport", "enableNetworkAddressUsageMetrics")
        ],
        # The default network ACL and main route table are read next; a failure there is only logged by Terraform.
        Call("ec2", "describe_network_acls", lambda s: {"Filters": [{"Name": "vpc-id", "Values": [s["vpc"]]}]},
             f"{VPC} findVPCDefaultNetworkACLV2 (error only logged)", error="UnsupportedOperation"),
        Call("ec2", "describe_route_tables", lambda s: {"Filters": [{"Name": "vpc-id", "Values": [s["vpc"]]}]},
             f"{VPC} findVPCMainRouteTable (error only logged)", error="UnsupportedOperation"),
        Call("ec2", "describe_security_groups",
             lambda s: {"Filters": [{"Name": "group-name", "Values": ["default"]}, {"Name": "vpc-id", "Values": [s["vpc"]]}]},
             f"{VPC} findVPCDefaultSecurityGroupV2"),
    ]  # fmt: skip


def read_subnet(key: str) -> Call:
    return Call("ec2", "describe_subnets", lambda s: {"SubnetIds": [s[key]]}, f"{SUBNET} resourceSubnetRead")


def read_group() -> Call:
    return Call("ec2", "describe_security_groups", lambda s: {"GroupIds": [s["sg"]]}, f"{SG} resourceSecurityGroupRead")


def read_target_group(key: str) -> list[Call]:
    return [
        Call("elbv2", "describe_target_groups", lambda s: {"TargetGroupArns": [s[key]]}, f"{TG} findTargetGroupByARN"),
        Call("elbv2", "describe_target_group_attributes", lambda s: {"TargetGroupArn": s[key]},
             f"{TG} findTargetGroupAttributesByARN"),
        Call("elbv2", "describe_tags", lambda s: {"ResourceArns": [s[key]]}, TAGS),
    ]  # fmt: skip


def read_lb() -> list[Call]:
    return [
        Call("elbv2", "describe_load_balancers", lambda s: {"LoadBalancerArns": [s["lb"]]}, f"{LB} findLoadBalancerByARN"),
        Call("elbv2", "describe_load_balancer_attributes", lambda s: {"LoadBalancerArn": s["lb"]},
             f"{LB} findLoadBalancerAttributesByARN"),
        Call("elbv2", "describe_capacity_reservation", lambda s: {"LoadBalancerArn": s["lb"]},
             f"{LB} findCapacityReservationByARN (only AccessDenied/InvalidAction are tolerated)"),
        Call("elbv2", "describe_tags", lambda s: {"ResourceArns": [s["lb"]]}, TAGS),
    ]  # fmt: skip


def read_listener() -> list[Call]:
    return [
        Call("elbv2", "describe_listeners", lambda s: {"ListenerArns": [s["listener"]]}, f"{LISTENER} findListenerByARN"),
        Call("elbv2", "describe_listener_attributes", lambda s: {"ListenerArn": s["listener"]},
             f"{LISTENER} findListenerAttributesByARN"),
        Call("elbv2", "describe_tags", lambda s: {"ResourceArns": [s["listener"]]}, TAGS),
    ]  # fmt: skip


def read_rule() -> list[Call]:
    return [
        Call("elbv2", "describe_rules", lambda s: {"RuleArns": [s["rule"]]}, f"{RULE} findListenerRuleByARN",
             save=lambda r: {"weights": [g["Weight"] for g in r["Rules"][0]["Actions"][0]["ForwardConfig"]["TargetGroups"]]}),
        Call("elbv2", "describe_tags", lambda s: {"ResourceArns": [s["rule"]]}, TAGS),
    ]  # fmt: skip


def read_attachment() -> Call:
    return Call("elbv2", "describe_target_health",
                lambda s: {"TargetGroupArn": s["blue"], "Targets": [{"Id": "127.0.0.1", "Port": 8080}]},
                f"{ATTACHMENT} findTargetHealthDescriptions")  # fmt: skip


def create_subnet(key: str, cidr: str, zone: str) -> list[Call]:
    return [
        Call("ec2", "create_subnet",
             lambda s: {"VpcId": s["vpc"], "CidrBlock": cidr, "AvailabilityZone": zone, "TagSpecifications": spec("subnet", key)},
             f"{SUBNET} resourceSubnetCreate", save=lambda r: {key: r["Subnet"]["SubnetId"]}),
        Call("ec2", "describe_subnets", lambda s: {"SubnetIds": [s[key]]}, f"{SUBNET} waitSubnetAvailable"),
        read_subnet(key),
    ]  # fmt: skip


def create_target_group(key: str) -> list[Call]:
    return [
        Call("elbv2", "describe_target_groups", {"Names": [f"tf-{key}"]}, f"{TG} resourceTargetGroupCreate findTargetGroupByName",
             error="TargetGroupNotFound"),
        Call("elbv2", "create_target_group",
             lambda s: {"Name": f"tf-{key}", "Port": 8080, "Protocol": "HTTP", "ProtocolVersion": "HTTP1", "VpcId": s["vpc"],
                        "TargetType": "ip", "HealthCheckEnabled": True, "HealthCheckIntervalSeconds": 30,
                        "HealthyThresholdCount": 3, "UnhealthyThresholdCount": 3, "HealthCheckPath": "/health",
                        "Matcher": {"HttpCode": "200"}, "HealthCheckPort": "traffic-port", "HealthCheckProtocol": "HTTP",
                        "Tags": tags(key)},
             f"{TG} resourceTargetGroupCreate", save=lambda r: {key: r["TargetGroups"][0]["TargetGroupArn"]}),
        Call("elbv2", "describe_target_groups", lambda s: {"TargetGroupArns": [s[key]]}, f"{TG} RetryWhenNotFound"),
        Call("elbv2", "modify_target_group_attributes",
             lambda s: {"TargetGroupArn": s[key], "Attributes": [
                 {"Key": "stickiness.enabled", "Value": "false"}, {"Key": "stickiness.type", "Value": "lb_cookie"},
                 {"Key": "stickiness.lb_cookie.duration_seconds", "Value": "86400"},
                 {"Key": "deregistration_delay.timeout_seconds", "Value": "300"},
                 {"Key": "load_balancing.algorithm.type", "Value": "round_robin"},
                 {"Key": "load_balancing.cross_zone.enabled", "Value": "use_load_balancer_configuration"}]},
             f"{TG} expandTargetGroupStickinessAttributes + targetGroupAttributes.expand (defaults of the schema)"),
        *read_target_group(key),
    ]  # fmt: skip


CREATE: list[Call] = [
    Call("ec2", "create_vpc", {"CidrBlock": "10.42.0.0/16", "InstanceTenancy": "default", "TagSpecifications": spec("vpc", "tf")},
         f"{VPC} resourceVPCCreate", save=lambda r: {"vpc": r["Vpc"]["VpcId"]}),
    Call("ec2", "describe_vpcs", lambda s: {"VpcIds": [s["vpc"]]}, f"{VPC} waitVPCCreatedV2"),
    *read_vpc(),
    *create_subnet("a", "10.42.1.0/24", "us-east-1a"),
    *create_subnet("b", "10.42.2.0/24", "us-east-1b"),
    Call("ec2", "create_security_group",
         lambda s: {"GroupName": "tf-alb", "Description": "Managed by Terraform", "VpcId": s["vpc"], "TagSpecifications": spec("security-group", "tf-alb")},
         f"{SG} resourceSecurityGroupCreate", save=lambda r: {"sg": r["GroupId"]}),
    Call("ec2", "describe_security_groups", lambda s: {"GroupIds": [s["sg"]]}, f"{SG} waitSecurityGroupCreated"),
    # "AWS defaults all Security Groups to have an ALLOW ALL egress rule. Here we revoke that rule" (same function)
    Call("ec2", "revoke_security_group_egress",
         lambda s: {"GroupId": s["sg"], "IpPermissions": [{"IpProtocol": "-1", "FromPort": 0, "ToPort": 0, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]},
         f"{SG} resourceSecurityGroupCreate (default egress revoked)"),
    Call("ec2", "authorize_security_group_ingress",
         lambda s: {"GroupId": s["sg"], "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]},
         f"{SG} updateSecurityGroupRules (ingress)"),
    Call("ec2", "authorize_security_group_egress",
         lambda s: {"GroupId": s["sg"], "IpPermissions": [{"IpProtocol": "-1", "FromPort": 0, "ToPort": 0, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]},
         f"{SG} updateSecurityGroupRules (egress)"),
    read_group(),
    *create_target_group("blue"),
    *create_target_group("green"),
    Call("elbv2", "describe_load_balancers", {"Names": ["tf-alb"]}, f"{LB} resourceLoadBalancerCreate findLoadBalancer",
         error="LoadBalancerNotFound"),
    Call("elbv2", "create_load_balancer",
         lambda s: {"Name": "tf-alb", "Type": "application", "Subnets": [s["a"], s["b"]], "SecurityGroups": [s["sg"]], "Tags": tags("tf-alb")},
         f"{LB} resourceLoadBalancerCreate",
         save=lambda r: {"lb": r["LoadBalancers"][0]["LoadBalancerArn"],
                         "lb_description": "ELB " + r["LoadBalancers"][0]["LoadBalancerArn"].split(":loadbalancer/")[1]}),
    Call("elbv2", "describe_load_balancers", lambda s: {"LoadBalancerArns": [s["lb"]]}, f"{LB} waitLoadBalancerActive"),
    Call("elbv2", "modify_load_balancer_attributes",
         lambda s: {"LoadBalancerArn": s["lb"], "Attributes": [
             {"Key": "access_logs.s3.enabled", "Value": "false"}, {"Key": "connection_logs.s3.enabled", "Value": "false"},
             {"Key": "client_keep_alive.seconds", "Value": "3600"},
             {"Key": "routing.http.desync_mitigation_mode", "Value": "defensive"},
             {"Key": "routing.http2.enabled", "Value": "true"}, {"Key": "idle_timeout.timeout_seconds", "Value": "60"},
             {"Key": "routing.http.xff_header_processing.mode", "Value": "append"}]},
         f"{LB} modifyLoadBalancerAttributes (loadBalancerAttributes.expand of the schema defaults)"),
    Call("elbv2", "describe_load_balancers", lambda s: {"LoadBalancerArns": [s["lb"]]}, f"{LB} waitLoadBalancerActive"),
    *read_lb(),
    Call("elbv2", "create_listener",
         lambda s: {"LoadBalancerArn": s["lb"], "Port": 80, "Protocol": "HTTP", "Tags": tags("http"),
                    "DefaultActions": [{"Type": "fixed-response", "Order": 1, "FixedResponseConfig": {"StatusCode": "404", "ContentType": "text/plain", "MessageBody": "nothing here"}}]},
         f"{LISTENER} resourceListenerCreate retryListenerCreate", save=lambda r: {"listener": r["Listeners"][0]["ListenerArn"]}),
    Call("elbv2", "describe_listeners", lambda s: {"ListenerArns": [s["listener"]]}, f"{LISTENER} RetryWhenNotFound"),
    *read_listener(),
    Call("elbv2", "create_rule",
         lambda s: {"ListenerArn": s["listener"], "Priority": 10, "Actions": forward(80, 20)(s), "Conditions": CONDITIONS, "Tags": tags("api")},
         f"{RULE} resourceListenerRuleCreate retryListenerRuleCreate", save=lambda r: {"rule": r["Rules"][0]["RuleArn"]}),
    *read_rule(),
    Call("elbv2", "register_targets", lambda s: {"TargetGroupArn": s["blue"], "Targets": [{"Id": "127.0.0.1", "Port": 8080}]},
         f"{ATTACHMENT} resourceAttachmentCreate"),
    read_attachment(),
]  # fmt: skip

REFRESH: list[Call] = [
    *PROVIDER, *read_vpc(), read_subnet("a"), read_subnet("b"), read_group(), *read_target_group("blue"),
    *read_target_group("green"), *read_lb(), *read_listener(), *read_rule(), read_attachment(),
]  # fmt: skip

UPDATE: list[Call] = [
    Call("elbv2", "modify_rule", lambda s: {"RuleArn": s["rule"], "Actions": forward(50, 50)(s), "Conditions": CONDITIONS},
         f"{RULE} resourceListenerRuleUpdate (actions and conditions sent whole)"),
    *read_rule(),
]  # fmt: skip

DESTROY: list[Call] = [
    Call("elbv2", "deregister_targets", lambda s: {"TargetGroupArn": s["blue"], "Targets": [{"Id": "127.0.0.1", "Port": 8080}]},
         f"{ATTACHMENT} resourceAttachmentDelete"),
    Call("elbv2", "delete_rule", lambda s: {"RuleArn": s["rule"]}, f"{RULE} resourceListenerRuleDelete"),
    Call("elbv2", "delete_listener", lambda s: {"ListenerArn": s["listener"]}, f"{LISTENER} resourceListenerDelete"),
    Call("elbv2", "delete_load_balancer", lambda s: {"LoadBalancerArn": s["lb"]}, f"{LB} resourceLoadBalancerDelete"),
    *[
        Call("ec2", "describe_network_interfaces",
             lambda s, owner=owner: {"Filters": [{"Name": "attachment.instance-owner-id", "Values": [owner]},
                                                 {"Name": "description", "Values": [s["lb_description"]]}]},
             f"{LB} waitFor{kind}NetworkInterfacesToDetach (until none)", save=lambda r: {"enis": len(r["NetworkInterfaces"])})
        for owner, kind in (("amazon-elb", "ALB"), ("amazon-aws", "NLB"))
    ],
    Call("elbv2", "delete_target_group", lambda s: {"TargetGroupArn": s["blue"]}, f"{TG} resourceTargetGroupDelete"),
    Call("elbv2", "delete_target_group", lambda s: {"TargetGroupArn": s["green"]}, f"{TG} resourceTargetGroupDelete"),
    Call("ec2", "delete_security_group", lambda s: {"GroupId": s["sg"]}, f"{SG} resourceSecurityGroupDelete"),
    Call("ec2", "describe_security_groups", lambda s: {"GroupIds": [s["sg"]]}, f"{SG} waitSecurityGroupDeleted",
         error="InvalidGroup.NotFound"),
    *[
        call
        for key in ("a", "b")
        for call in (
            Call("ec2", "delete_subnet", lambda s, key=key: {"SubnetId": s[key]}, f"{SUBNET} resourceSubnetDelete"),
            Call("ec2", "describe_subnets", lambda s, key=key: {"SubnetIds": [s[key]]}, f"{SUBNET} waitSubnetDeleted",
                 error="InvalidSubnetID.NotFound"),
        )
    ],
    Call("ec2", "delete_vpc", lambda s: {"VpcId": s["vpc"]}, f"{VPC} resourceVPCDelete"),
    Call("ec2", "describe_vpcs", lambda s: {"VpcIds": [s["vpc"]]}, f"{VPC} resourceVPCDelete RetryUntilNotFound",
         error="InvalidVpcID.NotFound"),
]  # fmt: skip


@pytest.fixture
def replay(tmp_path: Path) -> Iterator[Replay]:
    server = start_server(tmp_path)
    yield Replay(server)
    server.stop()


def test_terraform_create_refresh_update_destroy(replay: Replay) -> None:
    replay.run([*PROVIDER, *CREATE])
    elbv2, ec2 = aws_client(replay.server.url, "elbv2"), aws_client(replay.server.url, "ec2")
    lb = elbv2.describe_load_balancers(Names=["tf-alb"])["LoadBalancers"][0]
    assert lb["VpcId"] == replay.saved["vpc"]
    assert [z["ZoneName"] for z in lb["AvailabilityZones"]] == ["us-east-1a", "us-east-1b"]
    assert replay.saved["weights"] == [80, 20]

    replay.run(REFRESH)
    replay.run(UPDATE)
    assert replay.saved["weights"] == [50, 50]

    replay.run(DESTROY)
    assert replay.saved["enis"] == 0
    assert elbv2.describe_load_balancers()["LoadBalancers"] == []
    assert elbv2.describe_target_groups()["TargetGroups"] == []
    assert [v["IsDefault"] for v in ec2.describe_vpcs()["Vpcs"]] == [True]
    assert len(replay.made) == len(PROVIDER) + len(CREATE) + len(REFRESH) + len(UPDATE) + len(DESTROY)
