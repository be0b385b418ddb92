"""Rollout records in DuckDB (provider/store/documents.py): the `rollout` command reports through /rollouts,
so `rollout status` survives the command and a server restart."""

from __future__ import annotations

from typing import TYPE_CHECKING

from provider.rollout.model import Record
from provider.store import documents
from provider.store.codec import decoder, encode

if TYPE_CHECKING:
    from provider.store.duck import Store

KIND = "rollout"


def put_record(store: Store, record: Record) -> None:
    documents.put(store, KIND, [(record.id, encode(record))])


def all_records(store: Store) -> list[Record]:
    """Every rollout, oldest first."""
    return sorted((_decode(body) for body in documents.all_of(store, KIND)), key=lambda r: (r.started_at, r.id))


_decode = decoder(Record)
