"""The predefined ELB security policies an HTTPS listener can name (a representative subset of AWS's list), with the
key-exchange groups each offers (Go's names, as Traefik's TLS options take them: provider/compiler/tls.py).

>>> POLICIES["ELBSecurityPolicy-TLS13-1-3-2021-06"].protocols
('TLSv1.3',)
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_SSL_POLICY = "ELBSecurityPolicy-2016-08"

_TLS13 = ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256")
_GCM = (
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
)
_ECDHE_1_2 = (
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-RSA-AES128-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA384",
)
_RSA_1_2 = ("AES128-GCM-SHA256", "AES128-SHA256", "AES256-GCM-SHA384", "AES256-SHA256")
_LEGACY = (  # 2016-08: TLS 1.0+ with SHA-1 suites
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-RSA-AES128-SHA256",
    "ECDHE-ECDSA-AES128-SHA",
    "ECDHE-RSA-AES128-SHA",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA",
    "ECDHE-ECDSA-AES256-SHA",
    "AES128-GCM-SHA256",
    "AES128-SHA256",
    "AES128-SHA",
    "AES256-GCM-SHA384",
    "AES256-SHA256",
    "AES256-SHA",
)


# ALB's classic groups; the PQ policies add the hybrid ML-KEM group Go and Traefik 3.7 offer (X25519MLKEM768; AWS's
# SecP256r1MLKEM768 and SecP384r1MLKEM1024 are not in Traefik's curve names).
_CURVES = ("X25519", "CurveP256", "CurveP384")
_PQ_CURVES = ("X25519MLKEM768", *_CURVES)


@dataclass(frozen=True)
class SslPolicy:
    name: str
    protocols: tuple[str, ...]
    ciphers: tuple[str, ...]  # in priority order
    curves: tuple[str, ...] = _CURVES

    def shape(self) -> dict[str, object]:
        return {
            "name": self.name,
            "ssl_protocols": list(self.protocols),
            "ciphers": [{"name": c, "priority": i} for i, c in enumerate(self.ciphers, start=1)],
            "supported_load_balancer_types": ["application", "network"],
        }


POLICIES: dict[str, SslPolicy] = {
    p.name: p
    for p in (
        SslPolicy(DEFAULT_SSL_POLICY, ("TLSv1", "TLSv1.1", "TLSv1.2"), _LEGACY),
        SslPolicy("ELBSecurityPolicy-TLS-1-1-2017-01", ("TLSv1.1", "TLSv1.2"), _LEGACY),
        SslPolicy("ELBSecurityPolicy-TLS-1-2-2017-01", ("TLSv1.2",), _ECDHE_1_2 + _RSA_1_2),
        SslPolicy("ELBSecurityPolicy-TLS-1-2-Ext-2018-06", ("TLSv1.2",), _LEGACY),
        SslPolicy("ELBSecurityPolicy-FS-1-2-Res-2020-10", ("TLSv1.2",), _GCM),
        SslPolicy("ELBSecurityPolicy-TLS13-1-2-2021-06", ("TLSv1.2", "TLSv1.3"), _TLS13 + _ECDHE_1_2),
        SslPolicy("ELBSecurityPolicy-TLS13-1-2-Res-2021-06", ("TLSv1.2", "TLSv1.3"), _TLS13 + _GCM),
        SslPolicy("ELBSecurityPolicy-TLS13-1-3-2021-06", ("TLSv1.3",), _TLS13),
        SslPolicy("ELBSecurityPolicy-TLS13-1-2-PQ-2025-09", ("TLSv1.2", "TLSv1.3"), _TLS13 + _ECDHE_1_2, _PQ_CURVES),
        SslPolicy("ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", ("TLSv1.2", "TLSv1.3"), _TLS13 + _GCM, _PQ_CURVES),
        SslPolicy("ELBSecurityPolicy-TLS13-1-3-PQ-2025-09", ("TLSv1.3",), _TLS13, _PQ_CURVES),
    )
}
SSL_POLICY_NAMES: frozenset[str] = frozenset(POLICIES)
