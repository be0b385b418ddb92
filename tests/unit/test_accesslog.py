"""Traefik access-log lines -> ALB request records (pure), ALB's line format, and the tailer on real files and a
real DuckDB: partial lines wait for their end, a restart resumes, retention deletes."""

from __future__ import annotations

import gzip
import json
import shlex
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from provider.accesslogs.alb import alb_line, file_name, window_end_ms
from provider.accesslogs.files import AlbLogWriter, destinations
from provider.accesslogs.ingest import INGEST_SELECT
from provider.accesslogs.record import Request
from provider.accesslogs.rows import Position, RequestLog
from provider.accesslogs.tail import Tailer
from provider.elbv2.model import Action, ActionType, Redirect, State
from provider.settings import Settings
from provider.store import Store
from provider.telemetry.names import Names
from provider.traefik.static import listener_config
from tests.support.builders import StateBuilder, fixed

LB = "app/web/0000000000000001"
V1, V2 = "targetgroup/v1/0000000000000001", "targetgroup/v2/0000000000000002"
ARN_PREFIX = "arn:aws:elasticloadbalancing:us-east-1:123456789012:"


def _state(logging: bool = False) -> State:
    s = StateBuilder()
    lb = s.lb("web")
    if logging:
        attrs = {"access_logs.s3.enabled": "true", "access_logs.s3.bucket": "b", "access_logs.s3.prefix": "p/q"}
        s.lbs["web"] = replace(lb, attributes=tuple(sorted(attrs.items())))
    s.listener("web", 80)
    s.tg("v1")
    s.tg("v2")
    s.rule("web", 80, None, s.forward(("v1", 95), ("v2", 5)))
    s.rule("web", 80, 10, fixed("x", "418"))
    s.rule("web", 80, 20, Action(ActionType.REDIRECT, redirect=Redirect("HTTP_301")))
    return s.state()


def line(router: str, service: str, origin: int = 200, size: int = 7, **extra: Any) -> str:
    doc = {
        "RouterName": f"{router}@http", "ServiceName": f"{service}@http", "ServiceAddr": "127.0.0.1:9001",
        "OriginStatus": origin, "OriginContentSize": size, "DownstreamStatus": extra.pop("status", origin),
        "Duration": 3_000_000, "OriginDuration": 2_000_000, "StartUTC": "2026-11-30T04:40:00.5Z",
        "RequestMethod": "GET", "RequestPath": "/a?b=1", "RequestHost": "example.com", "RequestProtocol": "HTTP/1.1",
        "RequestScheme": "http", "RequestContentSize": 0, "DownstreamContentSize": size, "ClientHost": "10.0.0.9",
        "ClientPort": "5555", "request_User-Agent": "curl/8", **extra,
    }  # fmt: skip
    return json.dumps(doc)


DEFAULT = "web-80-default-d0000000000000050"
CASES = [
    pytest.param(line(DEFAULT, "tg-v1"), ("forward", 0, V1, "127.0.0.1:9001", 200, 200, False), id="forward"),
    pytest.param(line(DEFAULT, "tg-v2-tls"), ("forward", 0, V2, "127.0.0.1:9001", 200, 200, False), id="tls-variant"),
    pytest.param(
        line(DEFAULT, "tg-v1", 502, 11), ("forward", 0, V1, "127.0.0.1:9001", 502, None, True), id="unreachable-target"
    ),
    pytest.param(
        line(DEFAULT, "tg-v1", 502, 30), ("forward", 0, V1, "127.0.0.1:9001", 502, 502, False), id="target-502"
    ),
    pytest.param(
        line(DEFAULT, "elbv2-unavailable", 503, 19), ("forward", 0, None, None, 503, None, False), id="no-targets"
    ),
    pytest.param(
        line("web-80-p10-r0001000000000050", "elbv2-answered", 418),
        ("fixed-response", 10, None, None, 418, None, False),
        id="fixed-response",
    ),
    pytest.param(
        line("web-80-p20-r0002000000000050", "elbv2-answered", 301),
        ("redirect", 20, None, None, 301, None, False),
        id="redirect",
    ),
]


def ingested(lines: list[str], *states: State) -> tuple[Store, RequestLog, list[Request]]:
    """The lines through the real ingest query on a real (in-memory) DuckDB, with routes of ``states``."""
    store = Store(":memory:")
    log = RequestLog(store, INGEST_SELECT)
    resolver = Names()
    for state in states:
        resolver.update(state)
    log.set_routes(*resolver.tables())
    count, rows = log.commit(None, Position("t", "1:1", 1), lines, returning=True)
    assert count == len(rows)
    return store, log, rows


def ingest(lines: list[str], *states: State) -> list[Request]:
    store, log, rows = ingested(lines, *states)
    log.close()
    store.close()
    return rows


@pytest.mark.parametrize(("text", "want"), CASES)
def test_a_line_becomes_the_alb_request(text: str, want: tuple[object, ...]) -> None:
    [r] = ingest([text], _state())
    assert (
        r.action,
        r.rule_priority,
        r.target_group,
        r.target,
        r.elb_status,
        r.target_status,
        r.connection_error,
    ) == want
    assert (r.load_balancer, r.listener_port, r.url, r.user_agent) == (LB, 80, "http://example.com:80/a?b=1", "curl/8")
    assert r.ts_ms == 1796013600503 and r.client == "10.0.0.9:5555"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("not json", id="garbage"),
        pytest.param("[1]", id="not-an-object"),
        pytest.param(line("elbv2-placeholder-router", "x", 404), id="not-our-router"),
        pytest.param(json.dumps({"DownstreamStatus": 404}), id="no-router"),
        pytest.param(line(DEFAULT, "tg-v1", StartUTC="yesterday"), id="bad-time"),
    ],
)
def test_lines_that_are_no_request_of_ours_are_skipped(text: str) -> None:
    assert ingest([text, line(DEFAULT, "tg-v1")], _state())[0].target_group == V1  # only the good line


