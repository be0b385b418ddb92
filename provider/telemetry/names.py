"""Traefik's names -> ALB's: a router stands for a rule, a leaf service for a target group (of one load balancer).

The compiler names a rule's router ``<lb>-<port>-<p<priority>|default>-<rule key>`` and a target group's service
``tg-<name>`` (``tg-<name>-<id>`` when names repeat, ``-tls`` for a secure sticky variant). Names of deleted
rules and groups stay resolvable (bounded), for counts and log lines read after the deletion.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from provider.compiler.answers import rule_key
from provider.elbv2.arns import dimension
from provider.elbv2.model import ActionType, Listener, LoadBalancer, Rule, State, TargetGroup

MAX_REMEMBERED = 100_000  # names of deleted rules and groups kept for late counts


@dataclass(frozen=True, slots=True)
class Route:
    """What a router stands for in ALB's terms."""

    load_balancer: str  # 'app/<name>/<id>'
    listener_port: int
    rule_priority: int  # 0: the default rule
    action: ActionType
    target_groups: Mapping[str, str]  # Traefik service name -> 'targetgroup/<name>/<id>'
    weights: Mapping[str, int] = field(default_factory=dict)  # 'targetgroup/<name>/<id>' -> its forward weight

    @property
    def rule(self) -> str:
        """'<port>/<priority>': the rule among its load balancer's."""
        return f"{self.listener_port}/{self.rule_priority}"


def _action(rule: Rule) -> ActionType:
    kinds = {a.type for a in rule.actions}
    if ActionType.FORWARD in kinds:
        return ActionType.FORWARD
    return ActionType.REDIRECT if ActionType.REDIRECT in kinds else ActionType.FIXED_RESPONSE


def service_names(arn: str, name: str) -> tuple[str, ...]:
    """Every service name the compiler may give target group ``name`` (``arn``)."""
    plain, with_id = f"tg-{name}", f"tg-{name}-{arn.rsplit('/', 1)[-1]}"
    return plain, plain + "-tls", with_id, with_id + "-tls"


def _route(rule: Rule, listener: Listener, lb: LoadBalancer, tgs: tuple[TargetGroup | None, ...]) -> Route:
    groups: dict[str, str] = {}
    for tg in tgs:
        if tg is not None:
            groups.update(dict.fromkeys(service_names(tg.arn, tg.name), dimension(tg.arn)))
    forward = next((a.forward for a in rule.actions if a.forward is not None), None)
    weights = {dimension(t.arn): t.weight for t in forward.target_groups} if forward else {}
    return Route(dimension(lb.arn), listener.port, rule.priority or 0, _action(rule), groups, weights)


class _Known(NamedTuple):
    """A rule's Route and the objects it came from: while they are the same objects, it is still the rule's."""

    rule: Rule
    listener: Listener
    lb: LoadBalancer
    tgs: tuple[TargetGroup | None, ...]
    key: str
    route: Route


def strip(name: str) -> str:
    """'tg-a@http' -> 'tg-a' (the provider suffix)."""
    return name.rpartition("@")[0] or name


class Names:
    """Router and service names -> ALB's, rebuilt when the state changes; deleted ones are kept (bounded)."""

    def __init__(self) -> None:
        self._version: int | None = None  # the state's last read
        self._changes = 0
        self._routes: dict[str, Route] = {}
        self._services: dict[str, tuple[str, str]] = {}  # service -> (load balancer, target group)
        self._known: dict[int, _Known] = {}  # id(rule) -> its Route, while its objects stay the same

    @property
    def changes(self) -> int:
        """Bumps when some name resolves differently (or newly)."""
        return self._changes

    def update(self, state: State) -> None:
        """Rule key (the end of a router's name) -> its Route, for every rule of a listener of a load balancer; a
        rule whose objects did not change keeps its Route (10,000 rules: 10 ms a change, not 100)."""
        if state.version == self._version:
            return
        self._version = state.version
        known: dict[int, _Known] = {}
        fresh: dict[str, Route] = {}
        for rule in state.rules.values():
            listener = state.listeners.get(rule.listener_arn)
            lb = state.load_balancers.get(listener.load_balancer_arn) if listener else None
            if listener is None or lb is None:
                continue
            tgs = tuple(map(state.target_groups.get, rule.target_group_arns))
            last = self._known.get(id(rule))
            if (last is None or last.rule is not rule or last.listener is not listener or last.lb is not lb
                    or len(last.tgs) != len(tgs) or not all(map(operator.is_, last.tgs, tgs))):
                last = _Known(rule, listener, lb, tgs, rule_key(rule), _route(rule, listener, lb, tgs))
                fresh[last.key] = last.route
            known[id(rule)] = last
        self._known = known
        if len(self._routes) + len(fresh) > MAX_REMEMBERED:
            self._routes, self._services = {}, {}
            fresh = {k.key: k.route for k in known.values()}
        self._changes += bool(fresh)
        self._routes.update(fresh)
        for route in fresh.values():
            for service, tg in route.target_groups.items():
                self._services[service] = (route.load_balancer, tg)

    def router(self, name: str) -> Route | None:
        """'web-80-p10-9683b2d02a6cabee@http' -> its Route."""
        return self._routes.get(strip(name).rpartition("-")[2])

    def service(self, name: str) -> tuple[str, str] | None:
        """'tg-v2@http' -> ('app/web/50dc6c495c0c9188', 'targetgroup/v2/73e2d6bc24d8a067')."""
        return self._services.get(strip(name))

    def tables(self) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        """The rows of the access-log ingest query's ``_routes`` and ``_route_groups`` (accesslogs/ingest.py)."""
        rows: list[tuple[object, ...]] = [
            (k, r.load_balancer, r.listener_port, r.rule_priority, r.action.value) for k, r in self._routes.items()
        ]
        groups: list[tuple[object, ...]] = [
            (k, s, tg) for k, r in self._routes.items() for s, tg in r.target_groups.items()
        ]
        return rows, groups
