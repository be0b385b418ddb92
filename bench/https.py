"""HTTPS through the HTTP provider against the same Traefik binary serving the same certificate from its file
provider, in one run; and how soon a re-imported certificate is served.

Ours: the provider in this process, an ACM certificate (RSA 2048, imported through boto3) on an HTTPS listener with
``ELBSecurityPolicy-TLS13-1-2-2021-06`` forwarding to nginx, served by a Traefik polling ``/traefik/config/443`` as
`up` runs it (the alb plugin loaded). The peer: the same binary with a hand-written file-provider config, one router
to the same nginx, the same certificate and key from files, the same TLS options. Both count requests in
Prometheus metrics as `up` configures them (ours must: the provider reads them; their cost is
bench/metrics_cost.py's); neither writes access logs. wrk drives each in turn, rounds interleaved:
- throughput: keep-alive, 32 connections;
- new handshakes: ``Connection: close``, so every request is a new connection and a full handshake (wrk does not
  resume sessions).
Then a certificate change: ImportCertificate re-imports a new certificate under the same ARN, and the time from
its return until a new handshake gets the new certificate (its serial) is taken, several times; the peer's is the
time from its config file being replaced (new certificate files, then the config renamed into place) until the same.
Goals (issue 18): both ratios >= 0.95x, the change <= 1 s median.

    .venv/bin/python bench/https.py [--seconds 5] [--connections 32] [--rounds 4] [--changes 9]
    (needs wrk and nginx: apt-get install -y wrk nginx-light)
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

from bench.traffic import nginx, wrk  # noqa: E402
from provider.compiler.tls import options  # noqa: E402
from provider.elbv2.ssl_policies import POLICIES  # noqa: E402
from provider.settings import Settings  # noqa: E402
from provider.traefik import plugin  # noqa: E402
from provider.traefik.static import METRICS_ENTRYPOINT, metrics, traefik_binary  # noqa: E402
from tests.support.clients import aws_client  # noqa: E402
from tests.support.processes import InProcessServer, free_port, stop_process  # noqa: E402
from tests.support.traefik import Traefik  # noqa: E402
from tests.support.waiting import wait_for  # noqa: E402

NAME = "bench.example.test"
POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
CHANGE_TIMEOUT_S = 10.0


class Authority:
    """An outside CA issuing RSA 2048 leaves for NAME, each with a new serial (so a handshake tells them apart)."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench CA")])
        now = datetime.now(UTC)
        self.cert = (
            x509.CertificateBuilder().subject_name(self.name).issuer_name(self.name).public_key(self.key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )  # fmt: skip

    def issue(self) -> tuple[int, str, str, str]:
        """(serial, certificate PEM, key PEM, chain PEM)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)]))
            .issuer_name(self.name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(NAME)]), critical=False)
            .sign(self.key, hashes.SHA256())
        )  # fmt: skip
        pem = cert.public_bytes(serialization.Encoding.PEM).decode()
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
        return cert.serial_number, pem, key_pem, self.cert.public_bytes(serialization.Encoding.PEM).decode()


def served_serial(port: int) -> int | None:
    """The serial of the certificate a new handshake with 127.0.0.1:``port`` (SNI NAME) gets."""
    ctx = ssl._create_unverified_context()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as raw, \
                ctx.wrap_socket(raw, server_hostname=NAME) as tls:
            der = tls.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError):
        return None
    return x509.load_der_x509_certificate(der).serial_number if der else None


def seen_after(port: int, serial: int, start: float) -> float:
    """Seconds from ``start`` until a new handshake gets the certificate numbered ``serial``."""
    deadline = start + CHANGE_TIMEOUT_S
    while time.monotonic() < deadline:
        if served_serial(port) == serial:
            return time.monotonic() - start
        time.sleep(0.005)
    raise TimeoutError(f"certificate {serial:x} not served within {CHANGE_TIMEOUT_S:g} s")


class FileTraefik:
    """The peer: the same traefik binary, its file provider watching one config file in ``directory``."""

    def __init__(self, directory: Path, nginx_port: int) -> None:
        self.directory, self.nginx_port = directory, nginx_port
        self.port, self.api_port = free_port(), free_port()
        self.dynamic = directory / "dynamic" / "https.yaml"
        self.dynamic.parent.mkdir()
        static = {
            "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
            "log": {"level": "INFO", "noColor": True},
            "experimental": plugin.static(),  # as ours: the plugin loaded, though this config uses none
            "api": {"insecure": True},
            "entryPoints": {"listener443": {"address": f"127.0.0.1:{self.port}"},
                            "traefik": {"address": f"127.0.0.1:{self.api_port}"}},
            "providers": {"providersThrottleDuration": "0s", "file": {"filename": str(self.dynamic), "watch": True}},
        }
        static["metrics"], static["entryPoints"][METRICS_ENTRYPOINT] = metrics(f"127.0.0.1:{free_port()}")
        config = directory / "peer.yaml"
        config.write_text(json.dumps(static, indent=2))
        self.generation = 0

    def start(self, certificate: str, key: str) -> None:
        self.serve(certificate, key)  # the leaf and its chain, as ours serves them
        log = (self.directory / "peer.log").open("ab")
        cwd = plugin.install(self.directory)
        args = [traefik_binary(Settings()), f"--configFile={self.directory / 'peer.yaml'}"]
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=cwd)

    def serve(self, certificate: str, key: str) -> None:
        """New certificate files, then the config naming them renamed into place (one fsnotify event, whole)."""
        self.generation += 1
        cert_file = self.directory / f"cert{self.generation}.pem"
        key_file = self.directory / f"key{self.generation}.pem"
        cert_file.write_text(certificate)
        key_file.write_text(key)
        pair = {"certFile": str(cert_file), "keyFile": str(key_file)}
        dynamic: dict[str, Any] = {
            "http": {
                "routers": {"web": {"entryPoints": ["listener443"], "rule": "PathPrefix(`/`)", "service": "nginx",
                                    "tls": {}}},
                "services": {"nginx": {"loadBalancer": {"servers": [{"url": f"http://127.0.0.1:{self.nginx_port}"}]}}},
            },
            "tls": {"certificates": [pair], "options": {"default": options(POLICIES[POLICY])},
                    "stores": {"default": {"defaultCertificate": pair}}},
        }
        staged = self.dynamic.with_suffix(".tmp")
        staged.write_text(json.dumps(dynamic, indent=2))
        os.replace(staged, self.dynamic)

    def stop(self) -> None:
        stop_process(self.process, timeout=5)


def load() -> str:
    return Path("/proc/loadavg").read_text().split(" ")[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--changes", type=int, default=9)
    args = parser.parse_args()
    authority = Authority()
    serial, cert, key, chain = authority.issue()
    print(f"load average before: {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        server, nginx_port = nginx(directory)
        provider = InProcessServer()
        ours = Traefik(provider.settings, "/traefik/config/443", [443], directory / "traefik.log")
        peer = FileTraefik(directory, nginx_port)
        try:
            acm, elbv2 = aws_client(provider.url, "acm"), aws_client(provider.url, "elbv2")
            arn = acm.import_certificate(Certificate=cert, PrivateKey=key, CertificateChain=chain)["CertificateArn"]
            lb = elbv2.create_load_balancer(Name="bench", Subnets=["subnet-a", "subnet-b"])["LoadBalancers"][0]
            tg = elbv2.create_target_group(Name="nginx", Protocol="HTTP", Port=nginx_port, VpcId=lb["VpcId"],
                                           TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
            elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": "127.0.0.1"}])
            elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTPS", Port=443,
                                  Certificates=[{"CertificateArn": arn}], SslPolicy=POLICY,
                                  DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
            peer.start(cert + chain, key)
            ports = {"http provider": ours.ports[443], "file provider": peer.port}
            for name, port in ports.items():
                wait_for(f"{name} serving the certificate", lambda port=port: served_serial(port) == serial)
                wait_for(f"{name} forwarding", lambda port=port: _status(port) == 200)
            runs: dict[tuple[str, str], list[float]] = {}
            for n in range(args.rounds):  # interleaved, ABBA, so drift on a shared machine hits each alike
                for kind, header in (("keep-alive", ""), ("handshakes", "Connection: close")):
                    for name, port in sorted(ports.items(), reverse=n % 2 == 1):
                        rate = wrk(port, "/", args.seconds, args.connections, tls=True, header=header)
                        runs.setdefault((kind, name), []).append(rate)
            changes: dict[str, list[float]] = {"http provider": [], "file provider": []}
            for _ in range(args.changes):
                serial, cert, key, chain = authority.issue()
                acm.import_certificate(CertificateArn=arn, Certificate=cert, PrivateKey=key, CertificateChain=chain)
                changes["http provider"].append(seen_after(ours.ports[443], serial, time.monotonic()))
                serial, cert, key, chain = authority.issue()
                peer.serve(cert + chain, key)
                changes["file provider"].append(seen_after(peer.port, serial, time.monotonic()))
                time.sleep(0.3)
        finally:
            peer.stop()
            ours.stop()
            provider.stop()
            server.terminate()
            server.wait(10)
    print(f"load average after: {load()}")
    for kind in ("keep-alive", "handshakes"):
        medians = {name: statistics.median(runs[(kind, name)]) for name in ports}
        for name, value in medians.items():
            values = ", ".join(f"{v:.0f}" for v in runs[(kind, name)])
            print(f"{kind:10s} {name:13s} {value:9.0f} req/s (median of {args.rounds}: {values})")
        print(f"{kind:10s} http / file   {medians['http provider'] / medians['file provider']:.2f}x  (goal >= 0.95x)")
    for name, values in changes.items():
        ms = sorted(v * 1000 for v in values)
        print(f"certificate change -> new handshake, {name}: median {statistics.median(ms):.0f} ms, "
              f"max {ms[-1]:.0f} ms ({len(ms)} changes)" + ("  (goal <= 1000 ms)" if name == "http provider" else ""))


def _status(port: int) -> int | None:
    import http.client

    try:
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=ssl._create_unverified_context(), timeout=2)
        conn.request("GET", "/")
        status = conn.getresponse().status
        conn.close()
        return status
    except (OSError, ssl.SSLError):
        return None


if __name__ == "__main__":
    main()
