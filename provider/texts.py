"""AWS's error texts, each written once: the documented or recorded wording where it is known.

Texts marked `# not known from AWS` are ours; README's "Where this differs from AWS" lists them.

>>> NOT_A_VALID_ARN.format(value="unknown", kind="target group")
"'unknown' is not a valid target group ARN"
>>> number_shown(float("-inf"))
'-Infinity'
"""

from __future__ import annotations

import math

# Shared validation phrasing (ELBv2 and CloudWatch's ValidationError)
ENUM_CONSTRAINT = "Member must satisfy enum value set: [{values}]"
VALIDATION_ERRORS = "{count} validation {noun} detected: {joined}"
# Enum values are listed in the model's order, except where AWS was recorded listing them in another
RECORDED_ENUM_ORDERS = {"StateValue": ("INSUFFICIENT_DATA", "ALARM", "OK")}

# ELBv2
NOT_A_VALID_ARN = "'{value}' is not a valid {kind} ARN"
TARGET_GROUPS_NOT_FOUND = "One or more target groups not found"
NAME_TOO_LONG = "{kind} name '{name}' cannot be longer than '{limit}' characters"
NAME_DOUBLE_HYPHEN = "{kind} name '{name}' cannot contain two consecutive hyphens"  # not known from AWS
STICKINESS_TYPE = "Stickiness type '{type}' is not supported for target groups with the {protocol} protocol"
LISTENER_PORT_REQUIRED = "A port must be specified for listeners of an application load balancer"  # not known from AWS
CROSS_ZONE_FIXED = (  # not known from AWS
    "Load balancer attribute '{key}' cannot be modified: cross-zone load balancing is always on for application"
    " load balancers"
)
SECURITY_GROUP_INVALID = "One or more security groups are invalid: {ids}"  # not known from AWS
ASSOCIATION_SAME_ACCOUNT = (  # not known from AWS
    "'{resource}' is in the trust store's own account: remove its listener's mutual authentication instead"
)
ASSOCIATION_NOT_FOUND = "No shared association of '{resource}' with trust store '{store}' exists"  # not known from AWS
LOG_BUCKET_DENIED = "Access Denied for bucket: {bucket}. Please check S3bucket permission"

# CloudWatch
START_EQUALS_END = "The parameter StartTime must not equal parameter EndTime."
START_AFTER_END = "The parameter StartTime must be less than the parameter EndTime."
PARAMETER_REQUIRED = "The parameter {name} is required."
VALUE_INVALID = "The value {value} for parameter {name} is invalid."
STORAGE_RESOLUTION = "The parameter {name} must be a value in the set [ 1, 60 ]."
DUPLICATE_DIMENSION = "No metric may specify the same dimension name twice."
ALARM_NOT_FOUND = "Alarm {name} does not exist."
DASHBOARD_NAME_CHARACTERS = (
    "The value for field DashboardName contains invalid characters. It can only contain alphanumerics, dash (-) and"
    " underscore (_).\n"  # the trailing newline is AWS's
)
DASHBOARD_NAME_LENGTH = "The value for field DashboardName must be at most {limit} characters long."  # not from AWS
DASHBOARD_NOT_FOUND = "Dashboard {name} does not exist"
DASHBOARDS_NOT_FOUND = "The specified dashboard does not exist. [{names}]"  # moto's; not recorded from AWS
DASHBOARD_NAMES_EMPTY = "The parameter DashboardNames must contain at least one name."  # not known from AWS
COLLECTION_TOO_LONG = "The collection {name} must not have a size greater than {limit}."
NEXT_TOKEN_UNPROCESSABLE = "The service cannot process the NextToken."
NEXT_TOKEN_INVALID = "The value for parameter NextToken is not valid."  # not known from AWS
TAGGED_RESOURCE_NOT_FOUND = "The resource {arn} does not exist."  # not known from AWS
TOO_MANY_TAGS = "A resource can have at most {limit} tags."  # not known from AWS
# Anomaly detection alarms
RANGES_NEED_THRESHOLD_METRIC = "ComparisonOperators for ranges require ThresholdMetricId to be set"
THRESHOLD_METRIC_NEEDS_RANGES = (  # not known from AWS
    "ThresholdMetricId can only be used with the ComparisonOperators for ranges:"
    " LessThanLowerOrGreaterThanUpperThreshold, LessThanLowerThreshold and GreaterThanUpperThreshold"
)
THRESHOLD_WITH_METRIC_ID = "Threshold cannot be set with ThresholdMetricId"  # not known from AWS
THRESHOLD_METRIC_NEEDS_METRICS = "ThresholdMetricId can only be used with Metrics"  # not known from AWS
THRESHOLD_METRIC_NOT_BAND = (  # not known from AWS
    "ThresholdMetricId {id} must be the id of an ANOMALY_DETECTION_BAND expression over another metric of the alarm"
)
# Anomaly detectors
DETECTOR_ONE_FORM = (  # not known from AWS
    "Specify one of SingleMetricAnomalyDetector, MetricMathAnomalyDetector or the Namespace, MetricName, Dimensions"
    " and Stat parameters."
)
DETECTOR_NOT_FOUND = "No anomaly detector was found for the specified metric and statistic."  # not known from AWS
EXCLUDED_RANGE = "The StartTime of {name} must be before its EndTime."  # not known from AWS
DETECTOR_IDS_WITH_FILTERS = (  # not known from AWS
    "AnomalyDetectorIds cannot be given with Namespace, MetricName, Dimensions or AnomalyDetectorTypes."
)
MAX_RESULTS_RANGE = "The parameter MaxResults must be between 1 and {limit}."  # not known from AWS
# Metrics Insights (GetMetricData's `SELECT ...` expressions); AWS's wording of these is not known
INSIGHTS_SYNTAX = "Syntax error in the Metrics Insights query near {near}"  # not known from AWS
INSIGHTS_FUNCTION = (  # not known from AWS
    "Unsupported function {name} in the Metrics Insights query: use one of {functions}"
)
INSIGHTS_OPERATOR = (  # not known from AWS
    "The operator {operator} is not supported in this Metrics Insights query's WHERE clause: use =, !=, AND, OR"
    " and parentheses"
)
INSIGHTS_LIMIT = "The LIMIT of a Metrics Insights query must be between 1 and {limit}"  # not known from AWS
INSIGHTS_ONE_QUERY = "A GetMetricData request can include only one Metrics Insights query."  # not known from AWS


def number_shown(value: float) -> str:
    """A double as AWS echoes it back: NaN, Infinity, -Infinity, or the number."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)
