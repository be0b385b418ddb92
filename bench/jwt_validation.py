"""A jwt-validation forward against the same forward without it, through one Traefik, in one run.

One Traefik (the alb plugin loaded from disk, as `up` runs it) serves an HTTPS listener with two rules to the same
nginx: ``/plain`` forwards, ``/jwt`` checks an RS256 bearer token (keys from a JWKS endpoint on loopback, fetched
once) and then forwards. wrk sends the same valid token to both, the same threads, connections and duration,
rounds interleaved; the ratio is what issue 19 asks for (goal: jwt-validation at least 0.7x of the forward).

    .venv/bin/python bench/jwt_validation.py [--seconds 5] [--connections 32] [--rounds 3]
    (needs wrk and nginx: apt-get install -y wrk nginx-light)
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from joserfc import jwt  # noqa: E402
from joserfc.jwk import RSAKey  # noqa: E402

from bench.traffic import options, report, rig, rounds  # noqa: E402
from provider.elbv2.model import Action, ActionType, JwtValidation, ProtocolName, Target  # noqa: E402
from provider.elbv2.model import ConditionField as F  # noqa: E402
from tests.support.backends import Backend  # noqa: E402
from tests.support.builders import StateBuilder, fixed  # noqa: E402
from tests.support.clients import Client  # noqa: E402
from tests.support.conditions import cond  # noqa: E402
from tests.support.models import T0  # noqa: E402

ISSUER = "https://idp.bench.test"


def main() -> None:
    args = options(__doc__)
    key = RSAKey.generate_key(2048, parameters={"kid": "bench"})
    jwks = Backend("jwks", lambda _: (200, json.dumps({"keys": [key.as_dict(private=False)]}).encode()))
    token = jwt.encode({"alg": "RS256", "kid": "bench"}, {"iss": ISSUER, "exp": int(time.time()) + 3600}, key)
    try:
        with rig(443) as served:
            b = StateBuilder()
            b.lb("web")
            b.listener("web", 443, ProtocolName.HTTPS)
            b.targets.append(Target(b.tg("fast").arn, "127.0.0.1", served.nginx_port, T0))
            check = Action(ActionType.JWT_VALIDATION, 1, jwt_validation=JwtValidation(f"{jwks.url}/jwks", ISSUER))
            b.rule("web", 443, 1, b.forward(("fast", 1)), cond(F.PATH_PATTERN, "/plain"))
            b.rule("web", 443, 2, (check, replace(b.forward(("fast", 1)), order=2)), cond(F.PATH_PATTERN, "/jwt"))
            b.rule("web", 443, None, fixed("none", "404"))
            served.traefik.wait_applied(served.provider.load(b.state()))
            client = Client(served.port, tls=True)
            authorized = {"Authorization": f"Bearer {token}"}
            seen = {p: client.request(p, headers=authorized).status for p in ("/plain", "/jwt")}
            assert seen == {"/plain": 200, "/jwt": 200} and client.request("/jwt").status == 401, seen
            runs = rounds(served, args, {"forward": "/plain", "jwt-validation": "/jwt"}, tls=True,
                          header=f"Authorization: Bearer {token}")
    finally:
        jwks.stop()
    rate = report(runs.rates)
    print(f"jwt-validation / forward {rate['jwt-validation'] / rate['forward']:.2f}x  (goal >= 0.7x)")


if __name__ == "__main__":
    main()
