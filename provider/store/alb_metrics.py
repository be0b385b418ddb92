"""The AWS/ApplicationELB metrics as SQL over `requests`: which rows each metric counts, and what it measures.

ELB-generated responses are the rows the target did not answer (`target_status IS NULL`): fixed responses,
redirects, and the 502/503/504 the load balancer returns itself. Health-check requests never reach this table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Measure:
    where: str  # SQL predicate over one requests row
    value: str | None = None  # SQL value per row; None: a count (each matching request is one sample of 1)
    per_target: bool = False  # divided by the targets that served in the period (RequestCountPerTarget)


_ELB = "target_status IS NULL AND "
_DISPATCHED = "NOT (action = 'forward' AND target_group IS NULL)"  # ALB counts requests it could route

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


def select_list(measures: list[tuple[Measure, tuple[float, ...]]]) -> list[str]:
    """The aggregate columns for a batch of measures over one scan: count, then sum/min/max for measured
    values, the distinct targets for per-target ones, then the percentile list when asked."""
    out: list[str] = []
    for m, percentiles in measures:
        where = f" FILTER (WHERE {m.where})"
        out.append("count(*)" + where)
        if m.value is not None:
            out += [f"sum({m.value}){where}", f"min({m.value}){where}", f"max({m.value}){where}"]
        if m.per_target:
            out.append("count(DISTINCT target)" + where)
        if percentiles and m.value is not None:
            out.append(f"quantile_cont({m.value}, {list(percentiles)!r}){where}")
    return out
