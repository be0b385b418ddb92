"""ALB-format access-log files for the load balancers with ``access_logs.s3.enabled=true``, laid out as S3 would
hold them: ``<root>/<bucket>/<prefix>/AWSLogs/<account>/elasticloadbalancing/<region>/yyyy/mm/dd/<file name>``.

Each batch of committed requests is appended to its 5-minute file as one more gzip member (a concatenation of
gzip members is one valid gzip stream: zcat, Python's gzip and ALB log tools read it whole), so a file is
readable at every moment. Lines are written after their rows commit: a crash in between loses those lines from
the files (the ``requests`` table keeps them).

With an S3-compatible server (``--s3-endpoint-url``), ``Uploads`` puts each file written to since the last flush
to it whole, under the same ``<bucket>/<key>``: S3 cannot append, so a file still filling is put again with its new
lines (ALB itself delivers a file every 5 minutes).
"""

from __future__ import annotations

import gzip
import secrets
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from provider.accesslogs.alb import alb_line, file_name, window_end_ms
from provider.accesslogs.record import Request
from provider.elbv2.model import State

ENABLED = "access_logs.s3.enabled"
BUCKET = "access_logs.s3.bucket"
PREFIX = "access_logs.s3.prefix"
_ALPHABET = string.ascii_lowercase + string.digits


@dataclass(frozen=True, slots=True)
class Destination:
    bucket: str
    prefix: str
    region: str
    account: str
    arn_prefix: str  # arn:aws:elasticloadbalancing:<region>:<account>:


def destinations(state: State) -> dict[str, Destination]:
    """'app/<name>/<id>' -> where its logs go, for each load balancer with access logs enabled and a bucket."""
    out: dict[str, Destination] = {}
    for lb in state.load_balancers.values():
        attrs = dict(lb.attributes)
        if attrs.get(ENABLED) != "true" or not attrs.get(BUCKET):
            continue
        head, _, suffix = lb.arn.partition(":loadbalancer/")
        region, account = head.split(":")[3:5]
        out[suffix] = Destination(attrs[BUCKET], attrs.get(PREFIX, "").strip("/"), region, account, head + ":")
    return out


class ObjectWriter(Protocol):
    def write(self, bucket: str, key: str, data: bytes) -> None: ...


class Uploads:
    """The log files written since the last flush, to be put to the S3-compatible server."""

    def __init__(self, root: Path, objects: ObjectWriter) -> None:
        self.root, self.objects = root, objects
        self.pending: set[Path] = set()

    def flush(self) -> None:
        """Put each pending file; one that fails stays pending for the next flush (the first error is raised)."""
        failed: Exception | None = None
        for path in sorted(self.pending):
            bucket, *key = path.relative_to(self.root).parts
            try:
                self.objects.write(bucket, "/".join(key), path.read_bytes())
            except FileNotFoundError:  # removed meanwhile: nothing left to put
                pass
            except Exception as error:  # the server refused or is away: the file is tried again
                failed = failed or error
                continue
            self.pending.discard(path)
        if failed is not None:
            raise failed


class AlbLogWriter:
    def __init__(self, root: Path, node_ip: str, uploads: Uploads | None = None) -> None:
        self.root, self.node_ip, self.uploads = root, node_ip, uploads
        self._names: dict[tuple[str, int], Path] = {}  # (lb, window end) -> its file in this process
        self._destinations: tuple[int, Mapping[str, Destination]] = (-1, {})

    def wants(self, state: State) -> bool:
        """Does any load balancer log? (Rows are only fetched back from the database when one does.)"""
        return bool(self._targets(state))

    def write(self, rows: Sequence[Request], state: State) -> list[Path]:
        """Append ``rows`` of the enabled load balancers to their files; returns the files written."""
        targets = self._targets(state)
        batches: dict[Path, list[str]] = {}
        for r in rows:
            dest = targets.get(r.load_balancer)
            if dest is not None:
                batches.setdefault(self._path(r, dest), []).append(alb_line(r, dest.arn_prefix))
        for path, lines in batches.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("ab") as f:
                f.write(gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=6, mtime=0))
        if self.uploads is not None:
            self.uploads.pending.update(batches)
        return list(batches)

    def _targets(self, state: State) -> Mapping[str, Destination]:
        if self._destinations[0] != state.version:
            self._destinations = (state.version, destinations(state))
        return self._destinations[1]

    def _path(self, r: Request, dest: Destination) -> Path:
        end = window_end_ms(r.ts_ms)
        key = (r.load_balancer, end)
        path = self._names.get(key)
        if path is None:
            if len(self._names) > 10_000:
                self._names.clear()
            day = datetime.fromtimestamp((end - 1) / 1000, UTC).strftime("%Y/%m/%d")
            random = "".join(secrets.choice(_ALPHABET) for _ in range(8))
            name = file_name(dest.account, dest.region, r.load_balancer, end, self.node_ip, random)
            parts = [dest.bucket, *([dest.prefix] if dest.prefix else []), "AWSLogs", dest.account]
            path = self.root.joinpath(*parts, "elasticloadbalancing", dest.region, day, name)
            self._names[key] = path
        return path
