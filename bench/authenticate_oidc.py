"""An authenticate-oidc forward with a valid session cookie against the same forward without authentication,
through one Traefik, in one run.

One Traefik (the alb plugin loaded from disk, as `up` runs it) serves an HTTPS listener with two rules to the same
nginx: ``/plain`` forwards, ``/oidc`` opens the session cookie, sets the three x-amzn-oidc-* headers and forwards.
The session is sealed with the server's own key, as a sign-in would leave it (no IdP is needed: a valid session
makes no call to it). wrk sends the same cookie to both, the same threads, connections and duration, rounds
interleaved; the ratio is what issue 19 asks for (goal: authenticated at least 0.8x of the forward). Traefik's own
CPU time per request (from /proc) is printed beside it: on a shared machine throughput swings with the neighbours,
the CPU a request costs Traefik much less.

    .venv/bin/python bench/authenticate_oidc.py [--seconds 5] [--connections 32] [--rounds 3]
    (needs wrk and nginx: apt-get install -y wrk nginx-light)
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.traffic import options, report, rig, rounds  # noqa: E402
from provider.auth.sessions import SESSION, seal, sign_data  # noqa: E402
from provider.elbv2.model import (  # noqa: E402
    Action,
    ActionType,
    AuthenticateOidc,
    OnUnauthenticated,
    ProtocolName,
    Target,
)
from provider.elbv2.model import ConditionField as F  # noqa: E402
from tests.support.builders import StateBuilder, fixed  # noqa: E402
from tests.support.clients import Client  # noqa: E402
from tests.support.conditions import cond  # noqa: E402
from tests.support.models import T0  # noqa: E402

IDP = "https://idp.bench.test"


def main() -> None:
    args = options(__doc__)
    with rig(443) as served:
        b = StateBuilder()
        lb = b.lb("web")
        b.listener("web", 443, ProtocolName.HTTPS)
        b.targets.append(Target(b.tg("fast").arn, "127.0.0.1", served.nginx_port, T0))
        oidc = AuthenticateOidc(IDP, f"{IDP}/auth", f"{IDP}/token", f"{IDP}/userinfo", "bench", "secret",
                                on_unauthenticated_request=OnUnauthenticated.DENY)
        sign_in = Action(ActionType.AUTHENTICATE_OIDC, 1, authenticate_oidc=oidc)
        b.rule("web", 443, 1, b.forward(("fast", 1)), cond(F.PATH_PATTERN, "/plain"))
        b.rule("web", 443, 2, (sign_in, replace(b.forward(("fast", 1)), order=2)), cond(F.PATH_PATTERN, "/oidc"))
        b.rule("web", 443, None, fixed("none", "404"))
        served.traefik.wait_applied(served.provider.load(b.state()))
        keys = served.provider.runtime.auth_keys
        ends = time.time() + 3600
        kid, key = keys.signing_key("us-east-1")
        claims = {"sub": "bench-user", "email": "bench@example.test"}
        session = {"iss": IDP, "client": "bench", "signer": lb.arn, "exp": ends, "aexp": ends,
                   "at": "access-token-" + "x" * 40, "sub": "bench-user", "refreshable": False,
                   "data": sign_data(key, kid, lb.arn, IDP, "bench", int(ends), claims)}  # fmt: skip
        cookie = f"AWSELBAuthSessionCookie-0={seal(keys.session_key, session, SESSION)}"
        client = Client(served.port, tls=True)
        seen = {p: client.request(p, headers={"Cookie": cookie}).status for p in ("/plain", "/oidc")}
        assert seen == {"/plain": 200, "/oidc": 200} and client.request("/oidc").status == 401, seen
        runs = rounds(served, args, {"forward": "/plain", "authenticate-oidc": "/oidc"}, tls=True,
                      header=f"Cookie: {cookie}")
    rate = report(runs.rates)
    print(f"authenticate-oidc / forward {rate['authenticate-oidc'] / rate['forward']:.2f}x  (goal >= 0.8x)")
    plain, oidc_us = (statistics.median(runs.cpu_us[name]) for name in ("forward", "authenticate-oidc"))
    print(f"Traefik CPU per request: forward {plain:.0f} us, authenticate-oidc {oidc_us:.0f} us "
          f"({plain / oidc_us:.2f}x the requests per CPU second)")


if __name__ == "__main__":
    main()
