"""PURE: HTTPS listeners -> Traefik's ``tls`` section: the certificates they name, served by SNI, the default one for
names no certificate covers, and their SslPolicy as TLS options.

Traefik has one default certificate store and picks TLS options per SNI from routers' ``Host()`` rules, falling back
to the ``default`` options for every other router (traefik-facts, alb-edge). So each listener port's rendering makes
its listener's policy the ``default`` options and its default certificate the default store's: they then hold for
every router of that port, host condition or not. In `up` every listener port has its own Traefik; a Traefik given
the whole config (compose) gets the first HTTPS listener's (by port, then the oldest load balancer's).

>>> options(POLICIES["ELBSecurityPolicy-TLS13-1-3-2021-06"])["minVersion"]
'VersionTLS13'
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from provider.compiler.dynamic import DynamicConfig
from provider.elbv2.ssl_policies import POLICIES, SslPolicy

# OpenSSL's names (ELB's tables) -> Go's; suites Go cannot do (CBC with SHA-384, AES256-SHA256) are left out.
GO_CIPHERS = {
    "ECDHE-ECDSA-AES128-GCM-SHA256": "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "ECDHE-ECDSA-AES128-SHA256": "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "ECDHE-RSA-AES128-SHA256": "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "ECDHE-ECDSA-AES128-SHA": "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "ECDHE-RSA-AES128-SHA": "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "ECDHE-ECDSA-AES256-GCM-SHA384": "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "ECDHE-ECDSA-AES256-SHA": "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "ECDHE-RSA-AES256-SHA": "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "AES128-GCM-SHA256": "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "AES128-SHA256": "TLS_RSA_WITH_AES_128_CBC_SHA256",
    "AES128-SHA": "TLS_RSA_WITH_AES_128_CBC_SHA",
    "AES256-GCM-SHA384": "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "AES256-SHA": "TLS_RSA_WITH_AES_256_CBC_SHA",
}
_VERSIONS = {"TLSv1": "VersionTLS10", "TLSv1.1": "VersionTLS11", "TLSv1.2": "VersionTLS12", "TLSv1.3": "VersionTLS13"}
_ORDER = tuple(_VERSIONS)


@dataclass(frozen=True, slots=True)
class KeyPair:
    """A certificate as Traefik takes it inline: the leaf then its chain, and the unencrypted key (PEM)."""

    certificate: str
    key: str

    def traefik(self) -> DynamicConfig:
        return {"certFile": self.certificate, "keyFile": self.key}


@dataclass(frozen=True, slots=True)
class ListenerTls:
    """One HTTPS listener's part: its policy's options, its default certificate, and every certificate it serves."""

    options: DynamicConfig
    default: KeyPair | None
    served: tuple[tuple[str, KeyPair], ...]  # (ARN, pair), the default first


def options(policy: SslPolicy) -> DynamicConfig:
    """The policy's versions, TLS 1.0-1.2 suites in its order and curves; TLS 1.3 suites are Go's own."""
    versions = sorted(policy.protocols, key=_ORDER.index)
    out: DynamicConfig = {
        "minVersion": _VERSIONS[versions[0]],
        "maxVersion": _VERSIONS[versions[-1]],
        "curvePreferences": list(policy.curves),
        "sniStrict": False,
    }
    suites = [GO_CIPHERS[c] for c in policy.ciphers if c in GO_CIPHERS]
    if versions[0] != "TLSv1.3" and suites:
        out["cipherSuites"] = suites
    return out


def listener_tls(
    policy_name: str | None, arns: Sequence[str], pairs: Mapping[str, KeyPair], client: DynamicConfig | None = None
) -> ListenerTls:
    """``arns``: the listener's certificates, the default first; those without a key pair are not served."""
    policy = POLICIES.get(policy_name or "") or POLICIES["ELBSecurityPolicy-2016-08"]
    served = tuple((arn, pairs[arn]) for arn in arns if arn in pairs)
    default = pairs.get(arns[0]) if arns else None
    tls_options = options(policy) | ({"clientAuth": client} if client else {})
    return ListenerTls(tls_options, default, served)


def render(parts: Sequence[ListenerTls], extra: Sequence[KeyPair] = ()) -> str:
    """The ``tls`` section's JSON text for the listeners of one Traefik (the first gives the defaults), ``extra``
    certificates served by SNI after theirs; "" when none."""
    if not parts:
        return ""
    seen: dict[str, KeyPair] = {}
    for part in parts:
        for arn, pair in part.served:
            seen.setdefault(arn, pair)
    first = parts[0]
    section: DynamicConfig = {"options": {"default": first.options}}
    if seen or extra:
        section["certificates"] = [seen[arn].traefik() for arn in sorted(seen)] + [pair.traefik() for pair in extra]
    if first.default is not None:
        section["stores"] = {"default": {"defaultCertificate": first.default.traefik()}}
    return json.dumps(section, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
