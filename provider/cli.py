"""`elbv2-provider serve|up|rollout`: the command line. Flags override ELBV2_* environment variables."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

import uvicorn

from provider.elbv2.limits import Quotas
from provider.rollout.client import flags as rollout
from provider.settings import FLAG, Flag, Settings, env_var, parser_of

log = logging.getLogger("elbv2")


def _flags(parser: argparse.ArgumentParser, up: bool) -> None:
    """Each setting's flag (provider/settings.py), with its default and its ELBV2_* variable in the help."""
    for f in fields(Settings):
        flag: Flag = f.metadata[FLAG]
        if flag.up_only and not up:
            continue
        shown = flag.shown or f.default
        parser.add_argument(
            flag.repeated or "--" + f.name.replace("_", "-"),
            dest=f.name,
            type=parser_of(f),
            action="append" if flag.repeated else "store",
            metavar=flag.metavar,
            choices=flag.choices or None,
            help=f"{flag.help} (default {shown}; {env_var(f)})",
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="elbv2-provider",
        description="A local AWS Application Load Balancer: the ELBv2 API on DuckDB, real traffic through "
        "Traefik. Every flag also reads an ELBV2_* environment variable (ELBV2_PORT=9090).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the AWS ELBv2 API and Traefik's HTTP-provider endpoint")
    _flags(serve, up=False)
    up = commands.add_parser("up", help="serve, and run Traefik itself so listener ports carry real traffic")
    _flags(up, up=True)
    rollout.add_parser(commands)
    ca = commands.add_parser("ca", help="print the local CA's certificate (PEM), which signs ACM's certificates")
    ca.add_argument("--db", help=f"the state's DuckDB file; the CA lives beside it (default {Settings().db}; "
                    "ELBV2_DB)")
    rotate = commands.add_parser("rotate-signing-key", help="replace a region's x-amzn-oidc-data signing key now "
                                 "(the replaced key's public key is still served); print the new kid")
    rotate.add_argument("--region", help=f"the region whose key to replace (default {Settings().region}; "
                        "ELBV2_REGION)")
    rotate.add_argument("--db", help=f"the state's DuckDB file; the keys live beside it (default {Settings().db}; "
                        "ELBV2_DB)")
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    """The flags given over the environment; a repeated flag's values joined with ","."""
    given: dict[str, Any] = {}
    for f in fields(Settings):
        value = getattr(args, f.name, None)
        given[f.name] = ",".join(value) if isinstance(value, list) else value
    return Settings.from_env(**given)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "rollout":
        from provider.rollout.client.main import run  # boto3 with it: `serve` and `up` never load it

        return run(args)
    if args.command == "ca":
        from provider.acm import ca

        settings = Settings.from_env(db=args.db)
        print(ca.load_or_create(settings.ca_dir, ca.utcnow()).pem, end="")
        return 0
    if args.command == "rotate-signing-key":
        from provider.auth import keys

        settings = Settings.from_env(db=args.db, region=args.region)
        try:
            print(keys.from_settings(settings).rotate(settings.region))
        except ValueError as e:
            parser.error(str(e))
        return 0
    settings = settings_from(args)
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
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
    print(f"elbv2-provider: local CA {settings.ca_dir / 'ca.pem'}  (curl --cacert; `elbv2-provider ca`)", flush=True)
    print(f"elbv2-provider: status page http://{settings.host}:{settings.port}/ui/", flush=True)
    if args.command == "up":
        from provider.canary import banner

        print(banner(f"http://{settings.host}:{settings.port}"), flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level.lower(), access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
