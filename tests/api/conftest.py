"""API tests: real boto3 and the aws CLI against the real server (in this process) on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provider.store import Store
from tests.support.clients import AwsCli, aws_cli, elbv2_client
from tests.support.processes import Server, start_server


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = start_server(tmp_path_factory.mktemp("api"))
    yield s
    s.stop()


@pytest.fixture
def elbv2(api_server: Server) -> Any:
    return elbv2_client(api_server.url)


@pytest.fixture
def aws(api_server: Server) -> AwsCli:
    """The aws CLI's own driver, in this process."""
    return aws_cli(api_server.url)


@pytest.fixture
def aws_program(api_server: Server) -> AwsCli:
    """The real `aws` program as a subprocess: for the tests where the CLI itself is the point."""
    return aws_cli(api_server.url, process=True)


@pytest.fixture
def telemetry_store(tmp_path: Path) -> Iterator[Store]:
    """A real DuckDB store (with the telemetry tables) in a file of its own, for the CloudWatch handler tests."""
    s = Store(str(tmp_path / "state.duckdb"))
    yield s
    s.close()
