"""DuckDB, and nothing else imports it: the schema and transactions (`duck`), commit planning (`plan`), and the
dataclass <-> JSON codec (`codec`). Reads come from immutable `State` snapshots; every write is one transaction."""

from provider.store.duck import Store, StoreConflict, Transaction

__all__ = ["Store", "StoreConflict", "Transaction"]