def test_a_deleted_rule_still_resolves_for_late_lines() -> None:
    [r] = ingest([line(DEFAULT, "tg-v1")], _state(), State(version=99))
    assert r.target_group == V1


def _request(**changes: Any) -> Request:
    base = dict(
        ts_ms=1796013600503, load_balancer=LB, listener_port=80, rule_priority=0, action="forward",
        target_group=V1, target="127.0.0.1:9001", elb_status=200, target_status=200, request_s=0.001,
        target_s=0.002, response_s=0.0, received_bytes=0, sent_bytes=7, client="10.0.0.9:5555", method="GET",
        url="http://example.com:80/a?b=1", protocol="HTTP/1.1", user_agent='curl "8"', connection_error=False,
    )  # fmt: skip
    return Request(**(base | changes))


def test_alb_line_has_33_fields_in_the_documented_order() -> None:
    fields = shlex.split(alb_line(_request(), ARN_PREFIX))
    assert len(fields) == 33
    assert fields[:13] == [
        "http", "2026-11-30T04:40:00.503000Z", LB, "10.0.0.9:5555", "127.0.0.1:9001", "0.001", "0.002", "0.000",
        "200", "200", "0", "7", "GET http://example.com:80/a?b=1 HTTP/1.1",
    ]  # fmt: skip
    assert fields[13] == 'curl "8"' and fields[16] == ARN_PREFIX + V1
    assert fields[20:23] == ["0", "2026-11-30T04:40:00.500000Z", "forward"]
    assert fields[25:27] == ["127.0.0.1:9001", "200"]


def test_alb_line_of_a_fixed_response_has_no_target() -> None:
    r = _request(action="fixed-response", target_group=None, target=None, target_status=None, target_s=None)
    fields = shlex.split(alb_line(r, ARN_PREFIX))
    assert fields[4:10] == ["-", "-1", "-1", "-1", "200", "-"]
    assert (fields[16], fields[22], fields[25]) == ("-", "fixed-response", "-")


def test_file_name_and_window() -> None:
    end = window_end_ms(1796013600503)
    assert end == 1796013900000
    name = file_name("123456789012", "us-east-1", LB, end, "127.0.0.1", "abcdefgh")
    lb = LB.replace("/", ".")
    assert name == f"123456789012_elasticloadbalancing_us-east-1_{lb}_20261130T0445Z_127.0.0.1_abcdefgh.log.gz"


def test_files_only_for_load_balancers_with_logging_on(tmp_path: Path) -> None:
    assert destinations(_state()) == {}
    writer = AlbLogWriter(tmp_path, "127.0.0.1")
    assert writer.wants(_state(True))
    written = writer.write([_request(), _request()], _state(True))
    assert len(written) == 1
    rel = written[0].relative_to(tmp_path).parts
    assert rel[:-1] == (
        "b",
        "p",
        "q",
        "AWSLogs",
        "123456789012",
        "elasticloadbalancing",
        "us-east-1",
        "2026",
        "11",
        "30",
    )
    assert gzip.decompress(written[0].read_bytes()).decode().count("\n") == 2


def test_tailer_commits_complete_lines_once_and_resumes(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "s.duckdb"))
    with store.write() as tx:
        for f in ("load_balancers", "target_groups", "listeners", "rules"):
            for obj in getattr(_state(), f).values():
                tx.put(obj)
    logs = tmp_path / "access"
    logs.mkdir()
    path = logs / "t.json"
    path.write_text(line(DEFAULT, "tg-v1") + "\n" + line(DEFAULT, "tg-v2")[:40])  # the second line is not finished
    tailer = Tailer(logs, RequestLog(store, INGEST_SELECT))
    assert tailer.poll(store.snapshot()) == 1
    assert tailer.poll(store.snapshot()) == 0
    with path.open("a") as f:
        f.write(line(DEFAULT, "tg-v2")[40:] + "\nnot json\n")
    tailer.close()
    again = Tailer(logs, RequestLog(store, INGEST_SELECT))  # a restart: resumes from the stored position
    assert again.poll(store.snapshot()) == 1 and again.skipped == 1
    assert again.requests.count() == 2
    assert again.requests.delete_before(1796013600504) == 2 and again.requests.count() == 0
    again.close()
    store.close()


def test_up_mode_traefik_writes_a_json_access_log_per_listener(tmp_path: Path) -> None:
    settings = Settings(db=str(tmp_path / "s.duckdb"))
    log = listener_config(8000, settings)["accessLog"]
    assert log["filePath"] == str(tmp_path / "access" / "listener8000.json")
    assert (log["format"], log["fields"]["headers"]["names"]) == ("json", {"User-Agent": "keep"})
    assert Settings(traefik_log_dir="/x", alb_log_dir="/y").alb_log_path == Path("/y")
    assert Settings().metrics_retention_hours == 24


def test_readme_sql_runs_on_ingested_rows() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    sql = readme.split("```sql\n", 1)[1].split("```", 1)[0]
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    store, log, _ = ingested(
        [line(DEFAULT, "tg-v1", StartUTC=now), line(DEFAULT, "tg-v1", 502, 11, StartUTC=now)], _state()
    )
    assert log.query(sql) == [("127.0.0.1:9001", 2, 1, 0.5)]
    log.close()
    store.close()
