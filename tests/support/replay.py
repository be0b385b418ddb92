"""Replaying an IaC tool's call sequence through boto3 against a real server: each call names where in the tool's
source it is made, and the not-found codes the tool expects (tests/api/test_terraform_replay.py and its ACM sibling)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.clients import aws_client
from tests.support.processes import Server

Saved = dict[str, Any]


@dataclass(frozen=True)
class Call:
    service: str  # boto3 client name
    method: str  # boto3 method
    params: dict[str, Any] | Callable[[Saved], dict[str, Any]]
    source: str  # where in terraform-provider-aws the call is made
    save: Callable[[dict[str, Any]], Saved] = lambda response: {}
    error: str | None = None  # the code Terraform expects here (a not-found it treats as "absent" or "gone")


@dataclass
class Replay:
    server: Server
    saved: Saved = field(default_factory=dict)
    made: list[str] = field(default_factory=list)

    def run(self, calls: list[Call]) -> None:
        for call in calls:
            params = call.params(self.saved) if callable(call.params) else call.params
            api = getattr(aws_client(self.server.url, call.service), call.method)
            self.made.append(f"{call.service}.{call.method}")
            if call.error is not None:
                with pytest.raises(ClientError) as caught:
                    api(**params)
                assert caught.value.response["Error"]["Code"] == call.error, call.source
                continue
            try:
                response = api(**params)
            except ClientError as error:  # pragma: no cover - the message names the Terraform source
                raise AssertionError(f"{call.service}.{call.method} from {call.source}: {error}") from error
            self.saved.update(call.save(response))
