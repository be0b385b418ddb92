"""The live parts of one running server, built once at start-up by provider/app.py (the composition root), which
hands each route and task only the parts it uses. Here: each service's per-request context."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

from provider.acm import ca as local_ca
from provider.acm import context as acm
from provider.acm.records import Certificates
from provider.auth import keys
from provider.auth.keys import AuthKeys
from provider.auth.signin import SignIn, trust
from provider.compiler.tls import KeyPair
from provider.ec2 import context as ec2
from provider.ec2.directory import Directory
from provider.ec2.tables import Ec2Store
from provider.ec2.zones import seed
from provider.elbv2 import network
from provider.elbv2.context import Context, InstanceResolver
from provider.elbv2.limits import Quotas
from provider.elbv2.listeners import certificate_users
from provider.objects import Objects, open_objects
from provider.partitions import PUBLIC_KEYS_HOST
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
            certificates=self.served_certificates,
            objects=self.objects,
        )

    @cached_property
    def objects(self) -> Objects:
        return open_objects(self.settings)

    @cached_property
    def quotas(self) -> Quotas:
        return Quotas.parse(self.settings.quotas)

    @cached_property
    def ec2_store(self) -> Ec2Store:
        return Ec2Store(self.store, seed)

    def ec2_context(self, region: str) -> ec2.Context:
        return ec2.Context(self.ec2_store, region, self.settings.account_id, dependents=self)

    def user_of(self, region: str, resource_id: str) -> str | None:
        """EC2's view of the load balancers (ec2.context.Dependents)."""
        return network.user_of(self.store.snapshot(), region, resource_id)

    @cached_property
    def certificates(self) -> Certificates:
        return Certificates(self.store)

    @cached_property
    def served_certificates(self) -> ServedCertificates:
        return ServedCertificates(self.certificates)

    @cached_property
    def local_ca(self) -> local_ca.LocalCa:
        return local_ca.load_or_create(self.settings.ca_dir, acm.utcnow())

    @cached_property
    def public_keys_certificates(self) -> PublicKeysCertificates:
        return PublicKeysCertificates(lambda: self.local_ca)

    @cached_property
    def auth_keys(self) -> AuthKeys:
        return keys.from_settings(self.settings)

    @cached_property
    def signin(self) -> SignIn:
        return SignIn(self.store.snapshot, self.auth_keys, lambda: trust(self.local_ca.pem),
                      self.settings.base_url)

    def acm_context(self, region: str) -> acm.Context:
        return acm.Context(
            certificates=self.certificates,
            ca=lambda: self.local_ca,
            region=region,
            account=self.settings.account_id,
            users=self.certificate_users,
            validation_delay=timedelta(seconds=self.settings.acm_validation_seconds),
        )

    def certificate_users(self, arn: str) -> Sequence[str]:
        """ACM's InUseBy: the load balancers whose listeners serve ``arn``."""
        return certificate_users(self.store.snapshot(), arn)

    def sts_context(self, region: str) -> sts.Context:
        return sts.Context(region, self.settings.account_id)


@dataclass
class ServedCertificates:
    """ACM's certificates as ELBv2 checks them (elbv2.context.CertificateDirectory) and as Traefik serves them
    (configserver.cache.CertificateSource): the key pairs are rebuilt once per change of the certificates."""

    certificates: Certificates
    _pairs: tuple[int, Mapping[str, KeyPair]] = field(default=(-1, {}))

    @property
    def version(self) -> int:
        return self.certificates.version

    def issued(self, region: str, arn: str) -> bool:
        cert = self.certificates.get(arn)
        return cert is not None and cert.region == region and cert.served(acm.utcnow())

    def key_pairs(self) -> Mapping[str, KeyPair]:
        version = self.certificates.version
        if self._pairs[0] != version:
            pairs = {arn: KeyPair(c.certificate + c.chain, c.private_key) for arn, c in self.certificates.all().items()}
            self._pairs = (version, pairs)
        return self._pairs[1]


@dataclass
class PublicKeysCertificates:
    """What HTTPS listener ports serve for ``public-keys.auth.elb.<region>.amazonaws.com`` (configserver.cache.
    PublicKeysCertificates): a certificate per region from the local CA, made on first need, kept while the server
    runs (the same bytes each compile)."""

    ca: Callable[[], local_ca.LocalCa]
    _pairs: dict[str, KeyPair] = field(default_factory=dict)

    def pairs(self, regions: Iterable[str]) -> Mapping[str, KeyPair]:
        wanted = sorted(regions)
        for region in wanted:
            if region not in self._pairs:
                ca = self.ca()
                certificate, key = ca.issue((PUBLIC_KEYS_HOST.format(region=region),), "EC_prime256v1", acm.utcnow())
                self._pairs[region] = KeyPair(certificate + ca.pem, key)
        return {region: self._pairs[region] for region in wanted}
