"""The whole server in this process: the real app (provider.app.create_app) on a real DuckDB file, served by
uvicorn in a thread on a free port, so boto3 and urllib reach it over real HTTP. stop() then start() is a
server restart: the same port, the same file."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import uvicorn

from provider.app import create_app
from provider.settings import Settings
from tests.conftest import free_port

START_S = 20.0


class ServerDidNotStart(Exception):
    pass


class InProcessServer:
    def __init__(self, db: Path) -> None:
        self.db, self.port = db, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.start()

    def start(self) -> None:
        app = create_app(Settings(host="127.0.0.1", port=self.port, db=str(self.db)))
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + START_S
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise ServerDidNotStart(f"the server on port {self.port} did not start within {START_S:g}s")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop serving and close the DuckDB file (the app's lifespan does), as a server that exits."""
        self.server.should_exit = True
        self.thread.join(10)
