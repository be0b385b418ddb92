"""A whole State built from the domain dataclasses, for tests that load it straight into a store or compile it:
``b = StateBuilder(); b.lb("web"); b.listener("web", 80); b.rule("web", 80, 10, b.forward(("a", 1)), cond(...))``.
Single resources with AWS's defaults are in models.py, condition shorthands in conditions.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from provider.elbv2.model import (
    Action,
    ActionType,
    Condition,
    FixedResponse,
    Forward,
    Listener,
    LoadBalancer,
    ProtocolName,
    Rule,
    State,
    Target,
    TargetGroup,
    TargetGroupTuple,
)
from tests.support.backends import Backend
from tests.support.models import ARN_PREFIX, T0, load_balancer, target_group


@dataclass
class StateBuilder:
    """Builds a State with the domain dataclasses: ``b.lb("web"); b.listener("web", 80); b.forward(...)``."""

    lbs: dict[str, LoadBalancer] = field(default_factory=dict)
    tgs: dict[str, TargetGroup] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    listeners: dict[tuple[str, int], Listener] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)

    def lb(self, name: str, age: int = 0) -> LoadBalancer:
        n = len(self.lbs) + 1
        self.lbs[name] = load_balancer(name, lb_id=f"{n:016x}", n=n, subnets=(), attributes=(),
                                       created=T0 + timedelta(seconds=age))
        return self.lbs[name]

    def listener(self, lb: str, port: int, protocol: ProtocolName = ProtocolName.HTTP) -> Listener:
        balancer = self.lbs[lb]
        li = Listener(
            arn=f"{ARN_PREFIX}:listener/app/{lb}/{balancer.arn[-16:]}/{port:016x}",
            load_balancer_arn=balancer.arn,
            port=port,
            protocol=protocol,
        )
        self.listeners[(lb, port)] = li
        return li

    def tg(self, name: str, *backends: Backend, attributes: dict[str, str] | None = None) -> TargetGroup:
        """An HTTP ip target group (models.target_group) with ``backends`` registered as loopback targets."""
        tg = target_group(name, arn=f"{ARN_PREFIX}:targetgroup/{name}/{len(self.tgs) + 1:016x}",
                          attributes=attributes or {})
        self.tgs[name] = tg
        self.targets.extend(Target(tg.arn, "127.0.0.1", b.port, T0) for b in backends)
        return tg

    def rule(self, lb: str, port: int, priority: int | None, action: Action | tuple[Action, ...],
             *conditions: Condition) -> Rule:  # fmt: skip
        """``action``, or several in Order (a jwt-validation, then the last action)."""
        li = self.listeners[(lb, port)]
        rid = f"{'d' if priority is None else 'r'}{priority or 0:05d}{port:011x}"
        rule = Rule(
            arn=f"{li.arn.replace(':listener/', ':listener-rule/')}/{rid}",
            listener_arn=li.arn,
            priority=priority,
            conditions=conditions,
            actions=action if isinstance(action, tuple) else (action,),
        )
        self.rules.append(rule)
        return rule

    def forward(self, *weighted: tuple[str, int], sticky: int | None = None) -> Action:
        groups = tuple(TargetGroupTuple(self.tgs[name].arn, w) for name, w in weighted)
        return Action(ActionType.FORWARD, forward=Forward(groups, sticky is not None, sticky))

    def state(self) -> State:
        return State(
            load_balancers={b.arn: b for b in self.lbs.values()},
            target_groups={g.arn: g for g in self.tgs.values()},
            listeners={li.arn: li for li in self.listeners.values()},
            rules={r.arn: r for r in self.rules},
            targets={t.key: t for t in self.targets},
        )


def fixed(body: str, status: str = "200", content_type: str = "text/plain") -> Action:
    return Action(ActionType.FIXED_RESPONSE, fixed_response=FixedResponse(status, content_type, body))
