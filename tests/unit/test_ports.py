"""ports.py: whether a listener port can be bound, and what to do when it cannot, in words."""

from __future__ import annotations

import errno
import os
import socket

import pytest

from provider.traefik import ports


@pytest.mark.parametrize(
    ("code", "advice"),
    [
        pytest.param(errno.EACCES, "pick a port >= 1024", id="privileged"),
        pytest.param(errno.EADDRINUSE, "another program holds it", id="in-use"),
        pytest.param(errno.EADDRNOTAVAIL, "check --listen-host", id="no-such-address"),
    ],
)
def test_explain_says_what_to_do(code: int, advice: str) -> None:
    text = ports.explain(os.strerror(code))
    assert text.startswith(os.strerror(code).lower()) and advice in text


def test_bind_problem() -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        assert "address already in use" in (ports.bind_problem("127.0.0.1", port) or "")
    assert ports.bind_problem("127.0.0.1", port) is None
    assert "check --listen-host" in (ports.bind_problem("192.0.2.1", port) or "")  # TEST-NET: not ours
