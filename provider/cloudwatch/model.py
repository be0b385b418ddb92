"""The CloudWatch domain: metrics, statistics, the per-period aggregates the store computes, data points put.

>>> parse_stat("p99.9")
Percentile(q=99.9, name='p99.9')
>>> Metric.of("AWS/ApplicationELB", "RequestCount", {"LoadBalancer": "app/web/1"}).dimensions
(('LoadBalancer', 'app/web/1'),)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

MAX_DATAPOINTS = 1440  # GetMetricStatistics, per call
HIGH_RESOLUTION_PERIODS = (1, 5, 10, 30)  # besides any multiple of 60


class Statistic(StrEnum):
    SAMPLE_COUNT = "SampleCount"
    AVERAGE = "Average"
    SUM = "Sum"
    MINIMUM = "Minimum"
    MAXIMUM = "Maximum"


class Unit(StrEnum):
    SECONDS = "Seconds"
    MICROSECONDS = "Microseconds"
    MILLISECONDS = "Milliseconds"
    BYTES = "Bytes"
    KILOBYTES = "Kilobytes"
    MEGABYTES = "Megabytes"
    GIGABYTES = "Gigabytes"
    TERABYTES = "Terabytes"
    BITS = "Bits"
    KILOBITS = "Kilobits"
    MEGABITS = "Megabits"
    GIGABITS = "Gigabits"
    TERABITS = "Terabits"
    PERCENT = "Percent"
    COUNT = "Count"
    BYTES_PER_SECOND = "Bytes/Second"
    KILOBYTES_PER_SECOND = "Kilobytes/Second"
    MEGABYTES_PER_SECOND = "Megabytes/Second"
    GIGABYTES_PER_SECOND = "Gigabytes/Second"
    TERABYTES_PER_SECOND = "Terabytes/Second"
    BITS_PER_SECOND = "Bits/Second"
    KILOBITS_PER_SECOND = "Kilobits/Second"
    MEGABITS_PER_SECOND = "Megabits/Second"
    GIGABITS_PER_SECOND = "Gigabits/Second"
    TERABITS_PER_SECOND = "Terabits/Second"
    COUNT_PER_SECOND = "Count/Second"
    NONE = "None"


@dataclass(frozen=True, slots=True)
class Percentile:
    q: float  # 0..100
    name: str  # as asked ('p99.9'); the key of ExtendedStatistics in the answer


Stat = Statistic | Percentile

_PERCENTILE = re.compile(r"p(\d{1,3}(?:\.\d{1,10})?)")


def parse_stat(text: str) -> Stat | None:
    """'Sum' -> Statistic.SUM, 'p99' -> Percentile(99.0, 'p99'); None when CloudWatch has no such statistic."""
    if text in Statistic.__members__.values():
        return Statistic(text)
    m = _PERCENTILE.fullmatch(text)
    if m is None or float(m.group(1)) > 100:
        return None
    return Percentile(float(m.group(1)), text)


def stat_name(stat: Stat) -> str:
    """Statistic.SUM -> 'Sum', Percentile(99.0, 'p99') -> 'p99': the text parse_stat read."""
    return stat.name if isinstance(stat, Percentile) else str(stat)


Dimensions = tuple[tuple[str, str], ...]  # sorted by name


@dataclass(frozen=True, slots=True)
class Metric:
    namespace: str
    name: str
    dimensions: Dimensions = ()

    @staticmethod
    def of(namespace: str, name: str, dimensions: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> Metric:
        pairs = dimensions.items() if isinstance(dimensions, Mapping) else dimensions
        return Metric(namespace, name, tuple(sorted(pairs)))

    @property
    def dimension_names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.dimensions)


@dataclass(frozen=True, slots=True)
class SeriesQuery:
    """One metric's statistics per period over [start_ms, end_ms); periods are aligned to the epoch."""

    metric: Metric
    period: int  # seconds
    start_ms: int
    end_ms: int
    unit: Unit | None = None  # only data put with this unit
    percentiles: tuple[float, ...] = ()  # 0..100
    statistics: frozenset[Statistic] = frozenset(Statistic)  # the ones the caller reads; others may be NaN


@dataclass(frozen=True, slots=True)
class Aggregates:
    """The statistics of the periods that have data, column by column (a period without data is absent).

    Columns, not one object per period: a day of one-minute periods for ten metrics is 14,400 periods.
    """

    unit: Unit
    start_ms: list[int] = field(default_factory=list)
    sample_count: list[float] = field(default_factory=list)
    sum: list[float] = field(default_factory=list)
    minimum: list[float] = field(default_factory=list)
    maximum: list[float] = field(default_factory=list)
    percentiles: list[list[float | None]] = field(default_factory=list)  # one column per SeriesQuery.percentiles

    def values(self, stat: Stat, asked: tuple[float, ...] = ()) -> list[float | None]:
        """One statistic per period; a percentile needs the query's percentile list to find its column."""
        if isinstance(stat, Percentile):
            at = asked.index(stat.q) if stat.q in asked else len(self.percentiles)
            if at >= len(self.percentiles):  # not asked, or no period counted anything (no columns then)
                return [None] * len(self.start_ms)
            return list(self.percentiles[at])
        if stat is Statistic.AVERAGE:
            return [total / n if n else None for total, n in zip(self.sum, self.sample_count, strict=True)]
        column: list[float] = {
            Statistic.SAMPLE_COUNT: self.sample_count,
            Statistic.SUM: self.sum,
            Statistic.MINIMUM: self.minimum,
            Statistic.MAXIMUM: self.maximum,
        }[stat]
        return list(column)


@dataclass(frozen=True, slots=True)
class StatisticSet:
    sample_count: float
    sum: float
    minimum: float
    maximum: float


@dataclass(frozen=True, slots=True)
class Datum:
    """One PutMetricData item, normalised: raw values with their counts, or a statistic set."""

    metric: Metric
    ts_ms: int
    unit: Unit
    values: tuple[tuple[float, float], ...] = ()  # (value, how many times)
    statistics: StatisticSet | None = None
    storage_resolution: int = 60
