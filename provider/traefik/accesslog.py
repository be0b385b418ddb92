"""Traefik's JSON access log -> ALB request records, with Traefik's names turned back into ALB's.

The compiler names a rule's router ``<lb>-<port>-<p<priority>|default>-<rule key>`` and a target group's service
``tg-<name>`` (``tg-<name>-<id>`` when names repeat, ``-tls`` for a secure sticky variant); fixed responses and
redirects go to ``elbv2-self``. A line names the router it matched and the leaf service that served it, so:

    {"RouterName": "web-80-p10-9683b2d02a6cabee@http", "ServiceName": "tg-v2@http", "OriginStatus": 200, ...}
    -> Request(load_balancer="app/web/50dc6c495c0c9188", listener_port=80, rule_priority=10, action="forward",
               target_group="targetgroup/v2/73e2d6bc24d8a067", target="127.0.0.1:9001", target_status=200, ...)

Lines that match no rule of ours (Traefik's own 404, the placeholder) give None: ALB has no such requests.
A rule deleted before its lines are read still resolves: routes once seen are remembered.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from provider.accesslogs.record import Request
from provider.elbv2.model import ActionType, Rule, State
from provider.traefik.compiler import rule_key

NS = 1e-9
USER_AGENT_FIELD = "request_User-Agent"  # present when the static config keeps the User-Agent header
MAX_REMEMBERED = 100_000  # routes of deleted rules kept for late lines
# When Traefik cannot reach a target it answers 502 "Bad Gateway" itself and logs that as OriginStatus too; a
# target answering exactly that is taken for a connection error (ALB: TargetConnectionErrorCount, target "-").
_PROXY_ERROR = (502, len(b"Bad Gateway"))


@dataclass(frozen=True, slots=True)
class Route:
    """What a router stands for in ALB's terms."""

    load_balancer: str  # 'app/<name>/<id>'
    listener_port: int
    rule_priority: int  # 0: the default rule
    action: ActionType
    target_groups: Mapping[str, str]  # Traefik service name -> 'targetgroup/<name>/<id>'


def arn_suffix(arn: str, marker: str) -> str:
    """``arn:...:loadbalancer/app/web/50dc...`` with marker ``loadbalancer/`` -> ``app/web/50dc...``."""
    return arn.split(":", 5)[5].removeprefix(marker)


def _action(rule: Rule) -> ActionType:
    kinds = {a.type for a in rule.actions}
    if ActionType.FORWARD in kinds:
        return ActionType.FORWARD
    return ActionType.REDIRECT if ActionType.REDIRECT in kinds else ActionType.FIXED_RESPONSE


def routes(state: State) -> dict[str, Route]:
    """Rule key (the end of a router's name) -> its Route, for every rule of a listener of a load balancer."""
    out: dict[str, Route] = {}
    for rule in state.rules.values():
        listener = state.listeners.get(rule.listener_arn)
        lb = state.load_balancers.get(listener.load_balancer_arn) if listener else None
        if listener is None or lb is None:
            continue
        groups: dict[str, str] = {}
        for arn in rule.target_group_arns:
            tg = state.target_groups.get(arn)
            if tg is None:
                continue
            dimension = arn_suffix(arn, "")
            for name in (f"tg-{tg.name}", f"tg-{tg.name}-{arn.rsplit('/', 1)[-1]}"):
                groups[name] = groups[name + "-tls"] = dimension
        out[rule_key(rule)] = Route(
            arn_suffix(lb.arn, "loadbalancer/"), listener.port, rule.priority or 0, _action(rule), groups
        )
    return out


class Resolver:
    """Router name -> Route, rebuilt when the state changes; routes of deleted rules are kept (bounded)."""

    def __init__(self) -> None:
        self._version: int | None = None
        self._routes: dict[str, Route] = {}

    def update(self, state: State) -> None:
        if state.version == self._version:
            return
        self._version = state.version
        current = routes(state)
        if len(self._routes) + len(current) > MAX_REMEMBERED:
            self._routes = {}
        self._routes.update(current)

    def route(self, router_name: str) -> Route | None:
        """``web-80-p10-9683b2d02a6cabee@http`` -> the Route of rule key ``9683b2d02a6cabee``."""
        return self._routes.get(router_name.split("@", 1)[0].rsplit("-", 1)[-1])


def parse(line: bytes | str, resolver: Resolver) -> Request | None:
    """One access-log line -> a Request, or None for a line that is not one of our requests (or not JSON)."""
    try:
        doc = json.loads(line)
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    route = resolver.route(str(doc.get("RouterName") or ""))
    if route is None:
        return None
    try:
        return _request(doc, route)
    except (KeyError, TypeError, ValueError):
        return None


def _request(doc: Mapping[str, Any], route: Route) -> Request:
    forward = route.action is ActionType.FORWARD
    service = str(doc.get("ServiceName") or "").split("@", 1)[0]
    target_group = route.target_groups.get(service) if forward else None
    target = str(doc.get("ServiceAddr") or "") or None if target_group else None
    origin = int(doc.get("OriginStatus") or 0)
    unreachable = (origin, int(doc.get("OriginContentSize") or 0)) == _PROXY_ERROR
    target_status = origin if origin and target and not unreachable else None
    duration = int(doc.get("Duration") or 0) * NS
    target_s = int(doc.get("OriginDuration") or 0) * NS if target_status is not None else None
    elb_status = int(doc["DownstreamStatus"])
    start = datetime.fromisoformat(str(doc["StartUTC"]))
    host = str(doc.get("RequestHost") or "-")
    scheme = str(doc.get("RequestScheme") or "http")
    return Request(
        ts_ms=round(start.timestamp() * 1000 + duration * 1000),
        load_balancer=route.load_balancer,
        listener_port=route.listener_port,
        rule_priority=route.rule_priority,
        action=route.action.value,
        target_group=target_group,
        target=target,
        elb_status=elb_status,
        target_status=target_status,
        request_s=duration - (target_s or 0.0),
        target_s=target_s,
        response_s=0.0,
        received_bytes=int(doc.get("RequestContentSize") or 0),
        sent_bytes=int(doc.get("DownstreamContentSize") or 0),
        client=f"{doc.get('ClientHost') or '-'}:{doc.get('ClientPort') or 0}",
        method=str(doc.get("RequestMethod") or "-"),
        url=f"{scheme}://{host}:{route.listener_port}{doc.get('RequestPath') or '/'}",
        protocol=str(doc.get("RequestProtocol") or "-"),
        user_agent=str(doc.get(USER_AGENT_FIELD) or "-"),
        connection_error=target is not None and (unreachable or not origin),
    )
