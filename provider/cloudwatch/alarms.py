"""The alarm operations: PutMetricAlarm (with its Tags), DescribeAlarms, DescribeAlarmsForMetric, DeleteAlarms,
SetAlarmState, Enable/DisableAlarmActions. Evaluation lives in alarm_eval.py; definitions are checked in alarm_parse.py.

Usage: ``put_metric_alarm(ctx, {"alarm_name": "5xx", "namespace": "AWS/ApplicationELB", ...})`` -> ``{}``.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from provider import texts
from provider.cloudwatch import alarm_store as stored
from provider.cloudwatch import math, tag_store, tags, validate
from provider.cloudwatch.alarm_model import PAGE_SIZE, Alarm, AlarmQuery, MetricStat, StateValue
from provider.cloudwatch.alarm_parse import parse_alarm
from provider.cloudwatch.anomaly_store import AnomalyDetector, ensure
from provider.cloudwatch.context import Context, Handler, Params, Result
from provider.cloudwatch.errors import InvalidNextToken, InvalidParameterCombination, ValidationError
from provider.cloudwatch.paging import answer, page
from provider.errors import ApiError


class ResourceNotFound(ApiError):
    code = "ResourceNotFound"
    status = 404


class InvalidFormat(ApiError):
    code = "InvalidFormat"


def put_metric_alarm(ctx: Context, params: Params) -> Result:
    name = str(validate.required(params, "alarm_name", "AlarmName"))
    arn = stored.alarm_arn(ctx, name)
    old = stored.get_alarm(ctx.store, arn)
    now = ctx.now()
    alarm = parse_alarm(params, arn, now)
    new_tags = tags.parse(params.get("tags"))
    if old is not None:  # redefining keeps the state until the next evaluation, as AWS does
        alarm = dataclasses.replace(alarm, state=old.state, state_reason=old.state_reason,
                                    state_reason_data=old.state_reason_data, state_updated_at=old.state_updated_at)
    stored.put_alarms(ctx.store, [alarm])
    for m in _banded(alarm):
        ensure(ctx.store, AnomalyDetector(ctx.region, m.namespace, m.metric_name, m.dimensions, m.stat))
    if old is None and new_tags:  # Tags count only when the alarm is created, as on AWS
        tag_store.set_tags(ctx.store, alarm.arn, new_tags)
    return {}


def describe_alarms(ctx: Context, params: Params) -> Result:
    names, prefix = params.get("alarm_names") or [], params.get("alarm_name_prefix")
    if names and prefix:
        raise InvalidParameterCombination("AlarmNames and AlarmNamePrefix are mutually exclusive.")
    size = int(params.get("max_records") or PAGE_SIZE)
    if not 1 <= size <= 100:
        raise ValidationError("The parameter MaxRecords must be between 1 and 100.")
    state, action = params.get("state_value"), params.get("action_prefix")
    if state is not None and state not in StateValue.__members__.values():
        raise ValidationError(f"The value {state} for parameter StateValue is not valid.")
    types = params.get("alarm_types") or ["MetricAlarm"]
    found = [a for a in stored.regional_alarms(ctx) if "MetricAlarm" in types
             and (not names or a.name in names) and (not prefix or a.name.startswith(prefix))
             and (state is None or a.state == state)
             and (not action or any(x.startswith(action) for x in _actions(a)))]
    shown, token = page(found, lambda a: a.name, params.get("next_token"), size,
                        InvalidNextToken(texts.NEXT_TOKEN_UNPROCESSABLE))
    return answer("metric_alarms", [shape(a) for a in shown], token, composite_alarms=[])


def describe_alarms_for_metric(ctx: Context, params: Params) -> Result:
    namespace = validate.required(params, "namespace", "Namespace")
    metric_name = validate.required(params, "metric_name", "MetricName")
    dims = validate.dimensions(params.get("dimensions"), "Dimensions")
    wanted = {k: params.get(k) for k in ("statistic", "extended_statistic", "period", "unit") if params.get(k)}

    def matches(m: MetricStat, a: Alarm) -> bool:
        if (m.namespace, m.metric_name) != (namespace, metric_name) or (params.get("dimensions") and
                                                                          m.dimensions != dims):
            return False
        have = {"statistic": a.statistic, "extended_statistic": a.extended_statistic, "period": m.period,
                "unit": m.unit}
        return all(have[k] == v for k, v in wanted.items())

    found = [a for a in stored.regional_alarms(ctx) if any(matches(m, a) for m in _metric_stats(a))]
    return {"metric_alarms": [shape(a) for a in found]}


def delete_alarms(ctx: Context, params: Params) -> Result:
    names = [str(n) for n in params.get("alarm_names") or []]
    if len(names) > 100:
        raise ValidationError("The collection AlarmNames must not have a size greater than 100.")
    arns = [a.arn for a in stored.regional_alarms(ctx) if a.name in names]
    stored.delete_alarms(ctx, names)  # names that do not exist are no error, as on AWS
    tag_store.delete_tags(ctx.store, arns)  # a new alarm of the name starts untagged
    return {}


def set_alarm_state(ctx: Context, params: Params) -> Result:
    name = str(validate.required(params, "alarm_name", "AlarmName"))
    value = str(validate.required(params, "state_value", "StateValue"))
    reason = str(validate.required(params, "state_reason", "StateReason"))
    data = params.get("state_reason_data")
    if data is not None:
        try:
            json.loads(data)
        except ValueError:
            raise InvalidFormat("StateReasonData is not valid JSON.") from None
    alarm = stored.get_alarm(ctx.store, stored.alarm_arn(ctx, name))
    if alarm is None:
        raise ResourceNotFound(texts.ALARM_NOT_FOUND.format(name=name))
    moved = dataclasses.replace(alarm, state=StateValue(value), state_reason=reason, state_reason_data=data,
                                state_updated_at=ctx.now())
    stored.put_alarms(ctx.store, [moved])
    return {}


def _set_actions(enabled: bool) -> Handler:
    def handler(ctx: Context, params: Params) -> Result:
        names = set(params.get("alarm_names") or [])
        chosen = [dataclasses.replace(a, actions_enabled=enabled) for a in stored.regional_alarms(ctx)
                  if a.name in names]
        stored.put_alarms(ctx.store, chosen)
        return {}

    return handler


def _actions(a: Alarm) -> tuple[str, ...]:
    return (*a.ok_actions, *a.alarm_actions, *a.insufficient_data_actions)


def _metric_stats(a: Alarm) -> list[MetricStat]:
    return [a.metric] if a.metric is not None else [q.metric_stat for q in a.queries if q.metric_stat is not None]



def _banded(a: Alarm) -> list[MetricStat]:
    """The metric an anomaly detection alarm's band is of, when it is a metric (not an expression)."""
    band = next((q for q in a.queries if q.id == a.threshold_metric_id and q.expression), None)
    of = math.band_call(math.parse(band.expression)) if band is not None and band.expression else None
    return [q.metric_stat for q in a.queries if q.id == of and q.metric_stat is not None]


