"""Fixed responses, redirects and transforms through Traefik, against a forward to a fast backend, in one run.

One Traefik (as `up` configures it: the alb plugin loaded from disk) serves four rules of one listener:
``/fwd`` forwards to nginx (the peer: the fastest thing a forward can reach), ``/fixed`` is a fixed response,
``/moved`` a redirect, ``/rw/*`` the same forward with a url-rewrite and a host-header-rewrite. wrk drives each
in turn, the same threads, connections and duration; the ratios are what the issue asks for (goal: fixed and
redirect at least 0.8x of the forward; the transform's cost per request).

    .venv/bin/python bench/answers.py [--seconds 5] [--connections 32] [--rounds 3]
    (needs wrk and nginx: apt-get install -y wrk nginx-light)
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.traffic import options, report, rig, rounds  # noqa: E402
from provider.elbv2.model import Action, ActionType, Redirect, Target  # noqa: E402
from provider.elbv2.model import ConditionField as F  # noqa: E402
from provider.elbv2.transforms import Rewrite, Transform, TransformType  # noqa: E402
from tests.support.builders import StateBuilder, fixed  # noqa: E402
from tests.support.clients import Client  # noqa: E402
from tests.support.conditions import cond  # noqa: E402
from tests.support.models import T0  # noqa: E402

TRANSFORMS = (
    Transform(TransformType.URL_REWRITE, (Rewrite("^/rw/(.*)$", "/fwd/$1"),)),
    Transform(TransformType.HOST_HEADER_REWRITE, (Rewrite("^(.*)$", "internal.$1"),)),
)


def state(nginx_port: int) -> StateBuilder:
    b = StateBuilder()
    b.lb("web")
    b.listener("web", 80)
    b.targets.append(Target(b.tg("fast").arn, "127.0.0.1", nginx_port, T0))
    b.rule("web", 80, 1, b.forward(("fast", 1)), cond(F.PATH_PATTERN, "/fwd"))
    b.rule("web", 80, 2, fixed("teapot", "418"), cond(F.PATH_PATTERN, "/fixed"))
    moved = Action(ActionType.REDIRECT, redirect=Redirect("HTTP_301", protocol="HTTPS", port="443"))
    b.rule("web", 80, 3, moved, cond(F.PATH_PATTERN, "/moved"))
    rewritten = b.rule("web", 80, 4, b.forward(("fast", 1)), cond(F.PATH_PATTERN, "/rw/*"))
    b.rules[-1] = replace(rewritten, transforms=TRANSFORMS)
    b.rule("web", 80, None, fixed("none", "404"))
    return b


def main() -> None:
    args = options(__doc__)
    with rig(80) as served:
        served.traefik.wait_applied(served.provider.load(state(served.nginx_port).state()))
        checks = {"/fwd": 200, "/fixed": 418, "/moved": 301, "/rw/x": 200}
        assert {p: Client(served.port).request(p).status for p in checks} == checks
        paths = {"forward": "/fwd", "fixed": "/fixed", "redirect": "/moved", "forward+transforms": "/rw/x"}
        runs = rounds(served, args, paths)
    rate = report(runs.rates)
    print(f"fixed / forward              {rate['fixed'] / rate['forward']:.2f}x  (goal >= 0.8x)")
    print(f"redirect / forward           {rate['redirect'] / rate['forward']:.2f}x  (goal >= 0.8x)")
    print(f"forward+transforms / forward {rate['forward+transforms'] / rate['forward']:.2f}x")
    cost_us = (1 / rate["forward+transforms"] - 1 / rate["forward"]) * 1e6 * args.connections
    print(f"transform cost per request   {cost_us:.0f} us of latency at {args.connections} connections")


if __name__ == "__main__":
    main()
