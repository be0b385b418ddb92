"""What the page shows, as plain values built from one State, the targets' health and the observed traffic.

Pure: ``build_page(state, health, traffic)`` does no I/O, so it is tested with plain values.
A rule's observed share is its requests to each group over the last minute divided by all its requests there:
configured 95/5 sits next to observed 94.8/5.2.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from provider.elbv2.arns import dimension
from provider.elbv2.model import ActionType, Listener, LoadBalancer, Rule, State, Target, TargetGroup
from provider.telemetry.queries import Series, Traffic
from provider.ui.rollouts import RolloutView
from provider.ui.words import action_in_words, conditions_in_words


@dataclass(frozen=True, slots=True)
class TargetStatus:
    """A target's health as DescribeTargetHealth reports it."""

    state: str  # initial | healthy | unhealthy | unused | draining | unavailable
    reason: str | None = None
    description: str | None = None


HealthOf = Callable[[Target], TargetStatus]


@dataclass(frozen=True, slots=True)
class TargetRow:
    id: str
    port: int
    status: TargetStatus


@dataclass(frozen=True, slots=True)
class GroupView:
    id: str
    name: str
    protocol: str
    port: int
    health_check: str  # "HTTP /health every 30 s" or "disabled"
    targets: tuple[TargetRow, ...]


@dataclass(frozen=True, slots=True)
class Split:
    """One target group of a rule: configured weight and share next to the share observed."""

    group: str  # target group name
    weight: int
    configured_pct: float
    requests: int  # served by this group through this rule in the window
    observed_pct: float | None  # None: the rule served nothing in the window


@dataclass(frozen=True, slots=True)
class RuleRow:
    id: str
    priority: str  # "10", or "default"
    conditions: str
    actions: tuple[str, ...]  # in words, in order
    splits: tuple[Split, ...]
    requests: int  # all requests the rule forwarded in the window


@dataclass(frozen=True, slots=True)
class ListenerView:
    id: str
    port: int
    protocol: str
    rules: tuple[RuleRow, ...]


@dataclass(frozen=True, slots=True)
class LoadBalancerView:
    id: str
    name: str
    dns_name: str
    scheme: str
    listeners: tuple[ListenerView, ...]
    groups: tuple[GroupView, ...]
    series: Series


@dataclass(frozen=True, slots=True)
class Page:
    load_balancers: tuple[LoadBalancerView, ...]
    idle_groups: tuple[GroupView, ...]  # groups no load balancer forwards to
    window_s: int
    bucket_s: int
    rollouts: tuple[RolloutView, ...] = ()  # running first, then the last few finished



def build_page(
    state: State, health: HealthOf, traffic: Traffic, window_s: int, rollouts: tuple[RolloutView, ...] = ()
) -> Page:
    buckets = window_s // traffic.bucket_s
    owners = state.target_group_owners
    lbs = sorted(state.load_balancers.values(), key=lambda lb: lb.name)
    listeners: dict[str, list[Listener]] = {}
    for listener in sorted(state.listeners.values(), key=lambda ls: ls.port):
        listeners.setdefault(listener.load_balancer_arn, []).append(listener)
    groups = sorted(state.target_groups.values(), key=lambda tg: tg.name)
    views = tuple(
        LoadBalancerView(
            id=lb.id,
            name=lb.name,
            dns_name=lb.dns_name,
            scheme=lb.scheme,
            listeners=tuple(_listener(state, lb, ls, traffic) for ls in listeners.get(lb.arn, ())),
            groups=tuple(_group(state, tg, health) for tg in groups if owners.get(tg.arn) == lb.arn),
            series=traffic.series_of(dimension(lb.arn), buckets),
        )
        for lb in lbs
    )
    idle = tuple(_group(state, tg, health) for tg in groups if owners.get(tg.arn) not in state.load_balancers)
    return Page(views, idle, window_s, traffic.bucket_s, rollouts)


def _listener(state: State, lb: LoadBalancer, listener: Listener, traffic: Traffic) -> ListenerView:
    rules = state.rules_by_listener.get(listener.arn, ())
    key = dimension(lb.arn), listener.port
    return ListenerView(
        id=listener.arn.rsplit("/", 1)[1],
        port=listener.port,
        protocol=str(listener.protocol),
        rules=tuple(_rule(state, r, traffic.shares.get((*key, r.priority or 0), {})) for r in rules),
    )


def _rule(state: State, rule: Rule, counts: Mapping[str, int]) -> RuleRow:
    tuples = [tg for a in rule.actions if a.type is ActionType.FORWARD and a.forward for tg in a.forward.target_groups]
    total_weight = sum(t.weight for t in tuples)
    observed = {t.arn: counts.get(dimension(t.arn), 0) for t in tuples}
    total = sum(observed.values())
    splits = tuple(
        Split(
            group=state.target_groups[t.arn].name if t.arn in state.target_groups else t.arn,
            weight=t.weight,
            configured_pct=100.0 * t.weight / total_weight if total_weight else 0.0,
            requests=observed[t.arn],
            observed_pct=100.0 * observed[t.arn] / total if total else None,
        )
        for t in tuples
    )
    return RuleRow(
        id=rule.arn.rsplit("/", 1)[1],
        priority="default" if rule.priority is None else str(rule.priority),
        conditions=conditions_in_words(rule.conditions, default=rule.is_default),
        actions=tuple(action_in_words(a) for a in rule.actions),
        splits=splits,
        requests=total,
    )


def _group(state: State, tg: TargetGroup, health: HealthOf) -> GroupView:
    hc = tg.health_check
    check = f"{hc.protocol} {hc.path} every {hc.interval_seconds} s" if hc.enabled else "disabled"
    return GroupView(
        id=tg.arn.rsplit("/", 1)[1],
        name=tg.name,
        protocol=str(tg.protocol),
        port=tg.port,
        health_check=check,
        targets=tuple(TargetRow(t.id, t.port, health(t)) for t in state.targets_by_group.get(tg.arn, ())),
    )
