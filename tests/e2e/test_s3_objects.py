"""`--s3-endpoint-url` against a real S3-compatible server (moto's, on a free port): trust-store bundles and revocation
lists read from its buckets, GetTrustStoreRevocationContent's presigned URL, AWS's errors for a missing object or
bucket, and ALB access-log files put to the bucket after real traffic through a real Traefik."""

from __future__ import annotations

import gzip
import shlex
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.backends import Backend
from tests.support.clients import Client, aws_client
from tests.support.processes import InProcessServer
from tests.support.s3 import MotoS3
from tests.support.tls import OutsideCa, crl
from tests.support.traefik import Traefik
from tests.support.waiting import wait_for


@dataclass
class World:
    s3: MotoS3
    server: InProcessServer
    elbv2: Any
    tmp: Path


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    s3 = MotoS3()
    server = InProcessServer(traefik_log_dir=str(tmp_path / "access"), alb_log_dir=str(tmp_path / "alb"),
                             s3_endpoint_url=s3.url)
    yield World(s3, server, aws_client(server.url, "elbv2"), tmp_path)
    server.stop()
    s3.stop()


def code(call: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return str(caught.value.response["Error"]["Code"])


def test_trust_store_and_revocations_come_from_the_s3_server(world: World) -> None:
    elbv2, clients = world.elbv2, OutsideCa("clients CA")
    bundle = dict(Name="clients", CaCertificatesBundleS3Bucket="certs", CaCertificatesBundleS3Key="ca.pem")
    assert code(lambda: elbv2.create_trust_store(**bundle)) == "CaCertificatesBundleNotFound"  # no such bucket
    world.s3.put("certs", "other.pem", clients.pem)
    assert code(lambda: elbv2.create_trust_store(**bundle)) == "CaCertificatesBundleNotFound"  # no such key
    assert elbv2.describe_trust_stores()["TrustStores"] == []
    (world.tmp / "alb" / "certs").mkdir(parents=True)
    (world.tmp / "alb" / "certs" / "ca.pem").write_bytes(clients.pem)  # the local directory is not read now
    assert code(lambda: elbv2.create_trust_store(**bundle)) == "CaCertificatesBundleNotFound"

    world.s3.put("certs", "ca.pem", clients.pem)
    store = elbv2.create_trust_store(**bundle)["TrustStores"][0]
    assert store["NumberOfCaCertificates"] == 1
    arn = store["TrustStoreArn"]

    list_of = crl(clients, clients.issue("client-a"), clients.issue("client-b"), pem=True)
    missing = [{"S3Bucket": "crl", "S3Key": "clients.crl"}]
    assert code(lambda: elbv2.add_trust_store_revocations(TrustStoreArn=arn, RevocationContents=missing)) \
        == "RevocationContentNotFound"
    world.s3.put("crl", "clients.crl", list_of)
    added = elbv2.add_trust_store_revocations(TrustStoreArn=arn, RevocationContents=missing)
    revocation = added["TrustStoreRevocations"][0]
    assert revocation["NumberOfRevokedEntries"] == 2

    location = elbv2.get_trust_store_revocation_content(TrustStoreArn=arn, RevocationId=revocation["RevocationId"])
    assert location["Location"].startswith(world.s3.url + "/crl/clients.crl")  # presigned by the S3 server
    with urllib.request.urlopen(location["Location"], timeout=5) as response:
        assert response.read() == list_of
    assert code(lambda: elbv2.get_trust_store_revocation_content(TrustStoreArn=arn, RevocationId=99)) \
        == "RevocationIdNotFound"


def test_access_log_files_are_put_to_the_bucket(world: World) -> None:
    backend = Backend("a")
    traefik = Traefik(world.server.settings, "/traefik/config", [80], world.tmp / "traefik.log",
                      access_log=world.tmp / "access" / "t1.json")
    try:
        elbv2 = world.elbv2
        lb = elbv2.create_load_balancer(Name="web", Subnets=["subnet-a", "subnet-b"])["LoadBalancers"][0]
        tg = elbv2.create_target_group(Name="app", Protocol="HTTP", Port=80, VpcId=lb["VpcId"],
                                       TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
        elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": "127.0.0.1", "Port": backend.port}])
        logging = [{"Key": "access_logs.s3.enabled", "Value": "true"},
                   {"Key": "access_logs.s3.bucket", "Value": "logs"},
                   {"Key": "access_logs.s3.prefix", "Value": "web"}]
        modify = lambda: elbv2.modify_load_balancer_attributes(  # noqa: E731
            LoadBalancerArn=lb["LoadBalancerArn"], Attributes=logging)
        assert code(modify) == "InvalidConfigurationRequest"  # no such bucket: nothing changes
        values = elbv2.describe_load_balancer_attributes(LoadBalancerArn=lb["LoadBalancerArn"])["Attributes"]
        assert {"Key": "access_logs.s3.enabled", "Value": "false"} in values
        world.s3.client.create_bucket(Bucket="logs")
        modify()
        # the listener after the attributes, as Terraform orders them: every request it serves is logged (those a
        # listener served before Traefik applied a change of the attributes would not be)
        elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                              DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])

        client = Client(traefik.ports[80])
        wait_for("the listener serves", lambda: client.request("/").status == 200, ignore=(OSError,))
        for _ in range(9):
            assert client.request("/hello").status == 200

        def lines() -> list[list[str]]:
            return [shlex.split(line) for key in world.s3.keys("logs") for line in gzip.decompress(
                world.s3.client.get_object(Bucket="logs", Key=key)["Body"].read()).decode().splitlines()]

        wait_for("the requests' lines in the bucket",
                 lambda: sum("/hello HTTP/" in f[12] for f in lines()) == 9, timeout=30)
        key = world.s3.keys("logs")[0]
        assert key.startswith("web/AWSLogs/123456789012/elasticloadbalancing/us-east-1/")
        assert key.endswith(".log.gz") and {len(f) for f in lines()} == {33}
    finally:
        traefik.stop()
        backend.stop()
