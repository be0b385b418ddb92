"""PutAnomalyDetector, DescribeAnomalyDetectors and DeleteAnomalyDetector: single-metric detectors, given as
SingleMetricAnomalyDetector or the older top-level Namespace/MetricName/Dimensions/Stat, and metric math ones
(MetricMathAnomalyDetector, its queries checked as an alarm's Metrics are). A single-metric detector's excluded time
ranges shape the band (band.py) of its metric and statistic; a metric math detector's are kept, not applied.

Usage: ``put_anomaly_detector(ctx, {"single_metric_anomaly_detector": {"namespace": "n", "metric_name": "m",
"stat": "Sum"}})`` -> ``{}``; DescribeAnomalyDetectors then lists it, TRAINED (the band needs no training).
"""

from __future__ import annotations

from typing import Any

from provider import texts
from provider.cloudwatch import validate
from provider.cloudwatch.alarm_parse import parse_queries
from provider.cloudwatch.alarms import query_shape
from provider.cloudwatch.anomaly_store import (
    AnomalyDetector,
    Configuration,
    Detector,
    MathAnomalyDetector,
    delete_detector,
    put_detector,
    regional_detectors,
    stored,
)
from provider.cloudwatch.context import Context, Handler, Params, Result
from provider.cloudwatch.errors import (
    InvalidNextToken,
    InvalidParameterCombination,
    InvalidParameterValue,
    ResourceNotFoundException,
)
from provider.cloudwatch.model import parse_stat
from provider.cloudwatch.paging import answer, page

MAX_EXCLUDED_RANGES = 10
MAX_RESULTS = 100
_LEGACY = ("namespace", "metric_name", "dimensions", "stat")


def _single(ctx: Context, params: Params, configuration: Configuration, where: str = "") -> AnomalyDetector:
    """The metric and statistic a detector is for; ``where`` prefixes the members' names in errors."""
    stat = str(validate.required(params, "stat", f"{where}Stat"))
    if parse_stat(stat) is None:
        raise InvalidParameterValue(texts.VALUE_INVALID.format(value=stat, name=f"{where}Stat"))
    return AnomalyDetector(ctx.region, str(validate.required(params, "namespace", f"{where}Namespace")),
                           str(validate.required(params, "metric_name", f"{where}MetricName")),
                           validate.dimensions(params.get("dimensions"), f"{where}Dimensions"), stat, configuration)


def _chosen(ctx: Context, params: Params, configuration: Configuration | None = None) -> Detector:
    """The detector a Put or Delete names, in whichever of its forms."""
    configuration = configuration or Configuration()
    single, math = params.get("single_metric_anomaly_detector"), params.get("metric_math_anomaly_detector")
    legacy = any(params.get(k) is not None for k in _LEGACY)
    if (single is not None) + (math is not None) + legacy > 1:
        raise InvalidParameterCombination(texts.DETECTOR_ONE_FORM)
    if math is not None:
        where = "MetricMathAnomalyDetector.MetricDataQueries"
        queries, _ = parse_queries(validate.required(math, "metric_data_queries", where), name=where)
        return MathAnomalyDetector(ctx.region, queries, configuration)
    if single is not None:
        return _single(ctx, single, configuration, "SingleMetricAnomalyDetector.")
    return _single(ctx, params, configuration)


def _configuration(params: Params) -> Configuration:
    given = params.get("configuration") or {}
    ranges = given.get("excluded_time_ranges") or []
    if len(ranges) > MAX_EXCLUDED_RANGES:
        raise InvalidParameterValue(texts.COLLECTION_TOO_LONG.format(name="Configuration.ExcludedTimeRanges",
                                                                     limit=MAX_EXCLUDED_RANGES))
    excluded = []
    for n, item in enumerate(ranges, 1):
        where = f"Configuration.ExcludedTimeRanges.member.{n}"
        start = validate.required(item, "start_time", f"{where}.StartTime")
        end = validate.required(item, "end_time", f"{where}.EndTime")
        if start >= end:
            raise InvalidParameterValue(texts.EXCLUDED_RANGE.format(name=where))
        excluded.append((start, end))
    return Configuration(tuple(excluded), given.get("metric_timezone"), given.get("adaptation_speed"),
                         given.get("outlier_filtering_strength"),
                         (params.get("metric_characteristics") or {}).get("periodic_spikes"))


def put_anomaly_detector(ctx: Context, params: Params) -> Result:
    put_detector(ctx.store, _chosen(ctx, params, _configuration(params)))
    return {}


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
    wanted = set(types or ([] if ids else ["SINGLE_METRIC"]))

    def listed(d: Detector) -> bool:
        if ids:
            return d.id in ids
        if isinstance(d, MathAnomalyDetector):  # AWS lists every one: the metric filters are for single metrics
            return "METRIC_MATH" in wanted
        return ("SINGLE_METRIC" in wanted and namespace in (None, d.namespace)
                and metric_name in (None, d.metric_name) and dims <= set(d.dimensions))

    found = [d for d in regional_detectors(ctx.store, ctx.region) if listed(d)]
    shown, token = page(found, _order, params.get("next_token"), size, InvalidNextToken(texts.NEXT_TOKEN_UNPROCESSABLE))
    return answer("anomaly_detectors", [shape(d) for d in shown], token)


def _order(d: Detector) -> str:
    """Single-metric detectors first, as regional_detectors lists them: a page's NextToken names the last one."""
    return ("1" if isinstance(d, MathAnomalyDetector) else "0") + d.key


def delete_anomaly_detector(ctx: Context, params: Params) -> Result:
    detector_id = params.get("anomaly_detector_id")
    if detector_id is not None:
        found = next((d for d in regional_detectors(ctx.store, ctx.region) if d.id == detector_id), None)
    else:
        found = stored(ctx.store, _chosen(ctx, params))
    if found is None:
        raise ResourceNotFoundException(texts.DETECTOR_NOT_FOUND)
    delete_detector(ctx.store, found)
    return {}


def shape(d: Detector) -> Result:
    c = d.configuration
    configuration: dict[str, Any] = {
        "excluded_time_ranges": [{"start_time": start, "end_time": end} for start, end in c.excluded]}
    for key, value in (("metric_timezone", c.timezone), ("adaptation_speed", c.adaptation_speed),
                       ("outlier_filtering_strength", c.outlier_filtering)):
        if value is not None:
            configuration[key] = value
    out: Result = {"anomaly_detector_id": d.id, "configuration": configuration, "state_value": "TRAINED"}
    if c.periodic_spikes is not None:
        out["metric_characteristics"] = {"periodic_spikes": c.periodic_spikes}
    if isinstance(d, MathAnomalyDetector):
        return {**out, "metric_math_anomaly_detector": {"metric_data_queries": [query_shape(q) for q in d.queries]}}
    metric: dict[str, Any] = {"namespace": d.namespace, "metric_name": d.metric_name,
                              "dimensions": [{"name": n, "value": v} for n, v in d.dimensions], "stat": d.stat}
    return {**out, **metric, "single_metric_anomaly_detector": metric}


OPERATIONS: dict[str, Handler] = {
    "PutAnomalyDetector": put_anomaly_detector,
    "DescribeAnomalyDetectors": describe_anomaly_detectors,
    "DeleteAnomalyDetector": delete_anomaly_detector,
}
