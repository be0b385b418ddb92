"""Alarm evaluation: a pure decision over the last EvaluationPeriods values, and the loop that fetches them
through GetMetricData (so metric math and percentiles mean what they mean there) and stores state changes.

Usage: ``decide(alarm, [(t0_ms, 5.0)], now).reason`` (Threshold 1, GreaterThanOrEqualToThreshold, 1 of 1) ->
'Threshold Crossed: 1 datapoint [5.0 (30/11/26 04:01:00)] was greater than or equal to the threshold (1.0).'
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from provider.background import every
from provider.cloudwatch import alarm_store as stored
from provider.cloudwatch import metric_data
from provider.cloudwatch.alarm_model import (
    Alarm,
    AlarmQuery,
    Comparison,
    Decision,
    MetricStat,
    StateValue,
    TreatMissing,
)
from provider.cloudwatch.context import Context
from provider.cloudwatch.timestamps import to_datetime, to_ms
from provider.errors import ApiError

log = logging.getLogger("elbv2.alarms")

EVALUATE_SECONDS = 1.0  # alarms with 10 s periods react within about one period

Point = tuple[int, float | None]  # period start (epoch ms), value or None when the period had no data
Band = tuple[float, float]  # an anomaly detection band's (lower, upper) at a period


def _when(ms: int) -> str:
    return to_datetime(ms).strftime("%d/%m/%y %H:%M:%S")


def _listed(points: Sequence[tuple[int, float]]) -> str:
    return ", ".join(f"{float(v)} ({_when(t)})" for t, v in points)


def decide(alarm: Alarm, points: Sequence[Point], now: datetime, bands: Mapping[int, Band] | None = None
           ) -> Decision | None:
    """The state the last ``EvaluationPeriods`` points (oldest first) put the alarm in; None keeps the current
    one (TreatMissingData=ignore with no data). An anomaly detection alarm compares each point with the band at
    its period (``bands``; a period without a band has no point)."""
    bands = bands or {}
    treat = alarm.treat_missing
    present = [(t, v) for t, v in points if v is not None]
    if not present and treat in (TreatMissing.MISSING, TreatMissing.IGNORE):
        if treat is TreatMissing.IGNORE:
            return None
        n = len(points)
        return Decision(StateValue.INSUFFICIENT_DATA, f"Insufficient Data: {n} datapoint{'s' * (n != 1)} "
                        f"{'were' if n != 1 else 'was'} unknown.", _data(alarm, points, now, bands))
    missing_breaches = treat is TreatMissing.BREACHING
    counted = points if treat in (TreatMissing.BREACHING, TreatMissing.NOT_BREACHING) else present
    breaching = [p for p in counted if (p[1] is None and missing_breaches)
                 or (p[1] is not None and _breaches(alarm, p[0], p[1], bands))]
    state = StateValue.ALARM if len(breaching) >= alarm.needed else StateValue.OK
    shown = [(t, v) for t, v in reversed(present) if state is StateValue.OK or (t, v) in breaching]
    return Decision(state, _reason(alarm, state, shown, len(counted), bands), _data(alarm, points, now, bands))


def _breaches(alarm: Alarm, t: int, value: float, bands: Mapping[int, Band]) -> bool:
    if alarm.threshold is not None:
        return alarm.comparison.breaches(value, alarm.threshold)
    lower, upper = bands[t]
    return alarm.comparison.leaves(value, lower, upper)


def _reason(alarm: Alarm, state: StateValue, shown: list[tuple[int, float]], out_of: int,
            bands: Mapping[int, Band]) -> str:
    n = len(shown)
    if alarm.evaluation_periods == 1 or n == out_of == 1:
        what = f"{n} datapoint{'s' * (n != 1)} [{_listed(shown)}] {'was' if n == 1 else 'were'}"
    else:
        what = f"{n} out of the last {out_of} datapoints [{_listed(shown)}] were"
    tail = ""
    if state is StateValue.ALARM and alarm.needed > 1:
        tail = f" (minimum {alarm.needed} datapoints for OK -> ALARM transition)"
    if alarm.threshold is None:
        return f"Thresholds Crossed: {what} {_band_words(alarm, state, shown, bands)}{tail}."
    words = alarm.comparison.words if state is StateValue.ALARM else f"not {alarm.comparison.words}"
    return f"Threshold Crossed: {what} {words} the threshold ({alarm.threshold}){tail}."


def _band_words(alarm: Alarm, state: StateValue, shown: list[tuple[int, float]], bands: Mapping[int, Band]) -> str:
    """'greater than the upper thresholds [12.5]' (AWS's wording for anomaly detection alarms is not known)."""
    lower = f"less than the lower thresholds [{', '.join(str(bands[t][0]) for t, _ in shown)}]"
    upper = f"greater than the upper thresholds [{', '.join(str(bands[t][1]) for t, _ in shown)}]"
    sides = {Comparison.BELOW_BAND: lower, Comparison.ABOVE_BAND: upper}.get(alarm.comparison, f"{lower} or {upper}")
    return sides if state is StateValue.ALARM else f"not {sides}"


def _data(alarm: Alarm, points: Sequence[Point], now: datetime, bands: Mapping[int, Band]) -> str:
    stat = alarm.statistic or alarm.extended_statistic
    data: dict[str, Any] = {
        "version": "1.0",
        "queryDate": now.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "startDate": to_datetime(points[0][0]).strftime("%Y-%m-%dT%H:%M:%S.000+0000") if points else None,
        **({"statistic": stat} if stat else {}),
        "period": alarm.period,
        "recentDatapoints": [v for _, v in points if v is not None],
        **({"threshold": alarm.threshold} if alarm.threshold is not None else {
            "recentLowerThresholds": [bands[t][0] for t, v in points if v is not None],
            "recentUpperThresholds": [bands[t][1] for t, v in points if v is not None]}),
        "evaluatedDatapoints": [
            {"timestamp": to_datetime(t).strftime("%Y-%m-%dT%H:%M:%S.000+0000"), **({"value": v} if v is not None
                                                                                     else {})}
            for t, v in reversed(points)
        ],
    }
    return json.dumps(data, separators=(",", ":"))


def _stat_query(qid: str, m: MetricStat, return_data: bool = True) -> dict[str, Any]:
    metric = {"namespace": m.namespace, "metric_name": m.metric_name,
              "dimensions": [{"name": n, "value": v} for n, v in m.dimensions]}
    stat = {"metric": metric, "period": m.period, "stat": m.stat, **({"unit": m.unit} if m.unit else {})}
    return {"id": qid, "metric_stat": stat, "return_data": return_data}


def _query(q: AlarmQuery, band_id: str | None) -> dict[str, Any]:
    if q.metric_stat is not None:
        return _stat_query(q.id, q.metric_stat, q.return_data)
    period = {"period": q.period} if q.period is not None else {}
    return {"id": q.id, "expression": q.expression, "return_data": q.return_data or q.id == band_id, **period}


def points(ctx: Context, alarm: Alarm, now: datetime) -> tuple[list[Point], dict[int, Band]]:
    """The values of the last EvaluationPeriods complete periods, oldest first (None: no data), and an anomaly
    detection alarm's band at those periods (a period without a band has no value)."""
    period_ms = alarm.period * 1000
    end = to_ms(now) // period_ms * period_ms
    grid = [end - (alarm.evaluation_periods - i) * period_ms for i in range(alarm.evaluation_periods)]
    band_id = alarm.threshold_metric_id
    queries = ([_stat_query("m", alarm.metric)] if alarm.metric is not None
               else [_query(q, band_id) for q in alarm.queries])
    result = metric_data.get_metric_data(ctx, {"metric_data_queries": queries, "start_time": to_datetime(grid[0]),
                                               "end_time": to_datetime(end)})
    found = [(r["id"], dict(zip(r["timestamps"], r["values"], strict=True)))
             for r in result["metric_data_results"]]
    values = next((s for qid, s in found if qid != band_id), {})
    bands: dict[int, Band] = {}
    if band_id is not None:
        upper, lower = ([s for qid, s in found if qid == band_id] + [{}, {}])[:2]
        bands = {t: (lower[t], upper[t]) for t in grid if t in lower and t in upper}
        values = {t: v for t, v in values.items() if t in bands}
    return [(t, values.get(t)) for t in grid], bands


def evaluate_all(ctx: Context, now: datetime) -> int:
    """Evaluate every alarm once and store the state changes; returns how many changed."""
    changed = 0
    for alarm in stored.all_alarms(ctx.store):
        try:  # in the alarm's region: its anomaly detectors are that region's
            values, bands = points(dataclasses.replace(ctx, region=alarm.region), alarm, now)
            decision = decide(alarm, values, now, bands)
        except ApiError as e:  # a metric-math error the definition's checks could not foresee
            decision = Decision(StateValue.INSUFFICIENT_DATA, f"Unchecked: {e.message}", "{}")
        if decision is None or decision.state is alarm.state:
            continue
        moved = dataclasses.replace(alarm, state=decision.state, state_reason=decision.reason,
                                    state_reason_data=decision.reason_data, state_updated_at=now)
        changed += stored.swap_alarm(ctx.store, alarm, moved)
    return changed


async def run_alarms(ctx: Context) -> None:
    """Evaluate alarms until cancelled (an app background task)."""

    async def step(now: float) -> None:
        await asyncio.to_thread(evaluate_all, ctx, datetime.fromtimestamp(now, UTC))

    await every(EVALUATE_SECONDS, step, log=log, failure="could not evaluate alarms")
