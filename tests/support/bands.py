"""The anomaly detection band as README describes it, computed the plain way for tests to check the server's
(provider/cloudwatch/band.py) against.

>>> expected_band({0: 4.0, 1: 6.0, 2: 4.0, 3: 6.0}, 4, 2.0)
(3.0, 7.0)
"""

from __future__ import annotations

import statistics

TRAINING_MS = 24 * 3600_000


def expected_band(history: dict[int, float], t: int, stddevs: float) -> tuple[float, float] | None:
    """(lower, upper) at t: the mean -/+ stddevs population standard deviations of the values in the 24 hours
    before t; None with fewer than 3 of them."""
    past = [v for s, v in history.items() if t - TRAINING_MS <= s < t]
    if len(past) < 3:
        return None
    mean, spread = statistics.fmean(past), stddevs * statistics.pstdev(past)
    return mean - spread, mean + spread
