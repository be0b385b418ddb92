"""Epoch milliseconds (the store's time) <-> aware UTC datetimes (the handlers' time)."""

from __future__ import annotations

from datetime import UTC, datetime


def to_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def to_ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)
