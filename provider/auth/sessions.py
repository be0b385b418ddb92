"""Sealed cookies and ALB's signed header (pure but for the randomness of a seal).

A session is JSON sealed with AES-256-GCM (nonce || ciphertext, base64url), the plugin opens it with the same key;
the sign-in state uses the same key with another associated data, so neither passes for the other. The cookie is
split into shards ``<name>-0``, ``<name>-1``, ... of at most 4 KB each, as ALB's.

``x-amzn-oidc-data`` is ALB's JWT: header ``{alg: ES256, kid, signer, iss, client, exp}``, payload the user-info
claims (with ``exp`` and ``iss``, as ALB's carry), each part base64url WITH padding as ALB writes it; the signature
(raw r || s) covers the padded parts, so a verifier that keeps the text as received (AWS's Python example, PyJWT)
checks it as is.

>>> b64(b"ab")
'YWI='
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from email.utils import formatdate
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SESSION, STATE = b"session", b"state"  # associated data: what a sealed text is for
SHARD_CHARS = 4000  # a shard's value; with its name and attributes the cookie stays under 4096 bytes
MAX_SHARDS = 4  # the plugin reads no more
MAX_CLAIMS_BYTES = 11 * 1024  # ALB: claims plus access token over about 11 KB is an error (401)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


def seal(key: bytes, payload: Mapping[str, Any], purpose: bytes) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, json.dumps(payload, separators=(",", ":")).encode(), purpose)
    return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def unseal(key: bytes, text: str, purpose: bytes) -> dict[str, Any] | None:
    """The payload, or None when ``text`` was not sealed with ``key`` for ``purpose`` (or was changed)."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        plain = AESGCM(key).decrypt(raw[:12], raw[12:], purpose)
        payload = json.loads(plain)
    except (ValueError, InvalidTag):
        return None
    return payload if isinstance(payload, dict) else None


def sign_data(
    key: ec.EllipticCurvePrivateKey, kid: str, signer: str, issuer: str, client: str, exp: int,
    claims: Mapping[str, Any],
) -> str:
    header = {"alg": "ES256", "kid": kid, "signer": signer, "iss": issuer, "client": client, "exp": exp}
    payload = {**claims, "exp": exp, "iss": issuer}
    signing_input = b64(_json(header)) + "." + b64(_json(payload))
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return signing_input + "." + b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def _json(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def shard_cookies(name: str, sealed: str, expires: float, before: int = 0) -> list[str]:
    """Set-Cookie values for ``sealed`` in shards, and expired ones for shards a longer cookie left (``before``)."""
    parts = [sealed[i : i + SHARD_CHARS] for i in range(0, len(sealed), SHARD_CHARS)]
    when = formatdate(expires, usegmt=True)
    cookies = [f"{name}-{i}={part}; Expires={when}; Path=/; Secure; HttpOnly" for i, part in enumerate(parts)]
    gone = formatdate(0, usegmt=True)
    cookies += [f"{name}-{i}=; Expires={gone}; Path=/; Secure; HttpOnly" for i in range(len(parts), before)]
    return cookies


def fits(sealed: str) -> bool:
    return len(sealed) <= SHARD_CHARS * MAX_SHARDS
