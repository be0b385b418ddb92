"""Terraform's call sequence for aws_acm_certificate + aws_acm_certificate_validation + an HTTPS aws_lb_listener +
aws_lb_listener_certificate, then destroy, replayed through boto3 (as tests/api/test_terraform_replay.py does).

The calls follow terraform-provider-aws's internal/service/acm/certificate.go, certificate_validation.go and
internal/service/elbv2/listener.go, listener_certificate.go: the certificate is created and read until its
DomainValidationOptions carry the CNAME records, the validation resource reads until ISSUED, the listener and the
listener certificate are created and read back, and destroy removes them in reverse, the certificate last.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.clients import aws_client
from tests.support.processes import start_server
from tests.support.replay import Call, Replay, Saved
from tests.support.waiting import wait_for

CERT = "internal/service/acm/certificate.go"
VALIDATION = "internal/service/acm/certificate_validation.go"
LISTENER = "internal/service/elbv2/listener.go"
LISTENER_CERT = "internal/service/elbv2/listener_certificate.go"
FIXED = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200", "ContentType": "text/plain"}}]


def request(key: str, domain: str) -> list[Call]:
    return [
        Call("acm", "request_certificate", {
            "DomainName": domain, "SubjectAlternativeNames": [domain, f"*.{domain}"], "ValidationMethod": "DNS",
            "IdempotencyToken": key.replace("-", ""), "KeyAlgorithm": "RSA_2048",
            "Options": {"CertificateTransparencyLoggingPreference": "ENABLED"},
            "Tags": [{"Key": "Name", "Value": key}]},
            f"{CERT} resourceCertificateCreate", save=lambda r: {key: r["CertificateArn"]}),
        Call("acm", "describe_certificate", lambda s: {"CertificateArn": s[key]},
             f"{CERT} waitCertificateDomainValidationsAvailable",
             save=lambda r: {f"{key}-records": [o["ResourceRecord"] for o in
                                                r["Certificate"]["DomainValidationOptions"]]}),
        *read(key),
    ]


def read(key: str) -> list[Call]:
    return [
        Call("acm", "describe_certificate", lambda s: {"CertificateArn": s[key]}, f"{CERT} resourceCertificateRead"),
        Call("acm", "list_tags_for_certificate", lambda s: {"CertificateArn": s[key]}, f"{CERT} listTags",
             save=lambda r: {"tags": r["Tags"]}),
    ]


def validate(key: str) -> Call:
    return Call("acm", "describe_certificate", lambda s: {"CertificateArn": s[key]},
                f"{VALIDATION} waitCertificateIssued")


PREPARE = [
    Call("elbv2", "create_load_balancer", {"Name": "tf-https", "Subnets": ["subnet-a", "subnet-b"]},
         "internal/service/elbv2/load_balancer.go resourceLoadBalancerCreate",
         save=lambda r: {"lb": r["LoadBalancers"][0]["LoadBalancerArn"]}),
]
LISTENERS = [
    Call("elbv2", "create_listener", lambda s: {
        "LoadBalancerArn": s["lb"], "Protocol": "HTTPS", "Port": 443,
        "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06", "Certificates": [{"CertificateArn": s["main"]}],
        "DefaultActions": FIXED}, f"{LISTENER} resourceListenerCreate",
        save=lambda r: {"listener": r["Listeners"][0]["ListenerArn"]}),
    Call("elbv2", "describe_listeners", lambda s: {"ListenerArns": [s["listener"]]}, f"{LISTENER} findListenerByARN"),
    Call("elbv2", "describe_listener_attributes", lambda s: {"ListenerArn": s["listener"]},
         f"{LISTENER} resourceListenerRead"),
    Call("elbv2", "add_listener_certificates", lambda s: {
        "ListenerArn": s["listener"], "Certificates": [{"CertificateArn": s["extra"]}]},
        f"{LISTENER_CERT} resourceListenerCertificateCreate"),
    Call("elbv2", "describe_listener_certificates", lambda s: {"ListenerArn": s["listener"]},
         f"{LISTENER_CERT} findListenerCertificate",
         save=lambda r: {"listed": sorted((c["CertificateArn"], c["IsDefault"]) for c in r["Certificates"])}),
]
DESTROY = [
    Call("elbv2", "remove_listener_certificates", lambda s: {
        "ListenerArn": s["listener"], "Certificates": [{"CertificateArn": s["extra"]}]},
        f"{LISTENER_CERT} resourceListenerCertificateDelete"),
    Call("acm", "delete_certificate", lambda s: {"CertificateArn": s["main"]},
         f"{CERT} resourceCertificateDelete (retried while in use)", error="ResourceInUseException"),
    Call("elbv2", "delete_listener", lambda s: {"ListenerArn": s["listener"]}, f"{LISTENER} resourceListenerDelete"),
    Call("elbv2", "delete_load_balancer", lambda s: {"LoadBalancerArn": s["lb"]},
         "internal/service/elbv2/load_balancer.go resourceLoadBalancerDelete"),
    Call("acm", "delete_certificate", lambda s: {"CertificateArn": s["extra"]}, f"{CERT} resourceCertificateDelete"),
    Call("acm", "delete_certificate", lambda s: {"CertificateArn": s["main"]}, f"{CERT} resourceCertificateDelete"),
    Call("acm", "describe_certificate", lambda s: {"CertificateArn": s["main"]}, f"{CERT} resourceCertificateRead",
         error="ResourceNotFoundException"),
]


@pytest.fixture
def replay(tmp_path: Path) -> Iterator[Replay]:
    server = start_server(tmp_path, acm_validation_seconds=0.5)
    yield Replay(server)
    server.stop()


def test_terraform_acm_certificate_validation_https_listener_and_destroy(replay: Replay) -> None:
    replay.run([*PREPARE, *request("main", "tf.example.test"), *request("extra", "extra.example.test")])
    assert replay.saved["main-records"][0]["Type"] == "CNAME"
    acm = aws_client(replay.server.url, "acm")

    def issued(saved: Saved) -> bool:
        return all(acm.describe_certificate(CertificateArn=saved[k])["Certificate"]["Status"] == "ISSUED"
                   for k in ("main", "extra"))

    wait_for("aws_acm_certificate_validation: ISSUED", lambda: issued(replay.saved))  # certificate_validation.go
    replay.run([validate("main"), validate("extra")])
    replay.run(LISTENERS)
    assert replay.saved["listed"] == sorted([(replay.saved["main"], True), (replay.saved["extra"], False)])
    replay.run([*read("main"), *read("extra")])  # refresh
    assert replay.saved["tags"] == [{"Key": "Name", "Value": "extra"}]
    replay.run(DESTROY)
    remaining: Any = acm.list_certificates()["CertificateSummaryList"]
    assert remaining == []
