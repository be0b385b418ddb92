"""DuckDB, and nothing else imports it: the store and its transactions (`duck`), the tables and their migrations
(`schema`), the statements of one commit (`batch`), and the dataclass <-> JSON codec (`codec`).
Reads come from immutable `State` snapshots; every write is one transaction."""

from provider.store.duck import Store, StoreConflict, Transaction

__all__ = ["Store", "StoreConflict", "Transaction"]
