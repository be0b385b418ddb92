"""Epoch milliseconds (the store's time) <-> aware UTC datetimes (the handlers' time)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache


@lru_cache(maxsize=8192)  # the period starts of a day at one minute, shared by every query of a request
def to_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def to_ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)
