"""DuckDB, and nothing else imports it. The ELBv2 state: the store and its transactions (`duck`), the tables and
their migrations (`schema`), the statements of one commit (`batch`), the dataclass <-> JSON codec (`codec`);
reads come from immutable `State` snapshots, every write is one transaction. EC2's networking tables (`ec2`).
Telemetry (`telemetry_schema`): requests ingested from the access log of load balancers that keep one, with their
read positions (`requests`), and CloudWatch's put metric data (`metrics`). (Traffic metrics: provider/telemetry/.)"""

from provider.store.duck import Store, StoreConflict, Transaction

__all__ = ["Store", "StoreConflict", "Transaction"]
