"""PURE: what the ``alb`` plugin takes from an HTTPS listener's TLS connection, on every router of the listener:
X-Amzn-Tls-Version and -Cipher-Suite, the mTLS headers (verify, passthrough), revoked serials, and the chain check
Go's handshake cannot make as ALB wants it, each header under the listener's name for it.

Go verifies a client certificate in the handshake only against ``ClientCAs``, and whenever it has them it sends
their names in the CertificateRequest; it also refuses an expired certificate. So Traefik verifies in the handshake
only when the CA names are advertised (``AdvertiseTrustStoreCaNames`` on) and expiry counts; otherwise Traefik asks
for any certificate, without ``caFiles`` unless the names are advertised, and the plugin verifies the chain against
the bundle (403 when it does not chain).

>>> m = MutualAuthentication("verify", "arn", advertise_trust_store_ca_names="on")
>>> client_auth(m, "PEM"), handshake_verifies(m)
({'caFiles': ['PEM'], 'clientAuthType': 'RequireAndVerifyClientCert'}, True)
>>> client_auth(MutualAuthentication("verify", "arn", advertise_trust_store_ca_names="off"), "PEM")
{'clientAuthType': 'RequireAnyClientCert'}
"""

from __future__ import annotations

from dataclasses import dataclass

from provider.compiler.dynamic import DynamicConfig
from provider.elbv2.model import MutualAuthentication

Names = tuple[tuple[str, str], ...]  # ALB's header -> the listener's name for it


@dataclass(frozen=True, slots=True)
class Connection:
    """The plugin options of one listener's routers (part of each rule's memo context: equal -> same texts)."""

    tls_headers: bool = False
    mode: str | None = None  # verify | passthrough
    revoked: tuple[str, ...] = ()
    roots: str = ""  # the trust store's bundle, when the plugin verifies the chain
    ignore_expiry: bool = False
    names: Names = ()

    def options(self) -> DynamicConfig:
        out: DynamicConfig = {}
        if self.tls_headers:
            out["tlsHeaders"] = True
        if self.mode:
            mtls: DynamicConfig = {"mode": self.mode}
            if self.revoked:
                mtls["revoked"] = list(self.revoked)
            if self.roots:
                mtls["roots"] = self.roots
                if self.ignore_expiry:
                    mtls["ignoreExpiry"] = True
            out["mtls"] = mtls
        if out and self.names:
            out["headerNames"] = dict(self.names)
        return out


def advertised(m: MutualAuthentication) -> bool:
    return m.advertise_trust_store_ca_names == "on"


def handshake_verifies(m: MutualAuthentication) -> bool:
    """Can Go's handshake verify this listener's client certificates as ALB would?"""
    return m.mode == "verify" and advertised(m) and not m.ignore_client_certificate_expiry


def client_auth(m: MutualAuthentication | None, bundle: str | None) -> DynamicConfig | None:
    """MutualAuthentication as Traefik's ``clientAuth``: verify asks for a certificate (the bundle inline when its
    CA names are advertised); passthrough asks for one and takes any, unverified; off asks for none."""
    if m is None:
        return None
    if m.mode == "verify" and bundle:
        kind = "RequireAndVerifyClientCert" if handshake_verifies(m) else "RequireAnyClientCert"
        return ({"caFiles": [bundle]} if advertised(m) else {}) | {"clientAuthType": kind}
    if m.mode == "passthrough":
        return {"clientAuthType": "RequestClientCert"}
    return None


def connection(
    tls_headers: bool, m: MutualAuthentication | None, bundle: str | None, revoked: tuple[str, ...], names: Names
) -> Connection | None:
    """An HTTPS listener's plugin options; None when the plugin takes nothing from its connections."""
    mode = m.mode if m is not None and m.mode in ("verify", "passthrough") else None
    if not tls_headers and mode is None:
        return None
    plugin_verifies = m is not None and mode == "verify" and bool(bundle) and not handshake_verifies(m)
    return Connection(
        tls_headers, mode, revoked if mode == "verify" else (), (bundle or "") if plugin_verifies else "",
        m is not None and m.ignore_client_certificate_expiry, names,
    )
