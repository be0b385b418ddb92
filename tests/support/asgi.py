"""The AWS endpoint in-process (Starlette's TestClient), with a test handler table for cloudwatch."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.applications import Starlette
from starlette.testclient import TestClient

from provider.aws import endpoint
from provider.aws.dispatch import Handler, Registry, Service
from provider.settings import Settings


def build_app(operations: Mapping[str, Handler]) -> TestClient:
    registry = Registry([Service("elbv2", {}, str), Service("cloudwatch", operations, str)])
    return TestClient(Starlette(routes=endpoint.routes(Settings(), registry)), raise_server_exceptions=False)
