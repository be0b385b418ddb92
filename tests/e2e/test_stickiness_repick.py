"""Group stickiness through the real Traefik: a pinned client is re-picked when its group's weight goes to 0."""

from __future__ import annotations

from collections import Counter

from provider.elbv2.model import State
from tests.support.backends import Backend
from tests.support.builders import StateBuilder
from tests.support.clients import Client
from tests.support.processes import InProcessServer
from tests.support.traefik import Traefik


def apply(provider: InProcessServer, traefik: Traefik, state: State) -> None:
    traefik.wait_applied(provider.load_checked(state))
    assert traefik.problems() == []


def sticky_state(backends: dict[str, Backend], weight_a: int, weight_b: int) -> State:
    b = StateBuilder()
    b.lb("web")
    b.listener("web", 8000)
    b.tg("ta", backends["a"]), b.tg("tb", backends["b"])
    b.rule("web", 8000, None, b.forward(("ta", weight_a), ("tb", weight_b), sticky=3600))
    return b.state()


def test_pinned_client_is_re_picked_when_its_group_weight_goes_to_zero(
    provider: InProcessServer, traefik: Traefik, backends: dict[str, Backend]
) -> None:
    apply(provider, traefik, sticky_state(backends, 1, 1))
    client = Client(traefik.ports[8000])
    pinned_to_b = client.request("/", headers={"Cookie": "AWSALBTG=tg-tb"})
    assert pinned_to_b.body.split(" ")[0] == "b"

    apply(provider, traefik, sticky_state(backends, 1, 0))
    seen: Counter[str] = Counter()
    new_cookies = set()
    for _ in range(20):
        reply = client.request("/", headers={"Cookie": "AWSALBTG=tg-tb"})
        seen[reply.body.split(" ")[0]] += 1
        new_cookies.add(reply.header("Set-Cookie"))
    assert seen == {"a": 20}
    assert len(new_cookies) == 1 and next(iter(new_cookies), "").startswith("AWSALBTG=")  # rewritten to group a
