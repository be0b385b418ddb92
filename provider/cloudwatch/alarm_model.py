"""CloudWatch metric alarms: the definition PutMetricAlarm stores and the state evaluation moves.

>>> Comparison.GREATER_OR_EQUAL.breaches(5.0, 1.0)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

INITIAL_REASON = "Unchecked: Initial alarm creation"
MAX_EVALUATED_SECONDS = 7 * 24 * 3600  # Period x EvaluationPeriods, as AWS bounds it
PAGE_SIZE = 50  # DescribeAlarms MaxRecords default and maximum (100 on AWS; 50 keeps pages small)


class StateValue(StrEnum):
    OK = "OK"
    ALARM = "ALARM"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


class Comparison(StrEnum):
    GREATER_OR_EQUAL = "GreaterThanOrEqualToThreshold"
    GREATER = "GreaterThanThreshold"
    LESS = "LessThanThreshold"
    LESS_OR_EQUAL = "LessThanOrEqualToThreshold"
    OUTSIDE_BAND = "LessThanLowerOrGreaterThanUpperThreshold"  # the three "for ranges": anomaly detection bands
    BELOW_BAND = "LessThanLowerThreshold"
    ABOVE_BAND = "GreaterThanUpperThreshold"

    @property
    def is_band(self) -> bool:
        return self in (Comparison.OUTSIDE_BAND, Comparison.BELOW_BAND, Comparison.ABOVE_BAND)

    def leaves(self, value: float, lower: float, upper: float) -> bool:
        """Whether a value breaches a band: below it, above it, or either (OUTSIDE_BAND)."""
        below, above = value < lower, value > upper
        return {Comparison.BELOW_BAND: below, Comparison.ABOVE_BAND: above}.get(self, below or above)

    def breaches(self, value: float, threshold: float) -> bool:
        if self is Comparison.GREATER_OR_EQUAL:
            return value >= threshold
        if self is Comparison.GREATER:
            return value > threshold
        if self is Comparison.LESS:
            return value < threshold
        return value <= threshold

    @property
    def words(self) -> str:
        """'GreaterThanOrEqualToThreshold' -> 'greater than or equal to' (StateReason's phrasing)."""
        return {"GreaterThanOrEqualToThreshold": "greater than or equal to", "GreaterThanThreshold": "greater than",
                "LessThanThreshold": "less than", "LessThanOrEqualToThreshold": "less than or equal to"}[self]


class TreatMissing(StrEnum):
    MISSING = "missing"
    BREACHING = "breaching"
    NOT_BREACHING = "notBreaching"
    IGNORE = "ignore"


@dataclass(frozen=True, slots=True)
class MetricStat:
    namespace: str
    metric_name: str
    dimensions: tuple[tuple[str, str], ...]
    period: int
    stat: str  # 'Sum', 'p99'
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class AlarmQuery:
    """One entry of a metric-math alarm's Metrics: a metric or an expression over the others' ids."""

    id: str
    metric_stat: MetricStat | None = None
    expression: str | None = None
    label: str | None = None
    return_data: bool = True
    period: int | None = None


@dataclass(frozen=True, slots=True)
class Alarm:
    name: str
    arn: str
    evaluation_periods: int
    comparison: Comparison
    threshold: float | None  # None: an anomaly detection alarm, whose thresholds are a band's
    period: int  # of the single metric, or of the metric-math alarm's metrics
    configured_at: datetime
    state_updated_at: datetime
    description: str | None = None
    actions_enabled: bool = True
    ok_actions: tuple[str, ...] = ()
    alarm_actions: tuple[str, ...] = ()
    insufficient_data_actions: tuple[str, ...] = ()
    metric: MetricStat | None = None  # a single-metric alarm; otherwise `queries`
    queries: tuple[AlarmQuery, ...] = ()
    statistic: str | None = None  # which of Statistic / ExtendedStatistic the client gave
    extended_statistic: str | None = None
    datapoints_to_alarm: int | None = None  # None: EvaluationPeriods
    treat_missing: TreatMissing = TreatMissing.MISSING
    evaluate_low_sample_count_percentile: str | None = None
    state: StateValue = StateValue.INSUFFICIENT_DATA
    state_reason: str = INITIAL_REASON
    state_reason_data: str | None = None
    threshold_metric_id: str | None = None  # the Metrics entry whose ANOMALY_DETECTION_BAND is the threshold

    @property
    def needed(self) -> int:
        return self.datapoints_to_alarm or self.evaluation_periods

    @property
    def region(self) -> str:
        return self.arn.split(":")[3]


@dataclass(frozen=True, slots=True)
class Decision:
    """What one evaluation found: the new state, its reason and the JSON of StateReasonData."""

    state: StateValue
    reason: str
    reason_data: str
