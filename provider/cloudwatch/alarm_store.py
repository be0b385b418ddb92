"""CloudWatch alarms in DuckDB: one document per alarm name (provider/store/documents.py), typed on the way out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from provider.cloudwatch.alarm_model import Alarm
from provider.store import documents
from provider.store.codec import decoder, encode

if TYPE_CHECKING:
    from provider.store.duck import Store

KIND = "alarm"


def put_alarms(store: Store, alarms: Sequence[Alarm]) -> None:
    documents.put(store, KIND, [(a.name, encode(a)) for a in alarms])


def swap_alarm(store: Store, old: Alarm, new: Alarm) -> bool:
    """Write ``new`` only if the stored alarm is still ``old`` (not redefined, set or deleted meanwhile)."""
    return documents.swap(store, KIND, old.name, encode(old), encode(new))


def get_alarm(store: Store, name: str) -> Alarm | None:
    body = documents.get(store, KIND, name)
    return None if body is None else _decode(body)


def all_alarms(store: Store) -> list[Alarm]:
    """Every alarm, by name."""
    return [_decode(body) for body in documents.all_of(store, KIND)]


def delete_alarms(store: Store, names: Sequence[str]) -> None:
    documents.delete(store, KIND, names)


_decode = decoder(Alarm)
