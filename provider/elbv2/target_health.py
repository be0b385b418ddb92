"""Target health as DescribeTargetHealth reports it: the states, AWS's reason codes, and the view the API reads.

The health checker (provider/targets/) computes it and implements ``HealthView``; the domain only reads it, so
nothing here depends on how targets are probed.

>>> HEALTHY.state, NOT_IN_USE.reason
(<TargetHealthState.HEALTHY: 'healthy'>, 'Target.NotInUse')
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from provider.elbv2.model import State, Target


class TargetHealthState(StrEnum):
    INITIAL = "initial"
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    UNUSED = "unused"
    DRAINING = "draining"
    UNAVAILABLE = "unavailable"


SERVING = frozenset({TargetHealthState.HEALTHY, TargetHealthState.UNAVAILABLE})  # states an ALB routes to


@dataclass(frozen=True)
class TargetHealth:
    state: TargetHealthState
    reason: str | None = None
    description: str | None = None


REGISTERING = TargetHealth(
    TargetHealthState.INITIAL, "Elb.RegistrationInProgress", "Target registration is in progress"
)
INITIAL_CHECKS = TargetHealth(
    TargetHealthState.INITIAL, "Elb.InitialHealthChecking", "Initial health checks in progress"
)
HEALTHY = TargetHealth(TargetHealthState.HEALTHY)
NOT_REGISTERED = TargetHealth(
    TargetHealthState.UNUSED, "Target.NotRegistered", "Target is not registered to the target group"
)
NOT_IN_USE = TargetHealth(
    TargetHealthState.UNUSED,
    "Target.NotInUse",
    "Target group is not configured to receive traffic from the load balancer",
)
STOPPED = TargetHealth(TargetHealthState.UNUSED, "Target.InvalidState", "Target is in the stopped state")
DRAINING = TargetHealth(
    TargetHealthState.DRAINING, "Target.DeregistrationInProgress", "Target deregistration is in progress"
)
DISABLED = TargetHealth(TargetHealthState.UNAVAILABLE, "Target.HealthCheckDisabled", "Health checks are disabled")
TIMED_OUT = TargetHealth(TargetHealthState.UNHEALTHY, "Target.Timeout", "Request timed out")
FAILED_CHECKS = TargetHealth(TargetHealthState.UNHEALTHY, "Target.FailedHealthChecks", "Health checks failed")


def code_mismatch(code: int | None) -> TargetHealth:
    """``code_mismatch(503).description`` -> ``'Health checks failed with these codes: [503]'``."""
    return TargetHealth(
        TargetHealthState.UNHEALTHY, "Target.ResponseCodeMismatch", f"Health checks failed with these codes: [{code}]"
    )


class HealthView(Protocol):
    """What the API needs from the health checker (provider/targets/health.py HealthMonitor implements it)."""

    def describe(self, state: State, target: Target) -> TargetHealth:
        """The health DescribeTargetHealth reports for a target registered in ``state``."""
        ...
