"""ACM on the same endpoint through real boto3 and the real aws CLI: requested certificates signed by the local CA,
imports with AWS's checks, listing, export, renewal, deletion while in use, and ELBv2's certificate checks."""

from __future__ import annotations

import json
import ssl
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.support.clients import AwsCli, aws_cli, aws_client
from tests.support.processes import InProcessServer, start_server
from tests.support.tls import OutsideCa, other_key
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    s = start_server(tmp_path_factory.mktemp("acm"), acm_validation_seconds=1.0)
    yield s
    s.stop()


@pytest.fixture
def acm(server: InProcessServer) -> Any:
    return aws_client(server.url, "acm")


@pytest.fixture
def elbv2(server: InProcessServer) -> Any:
    return aws_client(server.url, "elbv2")


def code(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def issued(acm: Any, *names: str, **extra: Any) -> str:
    arn: str = acm.request_certificate(DomainName=names[0], SubjectAlternativeNames=list(names),
                                       ValidationMethod="DNS", **extra)["CertificateArn"]
    wait_for("certificate issued", lambda: acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"]
             == "ISSUED")
    return arn


def test_request_starts_pending_with_cname_then_issued_by_the_local_ca(acm: Any, server: InProcessServer) -> None:
    arn = acm.request_certificate(DomainName="app.example.test", SubjectAlternativeNames=["*.example.test"],
                                  ValidationMethod="DNS", Tags=[{"Key": "env", "Value": "dev"}])["CertificateArn"]
    first = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    assert first["Status"] == "PENDING_VALIDATION"
    options = {o["DomainName"]: o for o in first["DomainValidationOptions"]}
    assert set(options) == {"app.example.test", "*.example.test"}
    record = options["*.example.test"]["ResourceRecord"]
    assert record["Type"] == "CNAME" and record["Name"].endswith(".example.test.")
    assert record["Value"].endswith(".acm-validations.aws.")
    assert {o["ValidationStatus"] for o in options.values()} == {"PENDING_VALIDATION"}
    with pytest.raises(ClientError) as caught:
        acm.get_certificate(CertificateArn=arn)
    assert code(caught) == ("RequestInProgressException", 400)

    waiter = acm.get_waiter("certificate_validated")
    wait_for("issued", lambda: acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "ISSUED")
    waiter.wait(CertificateArn=arn, WaiterConfig={"Delay": 1, "MaxAttempts": 3})
    detail = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    assert detail["Type"] == "AMAZON_ISSUED" and detail["KeyAlgorithm"] == "RSA_2048" and detail["InUseBy"] == []

    got = acm.get_certificate(CertificateArn=arn)
    leaf = x509.load_pem_x509_certificate(got["Certificate"].encode())
    ca_pem = urllib.request.urlopen(f"{server.url}/ca.pem", timeout=5).read()
    ca = x509.load_pem_x509_certificate(ca_pem)
    assert got["CertificateChain"].strip() == ca_pem.decode().strip()  # the chain ends at the local CA
    leaf.verify_directly_issued_by(ca)
    sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert sans == ["app.example.test", "*.example.test"]
    assert b"PRIVATE KEY" not in ca_pem
    assert acm.list_tags_for_certificate(CertificateArn=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]


def test_the_ca_key_stays_in_the_state_directory(server: InProcessServer) -> None:
    folder = server.settings.ca_dir
    assert (folder / "ca-key.pem").stat().st_mode & 0o077 == 0
    assert urllib.request.urlopen(f"{server.url}/ca.pem", timeout=5).read() == (folder / "ca.pem").read_bytes()


def test_the_aws_cli_waits_for_validation(server: InProcessServer) -> None:
    aws: AwsCli = aws_cli(server.url, process=True)
    arn = json.loads(aws("acm", "request-certificate", "--domain-name", "cli.example.test",
                         "--validation-method", "DNS").stdout)["CertificateArn"]
    time.sleep(1.2)  # validation takes --acm-validation-seconds (1 s here); the waiter's own delay is 60 s
    done = aws("acm", "wait", "certificate-validated", "--certificate-arn", arn)
    assert done.returncode == 0, done.stderr


def test_import_with_chain_then_reimport_by_arn(acm: Any) -> None:
    outside = OutsideCa()
    first = outside.issue("imported.example.test")
    arn = acm.import_certificate(Certificate=first.certificate, PrivateKey=first.key,
                                 CertificateChain=first.chain)["CertificateArn"]
    detail = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    assert (detail["Type"], detail["Status"], detail["DomainName"]) == ("IMPORTED", "ISSUED", "imported.example.test")
    assert detail["KeyAlgorithm"] == "EC_prime256v1"
    second = outside.issue("imported.example.test", "www.imported.example.test")
    again = acm.import_certificate(CertificateArn=arn, Certificate=second.certificate, PrivateKey=second.key,
                                   CertificateChain=second.chain)["CertificateArn"]
    assert again == arn
    assert acm.get_certificate(CertificateArn=arn)["Certificate"].encode() == second.certificate


@pytest.mark.parametrize("case", ["key-mismatch", "expired", "not-yet-valid", "encrypted-key", "malformed",
                                  "two-certificates", "no-chain", "wrong-chain"])
def test_bad_imports_get_validation_exception_and_change_nothing(acm: Any, case: str) -> None:
    outside, stranger = OutsideCa(), OutsideCa("another CA")
    good = outside.issue("bad.example.test")
    params: dict[str, Any] = {"Certificate": good.certificate, "PrivateKey": good.key, "CertificateChain": good.chain}
    if case == "key-mismatch":
        params["PrivateKey"] = other_key()
    elif case == "expired":
        bad = outside.issue("bad.example.test", days=(-30, -1))
        params |= {"Certificate": bad.certificate, "PrivateKey": bad.key}
    elif case == "not-yet-valid":
        bad = outside.issue("bad.example.test", days=(2, 30))
        params |= {"Certificate": bad.certificate, "PrivateKey": bad.key}
    elif case == "encrypted-key":
        bad = outside.issue("bad.example.test", encrypted=True)
        params |= {"Certificate": bad.certificate, "PrivateKey": bad.key}
    elif case == "malformed":
        params["Certificate"] = b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"
    elif case == "two-certificates":
        params["Certificate"] = good.certificate + good.chain
    elif case == "no-chain":
        del params["CertificateChain"]
    elif case == "wrong-chain":
        params["CertificateChain"] = stranger.pem
    before = acm.list_certificates(Includes={"keyTypes": ["EC_prime256v1", "RSA_2048"]})["CertificateSummaryList"]
    with pytest.raises(ClientError) as caught:
        acm.import_certificate(**params)
    assert code(caught) == ("ValidationException", 400)
    assert acm.list_certificates(Includes={"keyTypes": ["EC_prime256v1", "RSA_2048"]})[
        "CertificateSummaryList"] == before


def test_list_filters_and_pages(acm: Any) -> None:
    ec = issued(acm, "ec.list.example.test", KeyAlgorithm="EC_prime256v1")
    rsa = [issued(acm, f"r{i}.list.example.test") for i in range(3)]
    default = {c["CertificateArn"] for c in acm.list_certificates()["CertificateSummaryList"]}
    assert set(rsa) <= default and ec not in default  # by default only RSA_1024 and RSA_2048, as AWS
    with_ec = {c["CertificateArn"] for c in acm.list_certificates(
        Includes={"keyTypes": ["EC_prime256v1"]})["CertificateSummaryList"]}
    assert ec in with_ec and not set(rsa) & with_ec
    pending = acm.request_certificate(DomainName="pending.list.example.test")["CertificateArn"]
    statuses = acm.list_certificates(CertificateStatuses=["PENDING_VALIDATION"])["CertificateSummaryList"]
    assert pending in [c["CertificateArn"] for c in statuses]
    seen, token = [], None
    while True:
        page = acm.list_certificates(MaxItems=2, **({"NextToken": token} if token else {}))
        assert len(page["CertificateSummaryList"]) <= 2
        seen += [c["CertificateArn"] for c in page["CertificateSummaryList"]]
        token = page.get("NextToken")
        if not token:
            break
    everything = {c["CertificateArn"] for c in acm.list_certificates()["CertificateSummaryList"]}
    assert pending in everything and set(seen) == everything and len(seen) == len(everything)


def test_export_only_when_requested_exportable(acm: Any) -> None:
    plain = issued(acm, "plain.example.test")
    with pytest.raises(ClientError) as caught:
        acm.export_certificate(CertificateArn=plain, Passphrase=b"pass1234")
    assert code(caught) == ("ValidationException", 400)
    exportable = issued(acm, "export.example.test", Options={"Export": "ENABLED"})
    out = acm.export_certificate(CertificateArn=exportable, Passphrase=b"pass1234")
    key = serialization.load_pem_private_key(out["PrivateKey"].encode(), password=b"pass1234")
    leaf = x509.load_pem_x509_certificate(out["Certificate"].encode())
    assert key.public_key().public_numbers() == leaf.public_key().public_numbers()  # type: ignore[union-attr]


def test_renew_issues_a_new_certificate(acm: Any) -> None:
    arn = issued(acm, "renew.example.test")
    before = acm.get_certificate(CertificateArn=arn)["Certificate"]
    acm.renew_certificate(CertificateArn=arn)
    assert acm.get_certificate(CertificateArn=arn)["Certificate"] != before
    assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["RenewalSummary"]["RenewalStatus"] == "SUCCESS"


def test_unknown_and_malformed_arns(acm: Any) -> None:
    with pytest.raises(ClientError) as caught:
        acm.describe_certificate(CertificateArn="arn:aws:acm:us-east-1:123456789012:certificate/nope")
    assert code(caught) == ("ResourceNotFoundException", 400)
    with pytest.raises(ClientError) as caught:
        acm.delete_certificate(CertificateArn="arn:aws:acm:us-east-1:123456789012:nope")
    assert code(caught) == ("InvalidArnException", 400)
    with pytest.raises(ClientError) as caught:
        acm.request_certificate(DomainName="bad..name")
    assert code(caught)[1] == 400


def _listener(elbv2: Any, certificate: str, port: int) -> tuple[str, str]:
    lb = elbv2.create_load_balancer(Name=f"acm-{port}", Subnets=["subnet-a", "subnet-b"])["LoadBalancers"][0]
    fixed = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200"}}]
    listener = elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTPS", Port=port,
                                     Certificates=[{"CertificateArn": certificate}], DefaultActions=fixed)
    return lb["LoadBalancerArn"], listener["Listeners"][0]["ListenerArn"]


