"""PutMetricData: an application's own metrics, validated as AWS does and written in one transaction.

Usage: ``put_metric_data(ctx, {"namespace": "Shop", "metric_data": [{"metric_name": "Orders", "value": 3.0}]})``
gives ``{}``.
"""

from __future__ import annotations

import math
from datetime import timedelta

from provider import texts
from provider.cloudwatch import points, validate
from provider.cloudwatch.context import Context, Handler, Params, Result
from provider.cloudwatch.errors import InvalidParameterCombination, InvalidParameterValue, MissingParameter
from provider.cloudwatch.model import Datum, Metric, StatisticSet, Unit
from provider.cloudwatch.timestamps import to_ms

MAX_DATA = 1000
MAX_VALUES = 150
MAX_MAGNITUDE = 2.0**360  # AWS rejects values beyond ±2^360
PAST, FUTURE = timedelta(weeks=2), timedelta(hours=2)
STORAGE_RESOLUTIONS = (1, 60)


def put_metric_data(ctx: Context, params: Params) -> Result:
    namespace = str(validate.required(params, "namespace", "Namespace"))
    if namespace.startswith(("AWS/", ":")):
        raise InvalidParameterValue(f"The value {namespace} for parameter Namespace is invalid.")
    items = params.get("metric_data") or []
    if not items:
        raise MissingParameter("The parameter MetricData is required.")
    if len(items) > MAX_DATA:
        raise InvalidParameterValue(f"The collection MetricData must not have a size greater than {MAX_DATA}.")
    data = [_datum(ctx, namespace, item, n) for n, item in enumerate(items, 1)]
    points.put(ctx.store, data)
    return {}


def _datum(ctx: Context, namespace: str, item: Params, n: int) -> Datum:
    where = f"MetricData.member.{n}"
    name = str(validate.required(item, "metric_name", f"{where}.MetricName"))
    metric = Metric.of(namespace, name, validate.dimensions(item.get("dimensions"), f"{where}.Dimensions"))
    now = ctx.now()
    at = item.get("timestamp") or now
    if not now - PAST <= at <= now + FUTURE:
        raise InvalidParameterValue(
            f"The parameter {where}.Timestamp must specify a time no more than two weeks in the past"
            " and no more than two hours in the future."
        )
    resolution = int(item.get("storage_resolution") or 60)
    if resolution not in STORAGE_RESOLUTIONS:
        raise InvalidParameterValue(texts.STORAGE_RESOLUTION.format(name=f"{where}.StorageResolution"))
    unit = validate.unit(item.get("unit"), f"{where}.Unit") or Unit.NONE
    values = _values(item, where)
    stats = _statistic_set(item.get("statistic_values"), where)
    given = [k for k, v in (("Value", item.get("value")), ("Values", values), ("StatisticValues", stats)) if v]
    if len(given) > 1:
        raise InvalidParameterCombination(
            f"The parameters {where}.{given[0]} and {where}.{given[1]} are mutually exclusive and you have"
            " specified both."
        )
    if item.get("value") is not None:
        values = ((_number(item["value"], f"{where}.Value"), 1.0),)
    if not values and stats is None:
        raise InvalidParameterCombination(
            f"At least one of the parameters {where}.Value, {where}.Values or {where}.StatisticValues must be"
            " specified."
        )
    return Datum(metric, to_ms(at), unit, values, stats, resolution)


def _values(item: Params, where: str) -> tuple[tuple[float, float], ...]:
    values = [_number(v, f"{where}.Values") for v in item.get("values") or ()]
    if len(values) > MAX_VALUES:
        raise InvalidParameterValue(f"The collection {where}.Values must not have a size greater than {MAX_VALUES}.")
    counts = [_number(c, f"{where}.Counts") for c in item.get("counts") or ()] or [1.0] * len(values)
    if len(counts) != len(values):
        raise InvalidParameterValue(f"The parameters {where}.Values and {where}.Counts must be of the same size.")
    return tuple((v, c) for v, c in zip(values, counts, strict=True) if c > 0)


def _statistic_set(given: Params | None, where: str) -> StatisticSet | None:
    if given is None:
        return None
    field = f"{where}.StatisticValues"
    values = {
        k: _number(validate.required(given, k, f"{field}.{label}"), f"{field}.{label}")
        for k, label in (("sample_count", "SampleCount"), ("sum", "Sum"), ("minimum", "Minimum"),
                         ("maximum", "Maximum"))
    }
    if values["sample_count"] <= 0 or values["minimum"] > values["maximum"]:
        raise InvalidParameterValue(f"The parameter {field} is not a valid statistic set.")
    return StatisticSet(**values)


def _number(value: object, name: str) -> float:
    number = float(value)  # type: ignore[arg-type]  # the wire layer hands doubles
    if not math.isfinite(number) or abs(number) > MAX_MAGNITUDE:
        raise InvalidParameterValue(texts.VALUE_INVALID.format(value=texts.number_shown(number), name=name))
    return number


OPERATIONS: dict[str, Handler] = {"PutMetricData": put_metric_data}
