"""provider/auth/keys.py: a region's signing keys rotate (a new kid after the rotation period, or at once when asked),
the newest signs, a replaced key's public key is served through its retention period and then deleted. Real files
in a temporary directory, a clock of the test's own."""

from __future__ import annotations

import base64
import json
import stat
import time
from pathlib import Path

import pytest
from joserfc.jwk import ECKey
from joserfc.jws import JWSRegistry

from provider.auth.keys import AuthKeys
from provider.auth.sessions import sign_data

HOUR = 3600.0
SIGNER = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/1"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def keys_in(directory: Path, clock: Clock) -> AuthKeys:
    return AuthKeys(directory, rotation_s=24 * HOUR, retention_s=48 * HOUR, clock=clock)


def verifies(keys: AuthKeys, header: str) -> bool:
    """``header`` checked with the served public key of its kid, by joserfc's ES256 (not our code)."""
    head, payload, signature = header.split(".")
    kid = json.loads(base64.urlsafe_b64decode(head))["kid"]
    pem = keys.public_pem("us-east-1", kid)
    assert pem is not None, f"kid {kid} is not served"
    raw = base64.urlsafe_b64decode(signature)
    return bool(JWSRegistry.algorithms["ES256"].verify(f"{head}.{payload}".encode(), raw, ECKey.import_key(pem)))


def sign(keys: AuthKeys) -> tuple[str, str]:
    kid, key = keys.signing_key("us-east-1")
    return kid, sign_data(key, kid, SIGNER, "https://idp", "app", 0, {"sub": "alice"})


def test_the_newest_key_signs_until_the_rotation_period_ends(tmp_path: Path, clock: Clock) -> None:
    keys = keys_in(tmp_path, clock)
    first, before = sign(keys)
    clock.now += 23 * HOUR
    assert keys.signing_key("us-east-1")[0] == first
    clock.now += 1 * HOUR
    second, after = sign(keys)
    assert second != first and keys.kids("us-east-1") == [first, second]
    assert verifies(keys, before) and verifies(keys, after)  # each with its own kid's key
    assert keys.signing_key("eu-west-1")[0] not in (first, second)  # per region
    for path in tmp_path.glob("signing-*.pem"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_replaced_key_is_served_through_its_retention_then_deleted(tmp_path: Path, clock: Clock) -> None:
    keys = keys_in(tmp_path, clock)
    first, _ = sign(keys)
    clock.now += 30 * HOUR
    second, _ = sign(keys)  # replaces the first now
    clock.now += 47 * HOUR
    assert keys.public_pem("us-east-1", first) is not None
    clock.now += 1 * HOUR
    assert keys.public_pem("us-east-1", first) is None
    assert not list(tmp_path.glob(f"signing-us-east-1-{first}.pem"))
    assert keys.kids("us-east-1") == [second]  # the newest stays, however old: it signs


def test_a_rotation_asked_for_takes_effect_at_once_in_another_instance(tmp_path: Path, clock: Clock) -> None:
    server = keys_in(tmp_path, clock)
    old, before = sign(server)
    command = AuthKeys(tmp_path, clock=clock)  # the `rotate-signing-key` command: another process, same folder
    clock.now += 1
    new = command.rotate("us-east-1")
    assert new != old
    kid, after = sign(server)
    assert kid == new and verifies(server, before) and verifies(server, after)


def test_keys_made_before_rotation_existed_are_used(tmp_path: Path, clock: Clock) -> None:
    first, _ = sign(AuthKeys(tmp_path))  # no rotation: the keys as an older version kept them
    assert sign(keys_in(tmp_path, clock))[0] == first  # its file is new enough by the clock's date


@pytest.mark.parametrize(
    ("region", "kid"),
    [
        pytest.param("us-east-1", "00000000-0000-0000-0000-000000000000", id="unknown-kid"),
        pytest.param("us-east-1", "../session", id="not-a-kid"),
        pytest.param("../x", "00000000-0000-0000-0000-000000000000", id="not-a-region"),
    ],
)
def test_unknown_keys_are_not_served(tmp_path: Path, clock: Clock, region: str, kid: str) -> None:
    keys = keys_in(tmp_path, clock)
    sign(keys)
    assert keys.public_pem(region, kid) is None
