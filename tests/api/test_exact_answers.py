"""AWS's exact answers where tools compare them: codes, texts, partitions and per-region names, through boto3."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError

from tests.support.calls import unique
from tests.support.clients import AwsCli, aws_client, cloudwatch, model_speaking
from tests.support.processes import Server

pytestmark = pytest.mark.slow


def client(server: Server, service: str, region: str = "us-east-1") -> Any:
    """A boto3 client of `region` that leaves validation to the server."""
    return aws_client(server.url, service, region=region, validate=False)


def refused(call: Any, **kwargs: Any) -> dict[str, Any]:
    """The error a call answers with: {'Code': ..., 'Message': ...} plus the HTTP status."""
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    response = raised.value.response
    return {**response["Error"], "Status": response["ResponseMetadata"]["HTTPStatusCode"]}


@pytest.fixture(scope="module")
def elb(api_server: Server) -> Any:
    return client(api_server, "elbv2")


@pytest.fixture(scope="module")
def lb(elb: Any) -> str:
    return str(elb.create_load_balancer(Name=unique("exact"), Subnets=["s-1", "s-2"])["LoadBalancers"][0][
        "LoadBalancerArn"])


@pytest.fixture(scope="module")
def tg(elb: Any) -> str:
    created = elb.create_target_group(Name=unique("exact"), Protocol="HTTP", Port=80, VpcId="vpc-1", TargetType="ip")
    return str(created["TargetGroups"][0]["TargetGroupArn"])


def test_create_listener_without_port_is_a_validation_error_and_stores_nothing(elb: Any, lb: str, tg: str) -> None:
    forward = [{"Type": "forward", "TargetGroupArn": tg}]
    error = refused(elb.create_listener, LoadBalancerArn=lb, Protocol="HTTP", DefaultActions=forward)
    assert (error["Code"], error["Status"]) == ("ValidationError", 400)
    assert elb.describe_listeners(LoadBalancerArn=lb)["Listeners"] == []


def test_load_balancer_and_target_group_names_are_unique_per_region(api_server: Server) -> None:
    name = unique("twin")
    by_region = {}
    for region in ("us-east-1", "eu-west-1"):
        elb = client(api_server, "elbv2", region)
        lb = elb.create_load_balancer(Name=name, Subnets=["s-1"])["LoadBalancers"][0]
        group = elb.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId="vpc-1", TargetType="ip")
        by_region[region] = (lb["LoadBalancerArn"], group["TargetGroups"][0]["TargetGroupArn"])
        assert [x["LoadBalancerArn"] for x in elb.describe_load_balancers(Names=[name])["LoadBalancers"]] == [
            by_region[region][0]]
        assert [x["TargetGroupArn"] for x in elb.describe_target_groups(Names=[name])["TargetGroups"]] == [
            by_region[region][1]]
    assert by_region["us-east-1"] != by_region["eu-west-1"]
    assert ":eu-west-1:" in by_region["eu-west-1"][0] and ":eu-west-1:" in by_region["eu-west-1"][1]


@pytest.mark.parametrize(
    ("region", "partition", "dns"),
    [
        pytest.param("cn-north-1", "aws-cn", ".cn-north-1.elb.amazonaws.com.cn", id="china"),
        pytest.param("cn-northwest-1", "aws-cn", ".cn-northwest-1.elb.amazonaws.com.cn", id="china-northwest"),
        pytest.param("us-gov-west-1", "aws-us-gov", ".us-gov-west-1.elb.amazonaws.com", id="govcloud"),
    ],
)
def test_arns_are_in_the_regions_partition(api_server: Server, region: str, partition: str, dns: str) -> None:
    elb = client(api_server, "elbv2", region)
    lb = elb.create_load_balancer(Name=unique("part"), Subnets=["s-1"])["LoadBalancers"][0]
    tg = elb.create_target_group(Name=unique("part"), Protocol="HTTP", Port=80, VpcId="vpc-1", TargetType="ip")
    tg_arn = tg["TargetGroups"][0]["TargetGroupArn"]
    listener = elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                                   DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}])["Listeners"][0]
    rule = elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"][0]
    cloudwatch = client(api_server, "cloudwatch", region)
    alarm = unique("part")
    cloudwatch.put_metric_alarm(AlarmName=alarm, MetricName="m", Namespace="n", Statistic="Sum", Period=60,
                                EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    ec2 = client(api_server, "ec2", region)
    arns = {
        "elasticloadbalancing": [lb["LoadBalancerArn"], tg_arn, listener["ListenerArn"], rule["RuleArn"]],
        "cloudwatch": [cloudwatch.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]["AlarmArn"]],
        "ec2": [ec2.describe_subnets()["Subnets"][0]["SubnetArn"],
                ec2.describe_security_groups()["SecurityGroups"][0]["SecurityGroupArn"]],
    }
    for service, found in arns.items():
        assert all(arn.startswith(f"arn:{partition}:{service}:{region}:123456789012:") for arn in found), found
    identity = client(api_server, "sts", region).get_caller_identity()
    assert identity["Arn"] == f"arn:{partition}:iam::123456789012:root"
    assert lb["DNSName"].endswith(dns)


MALFORMED = ["unknown", "arn:aws:foo", "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x"]


@pytest.mark.parametrize("arn", MALFORMED)
@pytest.mark.parametrize(
    ("operation", "member", "kind"),
    [
        pytest.param("describe_target_groups", "TargetGroupArns", "target group", id="describe-target-groups"),
        pytest.param("describe_target_health", "TargetGroupArn", "target group", id="describe-target-health"),
        pytest.param("delete_target_group", "TargetGroupArn", "target group", id="delete-target-group"),
        pytest.param("describe_load_balancers", "LoadBalancerArns", "load balancer", id="describe-load-balancers"),
        pytest.param("delete_load_balancer", "LoadBalancerArn", "load balancer", id="delete-load-balancer"),
        pytest.param("describe_listeners", "ListenerArns", "listener", id="describe-listeners"),
        pytest.param("delete_rule", "RuleArn", "listener rule", id="delete-rule"),
    ],
)
def test_malformed_arns_are_validation_errors_before_any_lookup(
    elb: Any, operation: str, member: str, kind: str, arn: str
) -> None:
    value: Any = [arn] if member.endswith("s") else arn
    error = refused(getattr(elb, operation), **{member: value})
    assert (error["Code"], error["Message"], error["Status"]) == (
        "ValidationError", f"'{arn}' is not a valid {kind} ARN", 400)


def test_well_formed_unknown_arns_keep_the_not_found_codes(elb: Any, lb: str, tg: str) -> None:
    unknown_tg = tg.rsplit("/", 1)[0] + "/0123456789abcdef"
    assert refused(elb.describe_target_groups, TargetGroupArns=[unknown_tg])["Message"] == (
        "One or more target groups not found")
    assert refused(elb.describe_load_balancers, LoadBalancerArns=[lb + "0"])["Code"] == "LoadBalancerNotFound"
    assert refused(elb.describe_listeners, ListenerArns=[lb.replace(":loadbalancer/", ":listener/") + "/0a"])[
        "Code"] == "ListenerNotFound"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param("a--b", "Target group name 'a--b' cannot contain two consecutive hyphens", id="double-hyphen"),
        pytest.param("-blue", "Target group name '-blue' cannot begin or end with '-' character", id="leading"),
        pytest.param("blue-", "Target group name 'blue-' cannot begin or end with '-' character", id="trailing"),
        pytest.param("x" * 33, f"Target group name '{'x' * 33}' cannot be longer than '32' characters", id="long"),
    ],
)
def test_target_group_names_are_refused_as_aws_refuses_them(elb: Any, name: str, message: str) -> None:
    error = refused(elb.create_target_group, Name=name, Protocol="HTTP", Port=80, VpcId="vpc-1", TargetType="ip")
    assert (error["Code"], error["Message"]) == ("ValidationError", message)
    assert refused(elb.describe_target_groups, Names=[name])["Code"] == "TargetGroupNotFound"


def test_a_network_stickiness_type_is_an_invalid_configuration(elb: Any, tg: str) -> None:
    error = refused(elb.modify_target_group_attributes, TargetGroupArn=tg,
                    Attributes=[{"Key": "stickiness.type", "Value": "source_ip"}])
    assert (error["Code"], error["Message"]) == (
        "InvalidConfigurationRequest", "Stickiness type 'source_ip' is not supported for target groups with the"
        " HTTP protocol")
    attributes = elb.describe_target_group_attributes(TargetGroupArn=tg)["Attributes"]
    assert {"Key": "stickiness.type", "Value": "lb_cookie"} in attributes


def test_cross_zone_is_always_on_for_an_application_load_balancer(elb: Any, lb: str) -> None:
    listed = elb.describe_load_balancer_attributes(LoadBalancerArn=lb)["Attributes"]
    assert {"Key": "load_balancing.cross_zone.enabled", "Value": "true"} in listed
    same = [{"Key": "load_balancing.cross_zone.enabled", "Value": "true"}]
    assert same[0] in elb.modify_load_balancer_attributes(LoadBalancerArn=lb, Attributes=same)["Attributes"]
    off = [{"Key": "load_balancing.cross_zone.enabled", "Value": "false"}]
    error = refused(elb.modify_load_balancer_attributes, LoadBalancerArn=lb, Attributes=off)
    assert error["Code"] == "InvalidConfigurationRequest"
    assert "'load_balancing.cross_zone.enabled' cannot be modified" in error["Message"]
    assert listed == elb.describe_load_balancer_attributes(LoadBalancerArn=lb)["Attributes"]


@pytest.fixture(scope="module", params=["smithy-rpc-v2-cbor", "json", "query"])
def cw(request: pytest.FixtureRequest, api_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A boto3 CloudWatch client speaking one protocol, botocore's own validation off."""
    return cloudwatch(api_server.url, model_speaking(request.param, tmp_path_factory.mktemp("model")), validate=False)


