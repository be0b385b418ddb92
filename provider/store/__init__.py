"""DuckDB, and nothing else imports it. The ELBv2 state: the store and its transactions (`duck`), the tables and
their migrations (`schema`), the statements of one commit (`batch`), the dataclass <-> JSON codec (`codec`);
reads come from immutable `State` snapshots, every write is one transaction. The telemetry tables' schema
(`telemetry_schema`), small JSON documents (`documents`), moving metrics to their own file (`split`).
Each service keeps its own SQL beside it
(ec2/tables.py, accesslogs/rows.py, cloudwatch/points.py, cloudwatch/alarm_store.py, rollout/records.py,
telemetry/), on cursors of this store (`transaction` in `schema` turns a constraint's error into StoreConflict).

Of the rest of provider/ it imports only the ELBv2 model whose State it keeps; elbv2 sees it only through the
protocols in elbv2/context.py, so every dependency on the store points one way."""

from provider.store.duck import Store, Transaction
from provider.store.schema import StoreConflict, fetched
from provider.store.split import move_metrics

__all__ = ["Store", "StoreConflict", "Transaction", "fetched", "move_metrics"]
