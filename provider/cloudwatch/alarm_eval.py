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
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from provider.background import every
from provider.cloudwatch import alarm_store as stored
from provider.cloudwatch import metric_data
from provider.cloudwatch.alarm_model import Alarm, AlarmQuery, Decision, MetricStat, StateValue, TreatMissing
from provider.cloudwatch.context import Context
from provider.cloudwatch.timestamps import to_datetime, to_ms
from provider.errors import ApiError

log = logging.getLogger("elbv2.alarms")

EVALUATE_SECONDS = 1.0  # alarms with 10 s periods react within about one period

Point = tuple[int, float | None]  # period start (epoch ms), value or None when the period had no data


def _when(ms: int) -> str:
    return to_datetime(ms).strftime("%d/%m/%y %H:%M:%S")


def _listed(points: Sequence[tuple[int, float]]) -> str:
    return ", ".join(f"{float(v)} ({_when(t)})" for t, v in points)


def decide(alarm: Alarm, points: Sequence[Point], now: datetime) -> Decision | None:
    """The state the last ``EvaluationPeriods`` points (oldest first) put the alarm in; None keeps the current
    one (TreatMissingData=ignore with no data)."""
    treat = alarm.treat_missing
    present = [(t, v) for t, v in points if v is not None]
    if not present and treat in (TreatMissing.MISSING, TreatMissing.IGNORE):
        if treat is TreatMissing.IGNORE:
            return None
        n = len(points)
        return Decision(StateValue.INSUFFICIENT_DATA, f"Insufficient Data: {n} datapoint{'s' * (n != 1)} "
                        f"{'were' if n != 1 else 'was'} unknown.", _data(alarm, points, now))
    missing_breaches = treat is TreatMissing.BREACHING
    counted = points if treat in (TreatMissing.BREACHING, TreatMissing.NOT_BREACHING) else present
    breaching = [p for p in counted if (p[1] is None and missing_breaches)
                 or (p[1] is not None and alarm.comparison.breaches(p[1], alarm.threshold))]
    state = StateValue.ALARM if len(breaching) >= alarm.needed else StateValue.OK
    shown = [(t, v) for t, v in reversed(present) if state is StateValue.OK or (t, v) in breaching]
    return Decision(state, _reason(alarm, state, shown, len(counted)), _data(alarm, points, now))


def _reason(alarm: Alarm, state: StateValue, shown: list[tuple[int, float]], out_of: int) -> str:
    words = alarm.comparison.words if state is StateValue.ALARM else f"not {alarm.comparison.words}"
    n = len(shown)
    if alarm.evaluation_periods == 1 or n == out_of == 1:
        what = f"{n} datapoint{'s' * (n != 1)} [{_listed(shown)}] {'was' if n == 1 else 'were'}"
    else:
        what = f"{n} out of the last {out_of} datapoints [{_listed(shown)}] were"
    tail = ""
    if state is StateValue.ALARM and alarm.needed > 1:
        tail = f" (minimum {alarm.needed} datapoints for OK -> ALARM transition)"
    return f"Threshold Crossed: {what} {words} the threshold ({alarm.threshold}){tail}."


def _data(alarm: Alarm, points: Sequence[Point], now: datetime) -> str:
    stat = alarm.statistic or alarm.extended_statistic
    data: dict[str, Any] = {
        "version": "1.0",
        "queryDate": now.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "startDate": to_datetime(points[0][0]).strftime("%Y-%m-%dT%H:%M:%S.000+0000") if points else None,
        **({"statistic": stat} if stat else {}),
        "period": alarm.period,
        "recentDatapoints": [v for _, v in points if v is not None],
        "threshold": alarm.threshold,
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


def _query(q: AlarmQuery) -> dict[str, Any]:
    if q.metric_stat is not None:
        return _stat_query(q.id, q.metric_stat, q.return_data)
    period = {"period": q.period} if q.period is not None else {}
    return {"id": q.id, "expression": q.expression, "return_data": q.return_data, **period}


def points(ctx: Context, alarm: Alarm, now: datetime) -> list[Point]:
    """The values of the last EvaluationPeriods complete periods, oldest first (None: no data)."""
    period_ms = alarm.period * 1000
    end = to_ms(now) // period_ms * period_ms
    grid = [end - (alarm.evaluation_periods - i) * period_ms for i in range(alarm.evaluation_periods)]
    queries = [_stat_query("m", alarm.metric)] if alarm.metric is not None else [_query(q) for q in alarm.queries]
    result = metric_data.get_metric_data(ctx, {"metric_data_queries": queries, "start_time": to_datetime(grid[0]),
                                               "end_time": to_datetime(end)})
    found = result["metric_data_results"]
    values = dict(zip((to_ms(t) for t in found[0]["timestamps"]), found[0]["values"], strict=True)) if found else {}
    return [(t, values.get(t)) for t in grid]


def evaluate_all(ctx: Context, now: datetime) -> int:
    """Evaluate every alarm once and store the state changes; returns how many changed."""
    changed = 0
    for alarm in stored.all_alarms(ctx.store):
        try:
            decision = decide(alarm, points(ctx, alarm, now), now)
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