T0, T1 = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 1, tzinfo=UTC)
STAT = {"Metric": {"Namespace": "Exact", "MetricName": "m"}, "Period": 60, "Stat": "Sum"}


def cw_refused(call: Any, **kwargs: Any) -> tuple[str, str]:
    """(code, message) of a refused CloudWatch call; json and cbor name the code with its Exception suffix."""
    error = refused(call, **kwargs)
    return error["Code"].removesuffix("Exception"), error["Message"]


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_invalid_parameter_values_in_every_protocol(cw: Any, value: float) -> None:
    shown = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}[str(value)]
    assert cw_refused(cw.put_metric_data, Namespace="Exact", MetricData=[{"MetricName": "m", "Value": value}]) == (
        "InvalidParameterValue", f"The value {shown} for parameter MetricData.member.1.Value is invalid.")


@pytest.mark.parametrize(
    ("call", "kwargs", "code", "message"),
    [
        pytest.param("get_metric_data", {"MetricDataQueries": [{"Id": "a", "MetricStat": STAT}], "StartTime": T0,
                                         "EndTime": T0}, "ValidationError",
                     "The parameter StartTime must not equal parameter EndTime.", id="start-equals-end"),
        pytest.param("get_metric_data", {"MetricDataQueries": [{"Id": "a"}], "StartTime": T0, "EndTime": T1},
                     "MissingParameter", "The parameter MetricDataQueries.member.1.MetricStat is required.",
                     id="no-metric-stat"),
        pytest.param("put_metric_data", {"Namespace": "Exact", "MetricData": [
            {"MetricName": "m", "Value": 1, "StorageResolution": 5}]}, "InvalidParameterValue",
                     "The parameter MetricData.member.1.StorageResolution must be a value in the set [ 1, 60 ].",
                     id="storage-resolution"),
        pytest.param("put_metric_data", {"Namespace": "Exact", "MetricData": [
            {"MetricName": "m", "Value": 1, "Dimensions": [{"Name": "A", "Value": "1"}, {"Name": "A", "Value": "2"}]}]},
                     "InvalidParameterValue", "No metric may specify the same dimension name twice.", id="dimension"),
        pytest.param("set_alarm_state", {"AlarmName": "exact-none", "StateValue": "OK", "StateReason": "r"},
                     "ResourceNotFound", "Alarm exact-none does not exist.", id="set-state-unknown-alarm"),
        pytest.param("set_alarm_state", {"AlarmName": "exact-none", "StateValue": "X", "StateReason": "r"},
                     "ValidationError", "1 validation error detected: Value 'X' at 'stateValue' failed to satisfy"
                     " constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]",
                     id="state-value-enum"),
    ],
)
def test_cloudwatch_texts(cw: Any, call: str, kwargs: dict[str, Any], code: str, message: str) -> None:
    missing = "MissingRequiredParameter" if code == "MissingParameter" else code  # json and cbor's name for it
    assert cw_refused(getattr(cw, call), **kwargs) in ((code, message), (missing, message))


