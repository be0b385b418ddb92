"""An acknowledged write survives `kill -9` of the server."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from tests.support.clients import elbv2_client
from tests.support.processes import start_server


def test_every_acknowledged_write_survives_kill_9(tmp_path: Path) -> None:
    db = tmp_path / "state.duckdb"
    server = start_server(tmp_path, db=db, process=True)
    acknowledged: list[str] = []
    stop = threading.Event()

    def write_load(worker: int) -> None:
        client: Any = elbv2_client(server.url)
        for i in range(2000):
            if stop.is_set():
                return
            name = f"w{worker}-{i}"
            try:
                client.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId="v", TargetType="ip")
            except (BotoCoreError, ClientError):
                return  # the server died under us: this write was never acknowledged
            acknowledged.append(name)

    writers = [threading.Thread(target=write_load, args=(w,)) for w in range(4)]
    for t in writers:
        t.start()
    deadline = threading.Event()
    while len(acknowledged) < 150 and not deadline.wait(0.01):
        pass
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(10)
    stop.set()
    for t in writers:
        t.join(30)

    restarted = start_server(tmp_path, db=db, process=True)
    try:
        client: Any = elbv2_client(restarted.url)
        pages = client.get_paginator("describe_target_groups").paginate()
        stored = {tg["TargetGroupName"] for page in pages for tg in page["TargetGroups"]}
    finally:
        restarted.stop()
    assert len(acknowledged) >= 150
    assert set(acknowledged) <= stored
