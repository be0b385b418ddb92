"""Pages of name-ordered items: a NextToken names the last item of the page before it (base64url JSON), so a
page stays right while items come and go.

>>> page(["a", "b", "c"], str, None, 2, ValueError("bad"))
(['a', 'b'], 'eyJhZnRlciI6ICJiIn0=')
>>> page(["a", "b", "c"], str, 'eyJhZnRlciI6ICJiIn0=', 2, ValueError("bad"))
(['c'], None)
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def page(items: Sequence[T], name: Callable[[T], str], token: str | None, size: int,
         invalid: Exception) -> tuple[list[T], str | None]:
    """(the page after ``token`` of ``items``, sorted by ``name``; the next page's token or None); a token that is
    not one of ours raises ``invalid``."""
    after = _after(token, invalid)
    rest = [item for item in items if after is None or name(item) > after]
    if len(rest) <= size:
        return rest, None
    last = json.dumps({"after": name(rest[size - 1])}).encode()
    return rest[:size], base64.urlsafe_b64encode(last).decode()


def _after(token: str | None, invalid: Exception) -> str | None:
    if not token:
        return None
    try:
        return str(json.loads(base64.urlsafe_b64decode(token.encode()))["after"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise invalid from None


def answer(member: str, items: list[Any], token: str | None, **more: Any) -> dict[str, Any]:
    """A page as its operation's result: the items under ``member``, and NextToken when more follow."""
    return {member: items, **more, **({"next_token": token} if token else {})}
