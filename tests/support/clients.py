"""Clients of the server and of Traefik, each made one way: boto3 clients (no retries), the `aws` CLI (in this
process by default; a real subprocess where the CLI as a program is the point), a keep-alive HTTP client that
keeps every answer's headers, and a plain GET."""

from __future__ import annotations

import contextlib
import gzip
import http.client
import io
import json
import os
import ssl
import subprocess
import threading
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore
import botocore.session
from botocore.config import Config

from tests.support.processes import BIN

AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
}
CLI_TIMEOUT_S = 60.0


def aws_client(url: str, service: str, *, region: str = "us-east-1", validate: bool = True,
               data_path: Path | None = None) -> Any:
    """A boto3 client of `service` (elbv2, cloudwatch, ec2, sts) for the server at `url`, with no retries;
    ``validate=False`` leaves validation to the server, ``data_path`` adds botocore models (model_speaking)."""
    make = boto3.client
    if data_path is not None:
        core = botocore.session.get_session()
        core.set_config_variable("data_path", str(data_path))
        make = boto3.Session(botocore_session=core).client
    return make(
        service,
        endpoint_url=url,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, parameter_validation=validate),
    )


def elbv2_client(url: str) -> Any:
    return aws_client(url, "elbv2")


def cloudwatch(url: str, data_path: Path | None = None, validate: bool = True) -> Any:
    return aws_client(url, "cloudwatch", validate=validate, data_path=data_path)


def model_speaking(protocol: str, root: Path) -> Path:
    """A data path whose cloudwatch model lists only `protocol`: botocore then speaks it, and nothing else
    about the client changes."""
    source = Path(botocore.__file__).parent / "data" / "cloudwatch" / "2010-08-01" / "service-2.json.gz"
    model = json.loads(gzip.decompress(source.read_bytes()))
    model["metadata"]["protocols"] = [protocol]
    model["metadata"]["protocol"] = protocol
    target = root / "cloudwatch" / "2010-08-01"
    target.mkdir(parents=True)
    (target / "service-2.json").write_text(json.dumps(model))
    return root


# ---- the aws CLI -------------------------------------------------------------------------------------------------
AwsCli = Callable[..., subprocess.CompletedProcess[str]]
_cli_lock = threading.Lock()  # one in-process CLI at a time: it reads os.environ and writes sys.stdout
SESSION_FLAGS = {"--profile", "--region", "--debug"}  # what the driver's session keeps once a call sets it


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _cli_in_process(argv: list[str], drivers: list[Any]) -> subprocess.CompletedProcess[str]:
    """``aws *argv`` by awscli's own driver in a thread of this process (a subprocess costs ~1 s of imports); the
    driver in ``drivers`` if there is one, else a new one kept there (a new driver costs ~0.2 s, botocore's session
    registering its handlers; a call on a kept one ~10 ms)."""
    from awscli.clidriver import create_clidriver

    out, err, code = io.StringIO(), io.StringIO(), [255]

    def run() -> None:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                if not drivers:
                    drivers.append(create_clidriver())
                code[0] = drivers[0].main(argv)
            except SystemExit as e:  # argparse's answer to bad arguments
                code[0] = e.code if isinstance(e.code, int) else 2

    with _cli_lock, _environment(AWS_ENV):
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        thread.join(CLI_TIMEOUT_S)
        if thread.is_alive():
            raise AssertionError(f"aws {' '.join(argv)} did not finish within {CLI_TIMEOUT_S:g}s")
    return subprocess.CompletedProcess(["aws", *argv], code[0], out.getvalue(), err.getvalue())


def _cli_process(argv: list[str]) -> subprocess.CompletedProcess[str]:
    aws = str(BIN / "aws") if (BIN / "aws").exists() else "aws"
    return subprocess.run([aws, *argv], capture_output=True, text=True, timeout=CLI_TIMEOUT_S,
                          env={**os.environ, **AWS_ENV})


def aws_cli(url: str, *, process: bool = False) -> AwsCli:
    """The `aws` CLI of this venv against `url` with JSON output: ``run(*args, check=True)`` gives the completed
    process (its returncode, stdout, stderr). In this process unless ``process``: the real program. In this process,
    one driver serves every call of this ``run`` but those that set its session's profile, region or logging (a
    driver keeps them for its next calls), which get one of their own."""
    drivers: list[Any] = []

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        argv = ["--endpoint-url", url, "--output", "json", *args]
        kept = [] if SESSION_FLAGS & set(args) else drivers
        result = _cli_process(argv) if process else _cli_in_process(argv, kept)
        if check and result.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    return run


# ---- plain HTTP --------------------------------------------------------------------------------------------------
def get_bytes(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return bytes(resp.read())


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: str

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


@dataclass
class Client:
    """A keep-alive client of one loopback port (TLS with Traefik's self-signed certificate when ``tls``);
    a request that fails on a stale connection is sent again on a new one, up to three times."""

    port: int
    tls: bool = False
    conn: http.client.HTTPConnection | None = field(default=None, repr=False)

    def request(self, path: str = "/", method: str = "GET", headers: dict[str, str] | None = None) -> Reply:
        for attempt in range(3):
            try:
                if self.conn is None:
                    if self.tls:
                        ctx = ssl._create_unverified_context()  # Traefik's default self-signed certificate
                        self.conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=5, context=ctx)
                    else:
                        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                self.conn.request(method, path, headers=headers or {})
                resp = self.conn.getresponse()
                return Reply(resp.status, resp.getheaders(), resp.read().decode("utf-8", "replace"))
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