def test_elbv2_takes_only_issued_certificates_and_acm_keeps_those_in_use(acm: Any, elbv2: Any) -> None:
    pending = acm.request_certificate(DomainName="wait.example.test")["CertificateArn"]
    unknown = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
    lb = elbv2.create_load_balancer(Name="acm-checks", Subnets=["subnet-a", "subnet-b"])["LoadBalancers"][0]
    fixed = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200"}}]
    for arn in (pending, unknown):
        with pytest.raises(ClientError) as caught:
            elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTPS", Port=443,
                                  Certificates=[{"CertificateArn": arn}], DefaultActions=fixed)
        assert code(caught) == ("CertificateNotFound", 400)
    assert elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"] == []

    main, extra = issued(acm, "main.example.test"), issued(acm, "extra.example.test")
    lb_arn, listener = _listener(elbv2, main, 8443)
    with pytest.raises(ClientError) as caught:
        elbv2.add_listener_certificates(ListenerArn=listener, Certificates=[{"CertificateArn": unknown}])
    assert code(caught) == ("CertificateNotFound", 400)
    elbv2.add_listener_certificates(ListenerArn=listener, Certificates=[{"CertificateArn": extra}])
    listed = elbv2.describe_listener_certificates(ListenerArn=listener)["Certificates"]
    assert {(c["CertificateArn"], c["IsDefault"]) for c in listed} == {(main, True), (extra, False)}

    assert acm.describe_certificate(CertificateArn=extra)["Certificate"]["InUseBy"] == [lb_arn]
    with pytest.raises(ClientError) as caught:
        acm.delete_certificate(CertificateArn=extra)
    assert code(caught) == ("ResourceInUseException", 400)
    elbv2.remove_listener_certificates(ListenerArn=listener, Certificates=[{"CertificateArn": extra}])
    acm.delete_certificate(CertificateArn=extra)
    with pytest.raises(ClientError) as caught:
        acm.describe_certificate(CertificateArn=extra)
    assert code(caught) == ("ResourceNotFoundException", 400)


def test_ca_command_prints_the_same_ca(server: InProcessServer, tmp_path: Path) -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "provider", "ca", "--db", server.settings.db],
                         capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.encode() == (server.settings.ca_dir / "ca.pem").read_bytes()
    ssl.create_default_context(cadata=out.stdout)  # a CA a client can trust as it is
