"""One endpoint, several services: pick the service and protocol of a request, and the domain's handler.

| request                                            | protocol           | service by                        |
|----------------------------------------------------|--------------------|-----------------------------------|
| `X-Amz-Target: GraniteServiceVersion20100801.<Op>` | json (awsJson1_0)  | the model's targetPrefix          |
| `POST /service/<targetPrefix>/operation/<Op>`      | smithy-rpc-v2-cbor | the path's targetPrefix           |
| a form with `Version=2010-08-01`                   | query (EC2: ec2)   | apiVersion, SigV4 scope, or elbv2 |

>>> registry = Registry([Service("cloudwatch", {"ListMetrics": lambda context, params: {}}, lambda region: None)])
>>> headers = {"x-amz-target": "GraniteServiceVersion20100801.ListMetrics"}
>>> incoming = Incoming(b"{}")
>>> model, protocol = registry.route(registry.protocol("/", headers), incoming, "/", headers)
>>> model.name, protocol.name, incoming.target
('cloudwatch', 'json', 'ListMetrics')
>>> path = "/service/Nope/operation/X"
>>> registry.route(registry.protocol(path, {}), incoming, path, {})
Traceback (most recent call last):
provider.errors.UnknownOperation: The service Nope is not served here in the smithy-rpc-v2-cbor protocol.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from provider.aws.model import ServiceModel, load
from provider.aws.protocols import CBOR, EC2, JSON, QUERY, Incoming, Protocol
from provider.aws.region import service_from_authorization
from provider.aws.validate import shown
from provider.errors import UnknownOperation

Handler = Callable[[Any, dict[str, Any]], Any]
# (the request, its body) -> (status, headers, body): the service answered by another process
Relay = Callable[[Request, bytes], Awaitable[tuple[int, Mapping[str, str], bytes]]]
DEFAULT_SERVICE = "elbv2"  # a form request that names no known Version or scope: today's only query service


@dataclass(frozen=True)
class Service:
    """A domain plugged into the endpoint."""

    model: str  # botocore service name: "elbv2", "cloudwatch"
    operations: Mapping[str, Handler]  # PascalCase op name -> handler(context, params) -> result
    context: Callable[[str], object] | None = None  # region -> that domain's context object (None: relayed)
    # Handlers that read more than a few rows run in a worker thread, so API calls and Traefik's config polls
    # never queue behind them on the event loop (DuckDB lets go of the GIL while it works).
    threaded: bool = False
    relay: Relay | None = None  # set: the request is passed on as it came, once its service is known


class Registry:
    def __init__(self, services: Iterable[Service]) -> None:
        self.services = {service.model: service for service in services}
        self.models = {name: load(name, frozenset(service.operations)) for name, service in self.services.items()}
        self.by_prefix = {m.target_prefix: m for m in self.models.values() if m.target_prefix}
        self.by_version = {m.api_version: m for m in self.models.values()}
        self.by_scope = {m.signing_name: m for m in self.models.values()}
        self.default = self.models.get(DEFAULT_SERVICE) or next(iter(self.models.values()))

    def protocol(self, path: str, headers: Mapping[str, str]) -> Protocol:
        """The protocol the request speaks; never fails, so that every later error has an envelope."""
        if path.startswith("/service/"):
            return CBOR
        if "x-amz-target" in headers:
            return JSON
        return QUERY

    def route(
        self, protocol: Protocol, incoming: Incoming, path: str, headers: Mapping[str, str]
    ) -> tuple[ServiceModel, Protocol]:
        """The service model the request addresses, and the protocol (a form for EC2 is its ec2 dialect);
        sets `incoming.target` for json and cbor."""
        if protocol is QUERY:
            version = incoming.fields.get("Version")
            model = self.by_version.get(version) if version else None
            scope = service_from_authorization(headers.get("authorization"))
            model = model or (self.by_scope.get(scope) if scope else None) or self.default
            return model, EC2 if "ec2" in model.protocols else QUERY
        if protocol is JSON:
            prefix, _, incoming.target = headers.get("x-amz-target", "").partition(".")
        else:
            parts = path.split("/")  # "", "service", <prefix>, "operation", <Op>
            if len(parts) != 5 or parts[3] != "operation":
                raise UnknownOperation(f"The path {shown(path)} names no operation.")
            prefix, incoming.target = parts[2], parts[4]
        model = self.by_prefix.get(prefix)
        if model is None or protocol.name not in model.protocols:
            raise UnknownOperation(f"The service {shown(prefix)} is not served here in the {protocol.name} protocol.")
        return model, protocol

    def service(self, model: ServiceModel) -> Service:
        return self.services[model.name]
