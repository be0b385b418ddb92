"""DuckDB, and nothing else imports it. The ELBv2 state: the store and its transactions (`duck`), the tables and
their migrations (`schema`), the statements of one commit (`batch`), the dataclass <-> JSON codec (`codec`);
reads come from immutable `State` snapshots, every write is one transaction. EC2's networking tables (`ec2`).
The telemetry tables' schema (`telemetry_schema`) and the writer of access-log rows with their read positions
(`requests`). Each service keeps its own SQL beside it (cloudwatch/points.py, cloudwatch/alarm_store.py,
rollout/records.py, telemetry/), on cursors of this store."""

from provider.store.duck import Store, StoreConflict, Transaction

__all__ = ["Store", "StoreConflict", "Transaction"]
