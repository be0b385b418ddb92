"""The AWS/ApplicationELB metrics as SQL over `requests`: which rows each metric counts, and what it measures.

ELB-generated responses are the rows the target did not answer (`target_status IS NULL`): fixed responses,
redirects, and the 502/503/504 the load balancer returns itself. Health-check requests never reach this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from provider.cloudwatch.model import Statistic


@dataclass(frozen=True, slots=True)
class Measure:
    where: str  # SQL predicate over one requests row
    value: str | None = None  # SQL value per row; None: a count (each matching request is one sample of 1)
    per_target: bool = False  # divided by the targets that served in the period (RequestCountPerTarget)


_ELB = "target_status IS NULL AND "
# ALB counts a request in RequestCount once it chose a target (or answered with a fixed response or redirect)
_DISPATCHED = "action <> 'forward' OR target IS NOT NULL"

MEASURES: dict[str, Measure] = {
    "RequestCount": Measure(_DISPATCHED),
    "RequestCountPerTarget": Measure("target IS NOT NULL", per_target=True),
    **{
        f"HTTPCode_Target_{n}XX_Count": Measure(f"target_status BETWEEN {n}00 AND {n}99")
        for n in (2, 3, 4, 5)
    },
    **{f"HTTPCode_ELB_{n}XX_Count": Measure(f"{_ELB}elb_status BETWEEN {n}00 AND {n}99") for n in (3, 4, 5)},
    **{f"HTTPCode_ELB_{code}_Count": Measure(f"{_ELB}elb_status = {code}") for code in (500, 502, 503, 504)},
    "TargetResponseTime": Measure("target_s IS NOT NULL", value="target_s"),
    "HTTP_Fixed_Response_Count": Measure("action = 'fixed-response'"),
    "HTTP_Redirect_Count": Measure("action = 'redirect'"),
    "TargetConnectionErrorCount": Measure("connection_error"),
    "ProcessedBytes": Measure("TRUE", value="received_bytes + sent_bytes"),
}

COLUMNS = {"LoadBalancer": "load_balancer", "TargetGroup": "target_group"}  # dimension -> requests column


Batch = list[tuple[Measure, tuple[float, ...], tuple[tuple[str, str], ...], frozenset[Statistic]]]


def batch_sql(measures: Batch, period_ms: int, start_ms: int, end_ms: int) -> tuple[str, list[Any]]:
    """One scan for a batch of (measure, percentile fractions, dimensions, statistics read) sharing period and
    range, and its parameters. Per measure, the columns `aggregate_columns` names.

    Each row is first projected to one small column per measure (its 0/1 flag, or its value where it counts),
    computed once; the aggregates then run over plain columns. Dimension values every measure shares go to
    WHERE, each other dimension set is one boolean per row. (FILTER clauses repeating the predicates and the
    string comparisons in every aggregate cost ~2.5x this.)
    """
    sets = list(dict.fromkeys(dims for _, _, dims, _ in measures))
    common = set.intersection(*(set(d) for d in sets))
    flags = [" AND ".join(f"{COLUMNS[n]} = ?" for n, v in d if (n, v) not in common) or "TRUE" for d in sets]
    flag_params = [v for d in sets for n, v in d if (n, v) not in common]
    projected: list[str] = []
    columns: list[str] = []
    for i, (m, percentiles, dims, _) in enumerate(measures):
        counts = f"d{sets.index(dims)} AND ({m.where})"
        if m.value is None and not m.per_target:
            projected.append(f"({counts})::INT AS c{i}")
        else:
            projected.append(f"CASE WHEN {counts} THEN {m.value or 'target'} END AS c{i}")
        columns += [a.format(f"c{i}", list(percentiles)) for a in aggregate_columns(measures[i])]
    shared = "".join(f" AND {COLUMNS[n]} = ?" for n, _ in sorted(common))
    rows = (
        f"SELECT *, {', '.join(f'{f} AS d{i}' for i, f in enumerate(flags))} FROM requests"
        f" WHERE ts_ms >= ? AND ts_ms < ?{shared}"
    )
    sql = (
        f"SELECT b, {', '.join(columns)} FROM (SELECT ts_ms // {period_ms} AS b, {', '.join(projected)}"
        f" FROM ({rows})) GROUP BY b ORDER BY b"
    )
    return sql, [*flag_params, start_ms, end_ms, *(v for _, v in sorted(common))]


def aggregate_columns(item: tuple[Measure, tuple[float, ...], Any, frozenset[Statistic]]) -> list[str]:
    """A measure's aggregates ({0}: its projected column): the count, then only what the statistics read need:
    sum/min/max of a measured value, the distinct targets of a per-target count, the percentile list."""
    m, percentiles, _, stats = item
    if m.value is None and not m.per_target:
        return ["sum({0})"]
    if m.per_target:
        return ["count({0})", "count(DISTINCT {0})"]
    out = ["count({0})"]
    out += [f"{f}({{0}})" if stats & needs else "NULL" for f, needs in _VALUE_AGGREGATES]
    return out + (["quantile_cont({0}, {1})"] if percentiles else [])


_VALUE_AGGREGATES = (
    ("sum", {Statistic.SUM, Statistic.AVERAGE}),
    ("min", {Statistic.MINIMUM}),
    ("max", {Statistic.MAXIMUM}),
)
