"""Nothing waits on a metrics query: while a long GetMetricData runs, an ELBv2 call and Traefik's config poll are
answered. An ordering, not a timing: both complete before the metrics query does."""

from __future__ import annotations

import http.client
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from provider.store import Store
from tests.support.clients import cloudwatch, elbv2_client
from tests.support.processes import start_server
from tests.support.telemetry import LB, TG_V1, latency_history, metrics_file

HOURS = 1


def test_api_and_config_poll_answer_while_a_long_metrics_query_runs(tmp_path: Path) -> None:
    end = datetime.now(UTC).replace(microsecond=0)
    history = Store(metrics_file(tmp_path / "state.duckdb"))
    latency_history(history, int(end.timestamp()) - HOURS * 3600, HOURS * 3600)
    history.close()
    provider = start_server(tmp_path)
    try:
        cloudwatch(provider.url).list_metrics()  # its metrics process is up: the query below is the long part
        dims = [{"Name": "LoadBalancer", "Value": LB}, {"Name": "TargetGroup", "Value": TG_V1}]
        queries = [
            {"Id": f"q{i}", "MetricStat": {"Period": 1, "Stat": f"p{50 + i}", "Metric": {
                "Namespace": "AWS/ApplicationELB", "MetricName": "TargetResponseTime", "Dimensions": dims}}}
            for i in range(12)
        ]  # fmt: skip
        finished: list[str] = []

        def metrics() -> None:
            cloudwatch(provider.url).get_metric_data(
                MetricDataQueries=queries, StartTime=end - timedelta(hours=HOURS), EndTime=end
            )
            finished.append("metrics")

        elbv2 = elbv2_client(provider.url)
        long = threading.Thread(target=metrics)
        long.start()
        elbv2.describe_load_balancers()
        finished.append("api")
        conn = http.client.HTTPConnection("127.0.0.1", provider.port, timeout=10)
        conn.request("GET", "/traefik/config")
        assert conn.getresponse().status == 200
        conn.close()
        finished.append("poll")
        long.join(120)
    finally:
        provider.stop()
    assert finished == ["api", "poll", "metrics"]
