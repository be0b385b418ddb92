"""CloudWatch alarms in DuckDB: one document per alarm ARN (provider/store/documents.py), typed on the way out.
Alarm names are unique per region, as on AWS: the ARN carries the region.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from provider import partitions
from provider.cloudwatch.alarm_model import Alarm
from provider.store import documents
from provider.store.codec import decoder, encode

if TYPE_CHECKING:
    from provider.cloudwatch.context import Context
    from provider.store.duck import Store

KIND = "alarm"


def alarm_arn(ctx: Context, name: str) -> str:
    return partitions.arn("cloudwatch", ctx.region, ctx.account, f"alarm:{name}")


def put_alarms(store: Store, alarms: Sequence[Alarm]) -> None:
    documents.put(store, KIND, [(a.arn, encode(a)) for a in alarms])


def swap_alarm(store: Store, old: Alarm, new: Alarm) -> bool:
    """Write ``new`` only if the stored alarm is still ``old`` (not redefined, set or deleted meanwhile)."""
    return documents.swap(store, KIND, old.arn, encode(old), encode(new))


def get_alarm(store: Store, arn: str) -> Alarm | None:
    body = documents.get(store, KIND, arn)
    return None if body is None else _decode(body)


def regional_alarms(ctx: Context) -> list[Alarm]:
    """The caller's region's alarms, by name."""
    prefix = alarm_arn(ctx, "")
    return [a for a in all_alarms(ctx.store) if a.arn.startswith(prefix)]


def all_alarms(store: Store) -> list[Alarm]:
    """Every alarm of every region (the evaluator's view), by ARN."""
    return [_decode(body) for body in documents.all_of(store, KIND)]


def delete_alarms(ctx: Context, names: Sequence[str]) -> None:
    documents.delete(ctx.store, KIND, [alarm_arn(ctx, n) for n in names])


_decode = decoder(Alarm)
