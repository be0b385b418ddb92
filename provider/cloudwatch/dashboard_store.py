"""CloudWatch dashboards in DuckDB: one document per dashboard name (provider/store/documents.py); dashboards are
global, one set per account, as on AWS."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from provider.store import documents
from provider.store.codec import decoder, encode

if TYPE_CHECKING:
    from provider.store.duck import Store

KIND = "dashboard"


@dataclass(frozen=True, slots=True)
class Dashboard:
    name: str
    arn: str
    body: str  # as the client sent it: GetDashboard gives back these bytes
    last_modified: datetime

    @property
    def size(self) -> int:
        return len(self.body.encode())


def put_dashboard(store: Store, dashboard: Dashboard) -> None:
    documents.put(store, KIND, [(dashboard.name, encode(dashboard))])


def get_dashboard(store: Store, name: str) -> Dashboard | None:
    body = documents.get(store, KIND, name)
    return None if body is None else _decode(body)


def all_dashboards(store: Store) -> list[Dashboard]:
    """Every dashboard, by name."""
    return [_decode(body) for body in documents.all_of(store, KIND)]


def delete_dashboards(store: Store, names: Sequence[str]) -> None:
    documents.delete(store, KIND, names)


_decode = decoder(Dashboard)
