"""The anomaly detection band of ANOMALY_DETECTION_BAND(m1, stddevs): a simple, documented model in place of AWS's
trained one (pure, no I/O).

At each period start ``t`` the band is the mean of the metric's values in the training window before ``t``
(``[t - TRAINING_MS, t)``, the same statistic and period, periods that start in an excluded time range left out),
plus and minus ``stddevs`` population standard deviations of those values. With fewer than ``MIN_TRAINING_POINTS``
values there is no band at ``t`` (AWS's model is still training), so an alarm on it sees missing data there.

>>> upper, lower = band({0: 1.0, 60_000: 3.0, 120_000: 5.0}, [60_000, 180_000], 2.0)  # mean 3, stddev 1.633
>>> {t: round(v, 3) for t, v in upper.items()}, {t: round(v, 3) for t, v in lower.items()}
({180000: 6.266}, {180000: -0.266})
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence

TRAINING_MS = 24 * 3600 * 1000  # the trailing window each band point is computed from
MIN_TRAINING_POINTS = 3
DEFAULT_STDDEVS = 2.0  # AWS's default when ANOMALY_DETECTION_BAND has no second argument

Range = tuple[int, int]  # [start, end) in epoch ms


def band(history: Mapping[int, float], stamps: Sequence[int], stddevs: float, excluded: Sequence[Range] = (),
         training_ms: int = TRAINING_MS) -> tuple[dict[int, float], dict[int, float]]:
    """(upper, lower) at each of ``stamps`` that has enough history; ``history`` maps period starts to values."""
    kept = sorted((t, v) for t, v in history.items() if not any(a <= t < b for a, b in excluded))
    times = [t for t, _ in kept]
    # prefix sums make each window's mean and variance O(1)
    sums, squares = [0.0], [0.0]
    for _, v in kept:
        sums.append(sums[-1] + v)
        squares.append(squares[-1] + v * v)
    upper: dict[int, float] = {}
    lower: dict[int, float] = {}
    for t in stamps:
        first, last = bisect.bisect_left(times, t - training_ms), bisect.bisect_left(times, t)
        n = last - first
        if n < MIN_TRAINING_POINTS:
            continue
        mean = (sums[last] - sums[first]) / n
        spread = stddevs * math.sqrt(max((squares[last] - squares[first]) / n - mean * mean, 0.0))
        upper[t], lower[t] = mean + spread, mean - spread
    return upper, lower