def _dimensions(dims: tuple[tuple[str, str], ...]) -> list[Result]:
    return [{"name": n, "value": v} for n, v in dims]


def query_shape(q: AlarmQuery) -> Result:
    out: Result = {"id": q.id, "return_data": q.return_data}
    if q.metric_stat is not None:
        m = q.metric_stat
        stat: Result = {"metric": {"namespace": m.namespace, "metric_name": m.metric_name,
                                   "dimensions": _dimensions(m.dimensions)}, "period": m.period, "stat": m.stat}
        out["metric_stat"] = {**stat, **({"unit": m.unit} if m.unit else {})}
    for key, value in (("expression", q.expression), ("label", q.label), ("period", q.period)):
        if value is not None:
            out[key] = value
    return out


def shape(a: Alarm) -> Result:
    """An Alarm -> the MetricAlarm members (snake_case), only those AWS shows for its kind."""
    out: dict[str, Any] = {
        "alarm_name": a.name, "alarm_arn": a.arn, "alarm_configuration_updated_timestamp": a.configured_at,
        "actions_enabled": a.actions_enabled, "ok_actions": list(a.ok_actions), "alarm_actions": list(a.alarm_actions),
        "insufficient_data_actions": list(a.insufficient_data_actions), "state_value": str(a.state),
        "state_reason": a.state_reason, "state_updated_timestamp": a.state_updated_at,
        "state_transitioned_timestamp": a.state_updated_at, "evaluation_periods": a.evaluation_periods,
        "comparison_operator": str(a.comparison), "dimensions": [],
        "treat_missing_data": str(a.treat_missing),
    }
    optional = {"alarm_description": a.description, "state_reason_data": a.state_reason_data,
                "datapoints_to_alarm": a.datapoints_to_alarm, "statistic": a.statistic,
                "extended_statistic": a.extended_statistic,
                "evaluate_low_sample_count_percentile": a.evaluate_low_sample_count_percentile,
                "threshold": a.threshold, "threshold_metric_id": a.threshold_metric_id}
    out.update({k: v for k, v in optional.items() if v is not None})
    if a.metric is not None:
        out.update(metric_name=a.metric.metric_name, namespace=a.metric.namespace, period=a.period,
                   dimensions=_dimensions(a.metric.dimensions), **({"unit": a.metric.unit} if a.metric.unit else {}))
    else:
        out["metrics"] = [query_shape(q) for q in a.queries]
    return out


OPERATIONS: dict[str, Handler] = {
    "PutMetricAlarm": put_metric_alarm,
    "DescribeAlarms": describe_alarms,
    "DescribeAlarmsForMetric": describe_alarms_for_metric,
    "DeleteAlarms": delete_alarms,
    "SetAlarmState": set_alarm_state,
    "EnableAlarmActions": _set_actions(True),
    "DisableAlarmActions": _set_actions(False),
}
