"""PutMetricAlarm's definition checked as AWS checks it, into a typed Alarm (AWS's codes: ValidationError,
InvalidParameterValue, InvalidParameterCombination, MissingParameter).

Usage: ``parse_alarm({"alarm_name": "a", "metric_name": "RequestCount", ..., "period": 7}, arn, now)`` raises
ValidationError (a period is 10, 30 or a multiple of 60).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from provider import texts
from provider.cloudwatch import insights, math, validate
from provider.cloudwatch.alarm_model import (
    MAX_EVALUATED_SECONDS,
    Alarm,
    AlarmQuery,
    Comparison,
    MetricStat,
    TreatMissing,
)
from provider.cloudwatch.context import Params
from provider.cloudwatch.errors import InvalidParameterCombination, ValidationError
from provider.cloudwatch.model import Percentile, Statistic, parse_stat

ALARM_PERIODS = (10, 30)  # besides multiples of 60


def _period(value: object, name: str) -> int:
    period = int(str(value))
    if period <= 0 or (period % 60 and period not in ALARM_PERIODS):
        raise ValidationError(f"The parameter {name} must be 10, 30 or a multiple of 60.")
    return period


def _enum(kind: type[StrEnum], value: object, name: str) -> str:
    if str(value) not in kind.__members__.values():
        allowed = ", ".join(kind.__members__.values())
        raise ValidationError(f"The value {value} for parameter {name} is not valid; it must be one of: {allowed}")
    return str(value)


def _stat(params: Params) -> tuple[str | None, str | None]:
    statistic, extended = params.get("statistic"), params.get("extended_statistic")
    if (statistic is None) == (extended is None):
        raise InvalidParameterCombination("Exactly one of Statistic and ExtendedStatistic must be specified.")
    if statistic is not None and statistic not in Statistic.__members__.values():
        raise ValidationError(f"The value {statistic} for parameter Statistic is not valid.")
    if extended is not None and not isinstance(parse_stat(str(extended)), Percentile):
        raise ValidationError(f"The value {extended} for parameter ExtendedStatistic is not a valid percentile.")
    return statistic, extended


def parse_queries(items: list[Params], band_id: str | None = None, name: str = "Metrics"
                  ) -> tuple[tuple[AlarmQuery, ...], int]:
    """Metrics=[...] (or a metric math anomaly detector's queries, ``name``) -> typed queries and the period of their
    metrics; exactly one returns data (besides the anomaly detection band ``band_id`` names, which may too)."""
    out: list[AlarmQuery] = []
    for n, item in enumerate(items, 1):
        where = f"{name}.member.{n}"
        qid = str(validate.required(item, "id", f"{where}.Id"))
        stat, expression = item.get("metric_stat"), item.get("expression")
        if (stat is None) == (expression is None):
            raise ValidationError(f"Exactly one of {where}.MetricStat and {where}.Expression must be given.")
        metric_stat, period = None, item.get("period")
        if stat is not None:
            m = validate.required(stat, "metric", f"{where}.MetricStat.Metric")
            text = str(validate.required(stat, "stat", f"{where}.MetricStat.Stat"))
            if parse_stat(text) is None:
                raise ValidationError(f"The value {text} for parameter {where}.MetricStat.Stat is not valid.")
            metric_stat = MetricStat(
                str(validate.required(m, "namespace", f"{where}.MetricStat.Metric.Namespace")),
                str(validate.required(m, "metric_name", f"{where}.MetricStat.Metric.MetricName")),
                validate.dimensions(m.get("dimensions"), f"{where}.MetricStat.Metric.Dimensions"),
                _period(validate.required(stat, "period", f"{where}.MetricStat.Period"), f"{where}.MetricStat.Period"),
                text, validate.unit(stat.get("unit"), f"{where}.MetricStat.Unit"))
        elif insights.is_query(str(expression)):
            try:
                insights.parse(str(expression))
            except insights.InsightsError as e:
                raise ValidationError(f"Error in expression {qid!r}: {e}") from None
            period = _period(validate.required(item, "period", f"{where}.Period"), f"{where}.Period")
        else:
            try:
                math.parse(str(expression))
            except math.MathError as e:
                raise ValidationError(f"Error in expression {qid!r}: {e}") from None
        out.append(AlarmQuery(qid, metric_stat, None if expression is None else str(expression), item.get("label"),
                              item.get("return_data") is not False, period))
    if sum(q.return_data for q in out if q.id != band_id) != 1:
        raise ValidationError("Exactly one element of the metrics list should return data.")
    if band_id is not None:
        _band(out, band_id)
    periods = {q.metric_stat.period for q in out if q.metric_stat is not None}
    periods |= {int(q.period) for q in out if q.expression is not None and insights.is_query(q.expression)
                and q.period is not None}
    if not periods:
        raise ValidationError("The metrics list must contain at least one MetricStat.")
    return tuple(out), max(periods)


def _band(queries: list[AlarmQuery], band_id: str) -> None:
    """ThresholdMetricId names an ANOMALY_DETECTION_BAND of another query of the alarm."""
    chosen = next((q for q in queries if q.id == band_id), None)
    expression = chosen.expression if chosen is not None else None
    of = math.band_call(math.parse(expression)) if expression and not insights.is_query(expression) else None
    if of is None or of not in {q.id for q in queries if q.id != band_id}:
        raise ValidationError(texts.THRESHOLD_METRIC_NOT_BAND.format(id=band_id))


def _threshold(params: Params, comparison: Comparison) -> tuple[float | None, str | None]:
    """(Threshold, ThresholdMetricId): a static threshold, or the id of an anomaly detection band (AWS's rule:
    the comparison operators for ranges need ThresholdMetricId, and only they take it)."""
    threshold, band_id = params.get("threshold"), params.get("threshold_metric_id")
    if comparison.is_band and band_id is None:
        raise ValidationError(texts.RANGES_NEED_THRESHOLD_METRIC)
    if band_id is not None and not comparison.is_band:
        raise ValidationError(texts.THRESHOLD_METRIC_NEEDS_RANGES)
    if band_id is not None and threshold is not None:
        raise ValidationError(texts.THRESHOLD_WITH_METRIC_ID)
    if band_id is None and threshold is None:
        raise ValidationError("The parameter Threshold is required for a static-threshold alarm.")
    if band_id is not None and not params.get("metrics"):
        raise ValidationError(texts.THRESHOLD_METRIC_NEEDS_METRICS)
    return (None if threshold is None else float(threshold)), (None if band_id is None else str(band_id))


def parse_alarm(params: Params, arn: str, now: datetime) -> Alarm:
    name = str(validate.required(params, "alarm_name", "AlarmName"))
    if not 1 <= len(name) <= 255:
        raise ValidationError("The parameter AlarmName must be between 1 and 255 characters long.")
    evaluation = int(validate.required(params, "evaluation_periods", "EvaluationPeriods"))
    if evaluation < 1:
        raise ValidationError("The parameter EvaluationPeriods must be greater than or equal to 1.")
    comparison = Comparison(_enum(Comparison, validate.required(params, "comparison_operator",
                                                                  "ComparisonOperator"), "ComparisonOperator"))
    threshold, band_id = _threshold(params, comparison)
    items = params.get("metrics") or []
    single = params.get("metric_name") is not None or params.get("namespace") is not None
    if bool(items) == single:
        raise InvalidParameterCombination("Exactly one of MetricName/Namespace and Metrics must be specified.")
    metric: MetricStat | None = None
    queries: tuple[AlarmQuery, ...] = ()
    statistic, extended = None, None
    if items:
        if any(params.get(k) is not None for k in ("statistic", "extended_statistic", "period", "dimensions")):
            raise InvalidParameterCombination("Statistic, ExtendedStatistic, Period and Dimensions cannot be given"
                                              " with Metrics.")
        queries, period = parse_queries(items, band_id)
    else:
        statistic, extended = _stat(params)
        period = _period(validate.required(params, "period", "Period"), "Period")
        metric = MetricStat(str(validate.required(params, "namespace", "Namespace")),
                            str(validate.required(params, "metric_name", "MetricName")),
                            validate.dimensions(params.get("dimensions"), "Dimensions"), period,
                            str(statistic or extended), validate.unit(params.get("unit")))
    if period * evaluation > MAX_EVALUATED_SECONDS:
        raise ValidationError("The product of Period and EvaluationPeriods must not exceed 604800 seconds (7 days).")
    to_alarm = params.get("datapoints_to_alarm")
    if to_alarm is not None and int(to_alarm) > evaluation:
        raise ValidationError("DatapointsToAlarm must be less than or equal to EvaluationPeriods")  # AWS's words
    if to_alarm is not None and int(to_alarm) < 1:
        raise ValidationError("The parameter DatapointsToAlarm must be greater than or equal to 1.")
    treat = TreatMissing(_enum(TreatMissing, params.get("treat_missing_data") or "missing", "TreatMissingData"))
    low = params.get("evaluate_low_sample_count_percentile")
    if low is not None and low not in ("evaluate", "ignore"):
        raise ValidationError(f"The value {low} for parameter EvaluateLowSampleCountPercentile is not valid.")
    return Alarm(
        name=name, arn=arn, evaluation_periods=evaluation, comparison=comparison, threshold=threshold,
        period=period, configured_at=now, state_updated_at=now, description=params.get("alarm_description"),
        actions_enabled=params.get("actions_enabled") is not False,
        ok_actions=tuple(params.get("ok_actions") or ()), alarm_actions=tuple(params.get("alarm_actions") or ()),
        insufficient_data_actions=tuple(params.get("insufficient_data_actions") or ()), metric=metric,
        queries=queries, statistic=statistic, extended_statistic=extended,
        datapoints_to_alarm=None if to_alarm is None else int(to_alarm), treat_missing=treat,
        evaluate_low_sample_count_percentile=low, threshold_metric_id=band_id,
    )
