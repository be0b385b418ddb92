"""The compose stack, for real: `make compose-test` sets ELBV2_COMPOSE_TEST=1 after building the images with
.ci/compose-images.sh; `make test` skips these tests. ELBV2_COMPOSE_EXTRA names one more compose file
(e.g. to mount an engine socket other than /var/run/docker.sock into the provider). The stack is up for the
module, and down (-v) at its end."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.compose import OVERRIDE, Stack, compose_command, engine_answers
from tests.support.processes import ROOT


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    if os.environ.get("ELBV2_COMPOSE_TEST") != "1":
        pytest.skip("the compose stack runs with `make compose-test` (it builds the images first)")
    command = compose_command()
    if command is None or not engine_answers():
        pytest.skip("no Docker engine answers (or no docker compose v2): the compose stack cannot run")
    files = [ROOT / "compose.yaml", OVERRIDE, *filter(None, [os.environ.get("ELBV2_COMPOSE_EXTRA")])]
    found = Stack([*command, "--project-directory", str(ROOT), *(a for f in files for a in ("-f", str(f)))])
    found.run("down", "-v", "--remove-orphans")  # a stack left over by an interrupted run
    found.up()
    try:
        yield found
    finally:
        found.run("down", "-v", "--remove-orphans", check=False)