def test_deleting_alarms_that_do_not_exist_succeeds(cw: Any) -> None:
    cw.put_metric_alarm(AlarmName="exact-kept", MetricName="m", Namespace="Exact", Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    cw.delete_alarms(AlarmNames=["exact-never", "exact-kept"])
    assert cw.describe_alarms(AlarmNames=["exact-kept"])["MetricAlarms"] == []


def test_default_labels_name_the_stat_when_one_metric_is_read_two_ways(cw: Any) -> None:
    other = {**STAT, "Metric": {"Namespace": "Exact", "MetricName": "other"}}
    queries = [{"Id": "a", "MetricStat": {**STAT, "Stat": "Average"}}, {"Id": "b", "MetricStat": STAT},
               {"Id": "c", "MetricStat": other}, {"Id": "d", "MetricStat": STAT, "Label": "mine"}]
    results = cw.get_metric_data(MetricDataQueries=queries, StartTime=T0, EndTime=T1)["MetricDataResults"]
    assert [r["Label"] for r in results] == ["m Average", "m Sum", "other", "mine"]


def test_an_enum_outside_its_set_lists_the_models_order(elb: Any) -> None:
    error = refused(elb.create_target_group, Name=unique("enum"), Protocol="HTTP", Port=80, TargetType="nope")
    order = ", ".join(botocore.session.get_session().get_service_model("elbv2").shape_for("TargetTypeEnum").enum)
    assert error["Message"].endswith(f"Member must satisfy enum value set: [{order}]")


def test_security_groups_are_checked_when_the_subnets_are_known(api_server: Server, elb: Any) -> None:
    ec2 = client(api_server, "ec2")
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    group = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]["GroupId"]
    name = unique("sg")
    error = refused(elb.create_load_balancer, Name=name, Subnets=subnets, SecurityGroups=["sg-0nothing"])
    assert (error["Code"], error["Status"]) == ("InvalidSecurityGroup", 400)
    assert refused(elb.describe_load_balancers, Names=[name])["Code"] == "LoadBalancerNotFound"
    lb = elb.create_load_balancer(Name=name, Subnets=subnets, SecurityGroups=[group])["LoadBalancers"][0]
    assert lb["SecurityGroups"] == [group]
    assert refused(elb.set_security_groups, LoadBalancerArn=lb["LoadBalancerArn"],
                   SecurityGroups=["sg-0nothing"])["Code"] == "InvalidSecurityGroup"
    unknown_subnets = elb.create_load_balancer(Name=unique("sg"), Subnets=["subnet-a"], SecurityGroups=["sg-0nothing"])
    assert unknown_subnets["LoadBalancers"][0]["SecurityGroups"] == ["sg-0nothing"]  # taken as given, as subnet-a is


def test_the_aws_cli_shows_awss_texts(aws_program: AwsCli) -> None:
    """The real program prints the error texts as AWS's would be printed."""
    arn = aws_program("elbv2", "describe-target-groups", "--target-group-arns", "unknown", check=False)
    assert "(ValidationError)" in arn.stderr and "'unknown' is not a valid target group ARN" in arn.stderr
    same = aws_program("cloudwatch", "get-metric-data", "--start-time", "2026-01-01T00:00:00Z", "--end-time",
                       "2026-01-01T00:00:00Z", "--metric-data-queries",
                       '[{"Id":"a","MetricStat":{"Metric":{"Namespace":"n","MetricName":"m"},"Period":60,"Stat":"Sum"}}]',
                       check=False)
    assert "The parameter StartTime must not equal parameter EndTime." in same.stderr
