"""The live parts of one running server, built once at start-up and shared by the routes."""

from __future__ import annotations

from dataclasses import dataclass

from provider.elbv2.context import Context, InstanceResolver
from provider.settings import Settings
from provider.store import Store
from provider.targets.health import HealthMonitor


@dataclass
class Runtime:
    settings: Settings
    store: Store
    health: HealthMonitor
    instances: InstanceResolver | None = None

    def context(self, region: str) -> Context:
        return Context(
            store=self.store,
            health=self.health,
            instances=self.instances,
            region=region,
            account=self.settings.account_id,
        )
