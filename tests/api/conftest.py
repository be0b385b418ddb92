"""API tests: real boto3 and the real aws CLI against a real server on a free port."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from provider.store import Store
from tests.conftest import BIN, Server, start_server

AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
}


def elbv2_client(url: str) -> Any:
    return aws_client(url, "elbv2")


def aws_client(url: str, service: str) -> Any:
    """A boto3 client of `service` (elbv2, ec2, sts) for the server at `url`, with no retries."""
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = start_server(tmp_path_factory.mktemp("api"))
    yield s
    s.stop()


@pytest.fixture
def elbv2(api_server: Server) -> Any:
    return elbv2_client(api_server.url)


AwsCli = Callable[..., subprocess.CompletedProcess[str]]


def aws_cli(url: str) -> AwsCli:
    """Run the real `aws` CLI (from this venv) against `url`; returns the completed process."""

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        aws = str(BIN / "aws") if (BIN / "aws").exists() else "aws"
        result = subprocess.run(
            [aws, "--endpoint-url", url, "--output", "json", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, **AWS_ENV},
        )
        if check and result.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    return run


@pytest.fixture
def aws(api_server: Server) -> AwsCli:
    return aws_cli(api_server.url)


@pytest.fixture
def telemetry_store(tmp_path: Path) -> Iterator[Store]:
    """A real DuckDB store (with the telemetry tables) in a file of its own, for the CloudWatch handler tests."""
    s = Store(str(tmp_path / "state.duckdb"))
    yield s
    s.close()
