"""compiler/connection.py: MutualAuthentication -> Traefik's clientAuth and the alb plugin's options, table-driven:
the handshake verifies only when Go can do it as ALB would (CA names advertised, expiry not ignored)."""

from __future__ import annotations

from typing import Any

import pytest

from provider.compiler.connection import client_auth, connection
from provider.elbv2.model import MutualAuthentication

BUNDLE = "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n"


def verify(advertise: str = "off", ignore: bool = False) -> MutualAuthentication:
    return MutualAuthentication("verify", "arn:store", ignore, advertise)


@pytest.mark.parametrize(
    ("mutual", "traefik", "mtls"),
    [
        pytest.param(verify("on"), {"caFiles": [BUNDLE], "clientAuthType": "RequireAndVerifyClientCert"},
                     {"mode": "verify"}, id="advertised-handshake-verifies"),
        pytest.param(verify("off"), {"clientAuthType": "RequireAnyClientCert"},
                     {"mode": "verify", "roots": BUNDLE}, id="not-advertised-plugin-verifies"),
        pytest.param(verify("on", ignore=True), {"caFiles": [BUNDLE], "clientAuthType": "RequireAnyClientCert"},
                     {"mode": "verify", "roots": BUNDLE, "ignoreExpiry": True}, id="advertised-expiry-ignored"),
        pytest.param(verify("off", ignore=True), {"clientAuthType": "RequireAnyClientCert"},
                     {"mode": "verify", "roots": BUNDLE, "ignoreExpiry": True}, id="expiry-ignored"),
        pytest.param(MutualAuthentication("passthrough"), {"clientAuthType": "RequestClientCert"},
                     {"mode": "passthrough"}, id="passthrough"),
        pytest.param(MutualAuthentication("off"), None, None, id="off"),
    ],
)
def test_who_verifies(mutual: MutualAuthentication, traefik: Any, mtls: Any) -> None:
    bundle = BUNDLE if mutual.mode == "verify" else None
    assert client_auth(mutual, bundle) == traefik
    options = connection(False, mutual, bundle, (), ())
    assert (options.options()["mtls"] if options else None) == mtls


def test_header_names_and_revoked_serials_go_with_the_headers_only() -> None:
    names = (("X-Amzn-Tls-Version", "X-Tls"),)
    assert connection(False, None, None, (), names) is None  # nothing taken from the connection: nothing renamed
    tls_only = connection(True, None, None, (), names)
    assert tls_only is not None
    assert tls_only.options() == {"tlsHeaders": True, "headerNames": {"X-Amzn-Tls-Version": "X-Tls"}}
    revoked = connection(False, verify("on"), BUNDLE, ("0a",), ())
    assert revoked is not None and revoked.options() == {"mtls": {"mode": "verify", "revoked": ["0a"]}}
