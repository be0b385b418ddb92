"""Where the soak's RSS goes, without a server: the telemetry writes of `metrics_soak.py` (13 rows a second into the
1 s tables, a rollup every 10 s, what was counted of one Traefik rewritten each second) through `Tables`, as fast
as they go, over --hours simulated hours. Each simulated hour: this process's RSS (after malloc_trim), DuckDB's own
accounting (`duckdb_memory()`) and the file. The peer is the same run without what was counted (--part rows), or
with only that (--part counted): which of the two writes the growth follows.

    .venv/bin/python bench/telemetry_store_rss.py [--hours 4] [--part all|rows|counted]
"""

from __future__ import annotations

import argparse
import ctypes
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from provider.store import Store  # noqa: E402
from provider.store.telemetry_schema import latency, stats  # noqa: E402
from provider.telemetry.counting import Increments  # noqa: E402
from provider.telemetry.tables import Tables  # noqa: E402

WARM_S = 300
# what one Traefik counts with two groups at full speed: ~230 latency buckets per service and code
SERIES = [f'traefik_service_request_duration_seconds_bucket{{code="200",le="{0.001 * 1.019**i:.6f}",method="GET",'
          f'protocol="http",service="tg-{s}@http"}}' for s in range(6) for i in range(230)]


def rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 1e6


def increments() -> Increments:
    found = Increments()
    for metric in ("RequestCount", "HTTPCode_Target_2XX_Count", "ProcessedBytes"):
        found.add(metric, "app/lb/1", 12_000.0, "tg-1")
        found.add(metric, "app/lb/1", 600.0, "tg-2")
    found.latency[("app/lb/1", "tg-1")] = dict.fromkeys(range(40, 90), 50.0)
    found.latency[("app/lb/1", "tg-2")] = dict.fromkeys(range(40, 90), 5.0)
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hours", type=float, default=4.0)
    ap.add_argument("--part", choices=("all", "rows", "counted"), default="all")
    args = ap.parse_args()
    db = Path(tempfile.mkdtemp(prefix="bench-store-rss-")) / "state.duckdb"
    store = Store(str(db))
    tables, probe = Tables(store), store.cursor()
    libc = ctypes.CDLL("libc.so.6")
    counted = dict.fromkeys(SERIES, 0.0)
    seconds = int(args.hours * 3600)
    start = int(time.time()) - seconds
    base = 0.0
    for i in range(seconds):
        for series in SERIES:
            counted[series] += random.random() * 100
        found = increments() if args.part != "counted" else Increments()
        tables.commit("t", start + i, found, counted if args.part != "rows" else {})
        if i % 10 == 9:
            tables.roll_up(start + i)
        if i == WARM_S:
            libc.malloc_trim(0)
            base = rss_mb()
        if i % 3600 == 3599:
            libc.malloc_trim(0)
            duck = sum(b for (b,) in probe.execute("SELECT memory_usage_bytes FROM duckdb_memory()").fetchall())
            files = sum(p.stat().st_size for p in db.parent.iterdir())
            # fetchall, not fetchone: a result not read to its end keeps its transaction open, and with it every
            # version written since (the file grew 270 MB in 10 simulated minutes)
            kept = sum(n for t in (stats(1), latency(1))
                       for (n,) in probe.execute(f"SELECT count(*) FROM {t}").fetchall())
            print(f"hour {(i + 1) // 3600}: RSS {rss_mb():6.1f} MB ({rss_mb() - base:+5.1f} since {WARM_S} s), "
                  f"DuckDB's own {duck / 1e6:5.1f} MB, file + WAL {files / 1e6:5.1f} MB, 1 s rows kept {kept:,}",
                  flush=True)


if __name__ == "__main__":
    main()
