"""Exactly once: the provider killed with SIGKILL during traffic and started again, a rename rotation (Traefik
reopens on USR1), a copy-truncate rotation and a Traefik restart; each request Traefik served is one access-log row
and one count in RequestCount, none lost or doubled."""

from __future__ import annotations

import gzip
import shutil
import signal
import threading
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from botocore.exceptions import BotoCoreError

from provider.accesslogs.rows import RequestLog
from provider.accesslogs.tail import file_id
from provider.settings import Settings
from provider.store import Store
from tests.support.backends import Backend
from tests.support.builders import StateBuilder
from tests.support.clients import Client, cloudwatch, elbv2_client
from tests.support.processes import ServerProcess, free_port, start_server
from tests.support.traefik import Traefik
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow

LOGGING = (("access_logs.s3.bucket", "logs"), ("access_logs.s3.enabled", "true"))


def _preload(db: Path, a: Backend, b: Backend) -> None:
    s = StateBuilder()
    s.lbs["web"] = replace(s.lb("web"), attributes=LOGGING)  # its requests are rows too
    s.listener("web", 80)
    s.tg("v1", a)
    s.tg("v2", b)
    s.rule("web", 80, None, s.forward(("v1", 95), ("v2", 5)))
    store = Store(str(db))
    with store.write() as tx:
        for f in ("load_balancers", "target_groups", "targets", "listeners", "rules"):
            for obj in getattr(s.state(), f).values():
                tx.put(obj)
    store.close()


def _traffic(client: Client, n: int, served: list[int]) -> None:
    for _ in range(n):
        served.append(client.request("/").status)


class Server(ServerProcess):
    """``python -m provider serve`` on one port and DuckDB file (killed with -9 mid-traffic), stopped and started
    again at will."""

    def settled(self, access: Path) -> bool:
        """Stopped (opening its DuckDB file needs the lock), is the stored position at the end of the access
        log? If not, it starts again to read on."""
        self.stop()
        store = Store(str(self.db))
        log = RequestLog(store)
        position = log.positions().get("listener80")
        log.close()
        store.close()
        done = position is not None and (position.file_id, position.offset) == (file_id(access), access.stat().st_size)
        if not done:
            self.start()
        return done


def test_every_request_is_counted_once_across_kill_and_rotations(tmp_path: Path) -> None:
    a, b = Backend("a"), Backend("b")
    db = tmp_path / "state.duckdb"
    _preload(db, a, b)
    access = tmp_path / "access" / "listener80.json"
    server = Server(tmp_path, db=db)
    settings = Settings(port=server.port)
    traefik = Traefik(settings, "/traefik/config", [80], tmp_path / "traefik.log", access_log=access)
    served: list[int] = []
    try:
        client = Client(traefik.ports[80])
        wait_for("the route", lambda: client.request("/").status == 200)
        served.append(200)
        busy = threading.Thread(target=_traffic, args=(Client(traefik.ports[80]), 600, served))
        busy.start()
        wait_for("traffic", lambda: len(served) > 200)
        server.stop(signal.SIGKILL)  # mid-traffic, mid-ingestion; Traefik keeps serving its last config
        busy.join(60)
        server.start()
        _traffic(client, 100, served)

        access.rename(access.with_name("listener80.json.1"))  # rename rotation: Traefik reopens on USR1
        _traffic(client, 50, served)
        traefik.process.send_signal(signal.SIGUSR1)
        wait_for("Traefik to reopen its access log", access.exists)
        _traffic(client, 100, served)
        wait_for("the access log to be read to its end", lambda: server.settled(access), 60)

        shutil.copy(access, access.with_name("listener80.json.2"))  # copy-truncate rotation, provider down
        with access.open("r+b") as f:
            f.truncate(0)
        _traffic(client, 70, served)
        server.start()
        wait_for("the truncated log to be read", lambda: server.settled(access), 60)

        server.start()  # the counters: read across the kill, the stops and the rotations
        answered = sum(s == 200 for s in served)
        wait_for("every request in RequestCount once", lambda: _request_count(server.port) == answered, 30)
        traefik.stop(drain=True)  # a Traefik restart: the new process appends to the same file
        traefik = Traefik(settings, "/traefik/config", [80], tmp_path / "traefik.log", access_log=access)
        client = Client(traefik.ports[80])
        wait_for("the restarted Traefik", lambda: _serves(client, served))
        _traffic(client, 30, served)
        wait_for("the restarted Traefik's lines to be read", lambda: server.settled(access), 60)
        server.start()  # and the stopped Traefik's last counts, read while it drained, and the new one's
        answered = sum(s == 200 for s in served)
        wait_for("every request in RequestCount once", lambda: _request_count(server.port) == answered, 30)
    finally:
        server.stop()
        traefik.stop()
        a.stop()
        b.stop()
    assert set(served) <= {200, 404}  # 404: the restarted Traefik before its first config (matches no rule)
    served = [s for s in served if s == 200]
    assert len(served) >= 951
    store = Store(str(db))
    log = RequestLog(store)
    rows = log.since(0)
    log.close()
    store.close()
    assert len(rows) == len(served)
    assert {r.target_group.split("/")[1] for r in rows if r.target_group} == {"v1", "v2"}


