"""The flags of `elbv2-provider rollout`, checked before any call (exit 2 says what is wrong). Light on purpose:
provider/cli.py builds this parser for every command, `serve` included, and imports the rest of the client
(boto3 with it) only to run a rollout.

Usage: ``elbv2-provider rollout --rule-arn ARN --to TG --steps 10,5`` exits 2 saying "--steps must increase"
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from provider.rollout.client.judge import check_steps, parse_duration
from provider.rollout.model import (
    DEFAULT_INTERVAL_S,
    DEFAULT_MIN_REQUESTS,
    DEFAULT_STEPS,
    MIN_INTERVAL_S,
    Plan,
    Thresholds,
)
from provider.settings import Settings


def add_parser(commands: Any) -> None:
    p = commands.add_parser("rollout", help="move a rule's weights to a canary group step by step, judging each "
                            "step on its metrics and alarms; roll back in one call on failure (exit 0/3/2)")
    p.add_argument("action", nargs="?", choices=["status"], help="status: list running and past rollouts")
    p.add_argument("--rule-arn", help="the rule whose forward action moves")
    p.add_argument("--listener-arn", help="instead of --rule-arn: the listener whose default action moves")
    p.add_argument("--to", dest="to_group", help="the canary target group ARN (ends at 100%%)")
    p.add_argument("--from", dest="from_group", help="the stable group ARN (default: the rule's other group)")
    p.add_argument("--steps", default=",".join(map(str, DEFAULT_STEPS)), help="canary percentages (default "
                   "%(default)s)")
    p.add_argument("--interval", default=f"{DEFAULT_INTERVAL_S:g}s", help=f"time per step, at least "
                   f"{MIN_INTERVAL_S:g}s (default %(default)s)")
    p.add_argument("--max-error-rate", type=float, help="fail a step when the canary's 5xx / requests exceeds this")
    p.add_argument("--max-p99", help="fail a step when the canary's TargetResponseTime p99 exceeds this (0.5, 500ms)")
    p.add_argument("--min-requests", type=int, default=DEFAULT_MIN_REQUESTS, help="requests a step needs before "
                   "it is judged (default %(default)s); with fewer the step waits, up to --max-wait")
    p.add_argument("--max-wait", help="how long past the interval a step waits for --min-requests (default: one "
                   "more interval); then it fails")
    p.add_argument("--alarm", action="append", default=[], help="a CloudWatch alarm that rolls back when in ALARM "
                   "(repeatable)")
    p.add_argument("--on-interrupt", choices=["rollback", "keep"], default="rollback", help="Ctrl-C rolls back "
                   "(default) or keeps the weights as they are")
    p.add_argument("--endpoint-url", help="the provider's AWS endpoint (default $AWS_ENDPOINT_URL or "
                   f"{Settings().base_url})")
    p.add_argument("--region", default=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
    p.add_argument("--output", choices=["text", "json"], default="text", help="json: one event a line, for CI")


class BadFlags(Exception):
    """What is wrong with the flags, in words (exit 2)."""


def plan_of(args: argparse.Namespace) -> Plan:
    """The flags as a Plan, or BadFlags saying what is wrong."""
    if bool(args.rule_arn) == bool(args.listener_arn):
        raise BadFlags("give exactly one of --rule-arn and --listener-arn")
    if not args.to_group:
        raise BadFlags("--to (the canary target group ARN) is required")
    try:
        steps = tuple(int(s) for s in args.steps.split(","))
    except ValueError:
        raise BadFlags(f"--steps must be integers separated by commas, got {args.steps!r}") from None
    wrong = check_steps(steps)
    if wrong:
        raise BadFlags(wrong)
    interval = parse_duration(args.interval)
    if interval is None or interval < MIN_INTERVAL_S:
        raise BadFlags(f"--interval must be a duration of at least {MIN_INTERVAL_S:g}s (30s, 2m), got "
                       f"{args.interval!r}")
    p99 = None if args.max_p99 is None else parse_duration(args.max_p99)
    wait = None if args.max_wait is None else parse_duration(args.max_wait)
    if (args.max_p99 is not None and p99 is None) or (args.max_wait is not None and wait is None):
        raise BadFlags("--max-p99 and --max-wait take durations (0.5, 500ms, 1m)")
    if args.max_error_rate is not None and not 0 <= args.max_error_rate <= 1:
        raise BadFlags(f"--max-error-rate is a fraction between 0 and 1, got {args.max_error_rate}")
    if args.min_requests < 0:
        raise BadFlags("--min-requests must not be negative")
    thresholds = Thresholds(args.max_error_rate, p99, args.min_requests, tuple(args.alarm))
    return Plan(args.rule_arn or args.listener_arn, args.to_group, args.from_group or "", steps, interval,
                thresholds, wait, args.on_interrupt == "keep")


def endpoint(args: argparse.Namespace) -> str:
    return str(args.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or Settings().base_url)
