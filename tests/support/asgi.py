"""The AWS endpoint in-process (Starlette's TestClient), with a test handler table for cloudwatch."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from provider.aws.dispatch import Handler, Registry, Service
from provider.aws.endpoint import endpoint
from provider.settings import Settings


def build_app(operations: Mapping[str, Handler]) -> TestClient:
    registry = Registry([Service("elbv2", {}, str), Service("cloudwatch", operations, str)])
    handle = endpoint(Settings(), registry)
    routes = [
        Route("/", handle, methods=["POST", "GET"]),
        Route("/service/{service}/operation/{operation}", handle, methods=["POST"]),
    ]
    return TestClient(Starlette(routes=routes), raise_server_exceptions=False)
