"""Target health with ALB semantics. (Interim: every registered target reports `initial` until the
prober lands; routable targets are all registered, non-draining targets.)"""

from __future__ import annotations

from dataclasses import dataclass

from provider.elbv2.model import State, Target


@dataclass(frozen=True)
class TargetHealth:
    state: str  # initial | healthy | unhealthy | unused | draining | unavailable
    reason: str | None = None
    description: str | None = None


class HealthMonitor:
    """Decides each target's health; `version` bumps whenever a routable set changes."""

    version: int = 0

    def describe(self, state: State, target: Target) -> TargetHealth:
        if target.draining_since is not None:
            return TargetHealth("draining", "Target.DeregistrationInProgress", "Target deregistration is in progress")
        return TargetHealth("initial", "Elb.RegistrationInProgress", "Target registration is in progress")

    def routable(self, state: State, target_group_arn: str) -> tuple[Target, ...]:
        return tuple(t for t in state.targets_by_group.get(target_group_arn, ()) if t.draining_since is None)
