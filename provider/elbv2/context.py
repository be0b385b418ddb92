"""What every API handler gets: the store, the health view, and the caller's region and account.

The domain defines what it needs from the rest as protocols (``StateStore``, ``HealthView``, ``InstanceResolver``);
the store (provider/store/), the health checker and the Docker follower in provider/targets/ implement them, so no
import points from here to there (the store imports this package's model instead).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from provider.elbv2.limits import Quotas
from provider.elbv2.model import Resource, State, Tags
from provider.elbv2.target_health import HealthView

Params = Mapping[str, Any]  # parsed request, snake_case keys, shaped by the operation's input shape
Result = dict[str, Any]  # snake_case keys matching the operation's output shape members


class Writes(Protocol):
    """Inside ``store.write()``: the state with this write's changes so far, and the changes (provider/store/duck.py
    Transaction). On a clean exit they commit as one transaction and publish a new State; on an error, nothing."""

    @property
    def state(self) -> State: ...

    def put(self, obj: Resource) -> None: ...

    def delete(self, obj: Resource) -> None:
        """Remove a resource, and its tags with it."""

    def set_tags(self, arn: str, tags: Tags) -> None: ...


class StateStore(Protocol):
    """Where the ELBv2 state lives (provider/store/duck.py Store): reads from the last published State, one writer
    at a time."""

    def snapshot(self) -> State: ...

    def write(self) -> AbstractContextManager[Writes]: ...


class InstanceResolver(Protocol):
    """Resolves `instance` target ids (Docker container names or ids); see provider/targets/docker.py."""

    def validate(self, target_id: str) -> None:
        """Raise errors.InvalidTarget with the reason when the id cannot be a target."""

    def address(self, target_id: str) -> str | None:
        """Where the instance listens now (an IP literal), or None when it has no address (stopped, unknown)."""


class SubnetDirectory(Protocol):
    """The EC2 subnets and security groups as load balancers see them (provider/ec2/directory.py)."""

    def placements(self, region: str, subnet_ids: Iterable[str]) -> Mapping[str, tuple[str, str]]:
        """Of `subnet_ids`, those that exist: subnet id -> (VPC id, availability zone name)."""

    def security_group_vpcs(self, region: str, group_ids: Iterable[str]) -> Mapping[str, str]:
        """Of `group_ids`, those that exist: security group id -> its VPC id."""


class CertificateDirectory(Protocol):
    """ACM's certificates as listeners see them (provider/acm, wired in provider/runtime.py)."""

    def issued(self, region: str, arn: str) -> bool:
        """Is ``arn`` a certificate of ``region`` that is ISSUED now?"""


class ObjectReader(Protocol):
    """S3 objects (trust-store bundles, revocation lists, the access logs' bucket): provider/objects/."""

    def read(self, bucket: str, key: str, version: str | None = None) -> bytes | None:
        """The object's bytes, or None when there is none."""

    def has_bucket(self, bucket: str) -> bool:
        """Can objects be put in ``bucket``?"""

    def location(self, bucket: str, key: str, version: str | None = None) -> str:
        """A URL that reads the object for a while (S3: presigned)."""


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Context:
    store: StateStore
    health: HealthView
    region: str  # the request's (SigV4 scope), else settings.region
    account: str  # settings.account_id
    instances: InstanceResolver | None = None  # None: no Docker engine, instance targets are refused
    subnets: SubnetDirectory | None = None  # None: every subnet id is taken as given
    quotas: Quotas = Quotas()
    certificates: CertificateDirectory | None = None  # None: every certificate ARN is taken as given
    objects: ObjectReader | None = None  # None: no S3 object exists
    now: Callable[[], datetime] = utcnow


Handler = Callable[[Context, Params], Result]
