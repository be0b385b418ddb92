"""The live parts of one running server, built once at start-up by provider/app.py (the composition root), which
hands each route and task only the parts it uses. Here: each service's per-request context."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from provider.cloudwatch import context as cloudwatch
from provider.ec2 import context as ec2
from provider.ec2.directory import Directory
from provider.ec2.tables import Ec2Store
from provider.ec2.zones import seed
from provider.elbv2 import network
from provider.elbv2.context import Context, InstanceResolver
from provider.elbv2.limits import Quotas
from provider.settings import Settings
from provider.store import Store
from provider.sts import identity as sts
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
            subnets=Directory(self.ec2_store),
            quotas=self.quotas,
        )

    @cached_property
    def quotas(self) -> Quotas:
        return Quotas.parse(self.settings.quotas)

    @cached_property
    def ec2_store(self) -> Ec2Store:
        return Ec2Store(self.store, seed)

    def cloudwatch_context(self, region: str) -> cloudwatch.Context:
        return cloudwatch.Context(self.store, region, self.settings.account_id)

    def ec2_context(self, region: str) -> ec2.Context:
        return ec2.Context(self.ec2_store, region, self.settings.account_id, dependents=self)

    def user_of(self, region: str, resource_id: str) -> str | None:
        """EC2's view of the load balancers (ec2.context.Dependents)."""
        return network.user_of(self.store.snapshot(), region, resource_id)

    def sts_context(self, region: str) -> sts.Context:
        return sts.Context(region, self.settings.account_id)