def test_up_mode_ingests_its_own_traefiks_access_log_and_writes_alb_files(tmp_path: Path) -> None:
    backend = Backend("v1")
    server = start_server(tmp_path, process=True, up=True)
    try:
        elbv2 = elbv2_client(server.url)
        lb = elbv2.create_load_balancer(Name="web", Subnets=["subnet-a", "subnet-b"])["LoadBalancers"][0]
        arn = lb["LoadBalancerArn"]
        elbv2.modify_load_balancer_attributes(
            LoadBalancerArn=arn,
            Attributes=[
                {"Key": "access_logs.s3.enabled", "Value": "true"},
                {"Key": "access_logs.s3.bucket", "Value": "logs"},
                {"Key": "access_logs.s3.prefix", "Value": "canary"},
            ],
        )
        tg = elbv2.create_target_group(Name="v1", Protocol="HTTP", Port=80, VpcId=lb["VpcId"], TargetType="ip")
        tg_arn = tg["TargetGroups"][0]["TargetGroupArn"]
        elbv2.register_targets(TargetGroupArn=tg_arn, Targets=[{"Id": "127.0.0.1", "Port": backend.port}])
        port = free_port()
        elbv2.create_listener(
            LoadBalancerArn=arn,
            Protocol="HTTP",
            Port=port,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}],
        )
        client, early = Client(port), list[int]()
        wait_for("the listener to serve", lambda: _serves(client, early), 30)
        statuses = Counter(client.request("/").status for _ in range(50))
        # Traefik's 404 before the config arrives matched no rule: no ALB request. Everything else is one.
        expected = 50 + sum(s != 404 for s in early)
        alb = tmp_path / "alb-logs"
        wait_for("an ALB access-log line per request", lambda: _alb_lines(alb) == expected)
    finally:
        server.stop()
        backend.stop()
    assert statuses == {200: 50}
    files = list(alb.rglob("*.log.gz"))
    assert files and all(f.relative_to(alb).parts[:3] == ("logs", "canary", "AWSLogs") for f in files)
    store = Store(str(server.db))
    log = RequestLog(store)
    rows = log.since(0)
    log.close()
    store.close()
    assert len(rows) == expected and sum(r.elb_status == 200 for r in rows) == 50 + early.count(200)
    assert {r.target_group for r in rows if r.elb_status == 200} == {tg_arn.split(":", 5)[5]}
    assert {r.listener_port for r in rows} == {port}


def _request_count(port: int) -> float:
    end = datetime.now(UTC) + timedelta(minutes=1)
    try:
        points = cloudwatch(f"http://127.0.0.1:{port}").get_metric_statistics(
            Namespace="AWS/ApplicationELB", MetricName="RequestCount", Statistics=["Sum"], Period=3600,
            StartTime=end - timedelta(hours=1), EndTime=end,
            Dimensions=[{"Name": "LoadBalancer", "Value": "app/web/0000000000000001"}],
        )["Datapoints"]
    except (OSError, BotoCoreError):  # still starting
        return -1
    return sum(p["Sum"] for p in points)


def _serves(client: Client, seen: list[int]) -> bool:
    try:
        seen.append(client.request("/").status)
    except OSError:  # Traefik has not bound the port yet
        return False
    return seen[-1] == 200


def _alb_lines(root: Path) -> int:
    total = 0
    for f in root.rglob("*.log.gz"):
        try:
            total += gzip.decompress(f.read_bytes()).count(b"\n")
        except (OSError, EOFError):  # a member being written
            pass
    return total
