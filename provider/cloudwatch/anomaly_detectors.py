"""PutAnomalyDetector, DescribeAnomalyDetectors and DeleteAnomalyDetector: single-metric detectors, given as
SingleMetricAnomalyDetector or the older top-level Namespace/MetricName/Dimensions/Stat; MetricMathAnomalyDetector is
refused (ValidationError). A detector's excluded time ranges shape the band (band.py) of its metric and statistic.

Usage: ``put_anomaly_detector(ctx, {"single_metric_anomaly_detector": {"namespace": "n", "metric_name": "m",
"stat": "Sum"}})`` -> ``{}``; DescribeAnomalyDetectors then lists it, TRAINED (the band needs no training).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from provider import texts
from provider.cloudwatch import validate
from provider.cloudwatch.anomaly_store import (
    AnomalyDetector,
    delete_detector,
    find,
    put_detector,
    regional_detectors,
)
from provider.cloudwatch.context import Context, Handler, Params, Result
from provider.cloudwatch.errors import (
    InvalidNextToken,
    InvalidParameterCombination,
    InvalidParameterValue,
    ResourceNotFoundException,
    ValidationError,
)
from provider.cloudwatch.model import parse_stat
from provider.cloudwatch.paging import answer, page

MAX_EXCLUDED_RANGES = 10
MAX_RESULTS = 100
_LEGACY = ("namespace", "metric_name", "dimensions", "stat")
Identity = tuple[str, str, tuple[tuple[str, str], ...], str]  # namespace, metric name, dimensions, stat


def identity(params: Params, where: str = "") -> Identity:
    """The metric and statistic a detector is for; ``where`` prefixes the members' names in errors."""
    namespace = str(validate.required(params, "namespace", f"{where}Namespace"))
    metric_name = str(validate.required(params, "metric_name", f"{where}MetricName"))
    dimensions = validate.dimensions(params.get("dimensions"), f"{where}Dimensions")
    stat = str(validate.required(params, "stat", f"{where}Stat"))
    if parse_stat(stat) is None:
        raise InvalidParameterValue(texts.VALUE_INVALID.format(value=stat, name=f"{where}Stat"))
    return namespace, metric_name, dimensions, stat


def _chosen(params: Params) -> Identity:
    """The single-metric detector a Put or Delete names, in whichever of its forms."""
    single, math = params.get("single_metric_anomaly_detector"), params.get("metric_math_anomaly_detector")
    legacy = any(params.get(k) is not None for k in _LEGACY)
    if (single is not None) + (math is not None) + legacy > 1:
        raise InvalidParameterCombination(texts.DETECTOR_ONE_FORM)
    if math is not None:
        raise ValidationError(texts.METRIC_MATH_DETECTOR)
    if single is not None:
        return identity(single, "SingleMetricAnomalyDetector.")
    return identity(params)


def _excluded(configuration: Params) -> tuple[tuple[datetime, datetime], ...]:
    ranges = configuration.get("excluded_time_ranges") or []
    if len(ranges) > MAX_EXCLUDED_RANGES:
        raise InvalidParameterValue(texts.COLLECTION_TOO_LONG.format(name="Configuration.ExcludedTimeRanges",
                                                                     limit=MAX_EXCLUDED_RANGES))
    out = []
    for n, item in enumerate(ranges, 1):
        where = f"Configuration.ExcludedTimeRanges.member.{n}"
        start = validate.required(item, "start_time", f"{where}.StartTime")
        end = validate.required(item, "end_time", f"{where}.EndTime")
        if start >= end:
            raise InvalidParameterValue(texts.EXCLUDED_RANGE.format(name=where))
        out.append((start, end))
    return tuple(out)


def put_anomaly_detector(ctx: Context, params: Params) -> Result:
    namespace, metric_name, dimensions, stat = _chosen(params)
    configuration = params.get("configuration") or {}
    put_detector(ctx.store, AnomalyDetector(
        ctx.region, namespace, metric_name, dimensions, stat, _excluded(configuration),
        configuration.get("metric_timezone"), configuration.get("adaptation_speed"),
        configuration.get("outlier_filtering_strength"),
        (params.get("metric_characteristics") or {}).get("periodic_spikes"),
    ))
    return {}


def ensure_detector(ctx: Context, namespace: str, metric_name: str, dimensions: tuple[tuple[str, str], ...],
                    stat: str) -> None:
    """The model an anomaly detection alarm needs, created with no configuration when missing (as AWS does)."""
    if find(ctx.store, ctx.region, namespace, metric_name, dimensions, stat) is None:
        put_detector(ctx.store, AnomalyDetector(ctx.region, namespace, metric_name, dimensions, stat))


def describe_anomaly_detectors(ctx: Context, params: Params) -> Result:
    ids = params.get("anomaly_detector_ids") or []
    types = params.get("anomaly_detector_types") or []
    namespace, metric_name = params.get("namespace"), params.get("metric_name")
    dims = set(validate.dimensions(params.get("dimensions"), "Dimensions"))
    if ids and (types or dims or namespace is not None or metric_name is not None):
        raise InvalidParameterCombination(texts.DETECTOR_IDS_WITH_FILTERS)
    size = int(params.get("max_results") or MAX_RESULTS)
    if not 1 <= size <= MAX_RESULTS:
        raise InvalidParameterValue(texts.MAX_RESULTS_RANGE.format(limit=MAX_RESULTS))
    single = not types or "SINGLE_METRIC" in types  # metric math detectors are never stored here
    found = [d for d in regional_detectors(ctx.store, ctx.region)
             if single and (not ids or d.id in ids) and namespace in (None, d.namespace)
             and metric_name in (None, d.metric_name) and dims <= set(d.dimensions)]
    shown, token = page(found, lambda d: d.key, params.get("next_token"), size,
                        InvalidNextToken(texts.NEXT_TOKEN_UNPROCESSABLE))
    return answer("anomaly_detectors", [shape(d) for d in shown], token)


def delete_anomaly_detector(ctx: Context, params: Params) -> Result:
    detector_id = params.get("anomaly_detector_id")
    if detector_id is not None:
        found = next((d for d in regional_detectors(ctx.store, ctx.region) if d.id == detector_id), None)
    else:
        found = find(ctx.store, ctx.region, *_chosen(params))
    if found is None:
        raise ResourceNotFoundException(texts.DETECTOR_NOT_FOUND)
    delete_detector(ctx.store, found)
    return {}


def shape(d: AnomalyDetector) -> Result:
    metric: dict[str, Any] = {"namespace": d.namespace, "metric_name": d.metric_name,
                              "dimensions": [{"name": n, "value": v} for n, v in d.dimensions], "stat": d.stat}
    configuration: dict[str, Any] = {
        "excluded_time_ranges": [{"start_time": start, "end_time": end} for start, end in d.excluded]}
    for key, value in (("metric_timezone", d.timezone), ("adaptation_speed", d.adaptation_speed),
                       ("outlier_filtering_strength", d.outlier_filtering)):
        if value is not None:
            configuration[key] = value
    out: Result = {"anomaly_detector_id": d.id, **metric, "configuration": configuration, "state_value": "TRAINED",
                   "single_metric_anomaly_detector": metric}
    if d.periodic_spikes is not None:
        out["metric_characteristics"] = {"periodic_spikes": d.periodic_spikes}
    return out


OPERATIONS: dict[str, Handler] = {
    "PutAnomalyDetector": put_anomaly_detector,
    "DescribeAnomalyDetectors": describe_anomaly_detectors,
    "DeleteAnomalyDetector": delete_anomaly_detector,
}
