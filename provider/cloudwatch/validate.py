"""AWS's checks on CloudWatch requests, shared by the operations; each raises the error AWS returns.

>>> check_period(300, "Period")
300
>>> check_period(7, "Period")
Traceback (most recent call last):
provider.errors.InvalidParameterValue: The parameter Period must be 1, 5, 10, 30 or a multiple of 60.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from provider import texts
from provider.cloudwatch.context import Params
from provider.cloudwatch.errors import InvalidParameterCombination, InvalidParameterValue, MissingParameter
from provider.cloudwatch.model import HIGH_RESOLUTION_PERIODS, MAX_DATAPOINTS, Unit
from provider.cloudwatch.timestamps import to_ms
from provider.errors import ApiError

MAX_DIMENSIONS = 30


def required(params: Params, key: str, name: str) -> Any:
    value = params.get(key)
    if value is None:
        raise MissingParameter(texts.PARAMETER_REQUIRED.format(name=name))
    return value


def check_period(period: int, name: str, error: type[ApiError] = InvalidParameterValue) -> int:
    if period <= 0 or (period % 60 and period not in HIGH_RESOLUTION_PERIODS):
        raise error(f"The parameter {name} must be 1, 5, 10, 30 or a multiple of 60.")
    return period


def time_range(start: datetime, end: datetime, period: int, error: type[ApiError] = InvalidParameterValue
               ) -> tuple[int, int]:
    """[start, end) in epoch ms, the start rounded down to the period (periods are aligned to the epoch)."""
    if start >= end:
        raise error(texts.START_EQUALS_END if start == end else texts.START_AFTER_END)
    period_ms = period * 1000
    return to_ms(start) // period_ms * period_ms, to_ms(end)


def datapoints(start_ms: int, end_ms: int, period: int) -> None:
    asked = math.ceil((end_ms - start_ms) / (period * 1000))
    if asked > MAX_DATAPOINTS:
        raise InvalidParameterCombination(
            f"You have requested up to {asked:,} datapoints, which exceeds the limit of {MAX_DATAPOINTS:,}. You"
            " may reduce the datapoints requested by increasing Period, or decreasing the time range."
        )


def unit(text: str | None, name: str = "Unit") -> Unit | None:
    if text is None:
        return None
    if text not in Unit.__members__.values():
        raise InvalidParameterValue(f"The value {text} for parameter {name} is not a valid unit.")
    return Unit(text)


def dimensions(items: Sequence[Params] | None, name: str) -> tuple[tuple[str, str], ...]:
    """[{'name': 'LoadBalancer', 'value': 'app/a/1'}] -> (('LoadBalancer', 'app/a/1'),); names unique, ≤ 30."""
    pairs = [(str(required(d, "name", f"{name}.Name")), str(required(d, "value", f"{name}.Value"))) for d in
             items or ()]
    if len(pairs) > MAX_DIMENSIONS:
        raise InvalidParameterValue(f"The collection {name} must not have a size greater than {MAX_DIMENSIONS}.")
    names = [n for n, _ in pairs]
    if len(set(names)) != len(names):
        raise InvalidParameterValue(texts.DUPLICATE_DIMENSION)
    return tuple(sorted(pairs))
