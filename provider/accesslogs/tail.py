"""Follow the Traefik access logs in one directory (``<name>.json``, one per Traefik instance) into the
``requests`` table, exactly once: each batch of complete lines commits with the position after it
(provider/accesslogs/rows.py), and a restart resumes from the stored position.

Rotation, found by the file's identity (device:inode) and size:
- rename + new file: the rest of the renamed file (found in the same directory by its identity) is read first;
  the reader moves to the new file once it has content (Traefik writes to the old one until it reopens on USR1);
- copy + truncate: the file shrank under the stored offset; the bytes up to the copy's end are read from the
  copy (the newest ``<name>.json*`` at least that long), then the file is read again from 0.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from provider.accesslogs.ingest import INGEST_SELECT
from provider.accesslogs.record import Request
from provider.accesslogs.rows import Position, RequestLog
from provider.background import Due, every
from provider.elbv2.model import State
from provider.objects import Objects, S3Objects
from provider.settings import Settings
from provider.store import Store
from provider.telemetry.names import Names

log = logging.getLogger("elbv2.ingest")

SUFFIX = ".json"
POLL_S = 0.25  # each commit has a fixed cost (~8 ms of CPU planning the ingest query): fewer, larger batches
BATCH_BYTES = 4 << 20  # at most this much per transaction
RETENTION_EVERY_S = 60.0
UPLOAD_EVERY_S = 5.0  # a file still filling is put whole again: at most this often (ALB: every 5 minutes)


class Sink(Protocol):
    """Where committed rows go next (ALB-format files: provider/accesslogs/files.py)."""

    def wants(self, state: State) -> bool: ...

    def write(self, rows: Sequence[Request], state: State) -> object: ...


def file_id(path: Path) -> str | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return f"{st.st_dev}:{st.st_ino}"


class Tailer:
    def __init__(self, directory: Path, requests: RequestLog, sink: Sink | None = None) -> None:
        self.directory, self.requests, self.sink = directory, requests, sink
        self.resolver = Names()
        self.skipped = 0  # lines that are no request of ours
        self._lock = threading.Lock()
        self._state = State()
        self._names_loaded: int | None = None  # the resolver's changes the ingest tables hold

    def poll(self, state: State) -> int:
        """Read every source to its last complete line; returns the rows committed."""
        with self._lock:
            self._state = state
            self.resolver.update(state)
            if self.resolver.changes != self._names_loaded:
                self.requests.set_routes(*self.resolver.tables())
                self._names_loaded = self.resolver.changes
            positions = self.requests.positions()
            try:
                paths = sorted(p for p in self.directory.iterdir() if p.name.endswith(SUFFIX))
            except FileNotFoundError:
                return 0
            return sum(self._source(p, positions.get(p.name.removesuffix(SUFFIX))) for p in paths)

    def close(self) -> None:
        with self._lock:  # waits for a poll in flight
            self.requests.close()

    def _source(self, path: Path, stored: Position | None) -> int:
        source = path.name.removesuffix(SUFFIX)
        current = file_id(path)
        done = 0
        if stored is not None and stored.file_id != current:
            rotated = self._find(stored.file_id)
            if rotated is not None:
                moved, stored = self._drain(rotated, stored, stored)
                done += moved
            if current is None or (rotated is not None and path.stat().st_size == 0):
                return done  # the writer may still append to the renamed file
        if current is None:
            return done
        start = stored if stored is not None and stored.file_id == current else None
        if start is not None and path.stat().st_size < start.offset:
            copy = self._copy_of(path, start.offset)
            if copy is not None:
                moved, start = self._drain(copy, start, start, stop_at=copy.stat().st_size)
                stored, done = start, done + moved
            log.info("%s was truncated; reading it again from the start", path)
        reading = start if start is not None and path.stat().st_size >= start.offset else Position(source, current, 0)
        moved, _ = self._drain(path, stored, reading)
        return done + moved

    def _drain(
        self, path: Path, stored: Position | None, reading: Position, stop_at: int | None = None
    ) -> tuple[int, Position]:
        """Commit the complete lines of ``path`` from ``reading.offset``; the position moves from ``stored``."""
        done = 0
        try:
            f = path.open("rb")
        except OSError:
            return 0, stored or reading
        with f:
            while True:
                f.seek(reading.offset)
                limit = BATCH_BYTES if stop_at is None else min(BATCH_BYTES, stop_at - reading.offset)
                chunk = f.read(limit) if limit > 0 else b""
                end = chunk.rfind(b"\n") + 1
                if end == 0:
                    if stored != reading:  # a switch of file with nothing to read yet still moves the position
                        self.requests.commit(stored, reading, [])
                    return done, reading
                lines = chunk[:end].decode("utf-8", "replace").splitlines()
                after = Position(reading.source, reading.file_id, reading.offset + end)
                wanted = self.sink is not None and self.sink.wants(self._state)
                count, rows = self.requests.commit(stored, after, lines, returning=wanted)
                self.skipped += len(lines) - count
                if rows:
                    self._deliver(rows)
                stored = reading = after
                done += count

    def _deliver(self, rows: Sequence[Request]) -> None:
        assert self.sink is not None
        try:
            self.sink.write(rows, self._state)
        except OSError:
            log.exception("could not write ALB access-log files")

    def _find(self, wanted: str) -> Path | None:
        """The file in the directory with identity ``wanted`` (a renamed log), if it is still there."""
        for p in self.directory.iterdir():
            if file_id(p) == wanted:
                return p
        return None

    def _copy_of(self, path: Path, size: int) -> Path | None:
        copies = [p for p in self.directory.glob(path.name + "?*") if p.stat().st_size >= size]
        return max(copies, key=lambda p: p.stat().st_mtime_ns) if copies else None


async def run_ingest(store: Store, settings: Settings, objects: Objects) -> None:
    """Follow the Traefik access logs until cancelled (an app background task); also applies retention, and puts
    the ALB log files to the S3-compatible server when there is one."""
    from provider.accesslogs.files import AlbLogWriter, Uploads

    directory = settings.traefik_log_path
    directory.mkdir(parents=True, exist_ok=True)
    uploads = Uploads(settings.alb_log_path, objects) if isinstance(objects, S3Objects) else None
    writer = AlbLogWriter(settings.alb_log_path, settings.listen_host, uploads)
    tailer = Tailer(directory, RequestLog(store, INGEST_SELECT), writer)
    retention_ms = settings.metrics_retention_hours * 3_600_000
    retention, upload = Due(RETENTION_EVERY_S), Due(UPLOAD_EVERY_S)

    async def step(now: float) -> None:
        await asyncio.to_thread(tailer.poll, store.snapshot())
        if uploads is not None and uploads.pending and upload.due():
            await asyncio.to_thread(uploads.flush)
        if retention.due():
            await asyncio.to_thread(tailer.requests.delete_before, int(now * 1000) - retention_ms)

    try:
        # A file or the database refused: nothing was half-written; the next tick tries again.
        await every(POLL_S, step, log=log, failure="access-log ingestion")
    finally:
        tailer.close()
