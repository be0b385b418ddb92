"""The latency histogram Traefik keeps per series (bounds in its static config, provider/traefik/static.py):
log-scale buckets, so a percentile read from the bucket counts is within ``ERROR_BOUND`` of the exact
(nearest-rank) value, and histograms of any periods merge by adding counts.

>>> BOUNDS[0], len(BOUNDS), round(ERROR_BOUND, 4)
(5e-05, 712, 0.0099)
>>> index_of(0.00005), index_of(1e-9), index_of(float("inf")) == len(BOUNDS)
(0, 0, True)
>>> abs(estimate(index_of(0.25)) / 0.25 - 1) < ERROR_BOUND
True
"""

from __future__ import annotations

import bisect
import math

from provider.traefik.static import BOUNDS, RATIO

__all__ = ["BOUNDS", "ERROR_BOUND", "estimate", "index_of"]

# The geometric middle of a bucket is at most this far, relatively, from any value in it.
ERROR_BOUND = math.sqrt(RATIO) - 1 + 1e-5  # + the bounds' rounding to 6 digits


def index_of(le: float) -> int:
    """The bucket whose upper bound is ``le`` (as Traefik prints it); len(BOUNDS) for +Inf."""
    return bisect.bisect_left(BOUNDS, le * (1 - 1e-9))


def estimate(index: int) -> float:
    """The value a count in bucket ``index`` stands for: its geometric middle (the edges at either end)."""
    if index <= 0:
        return BOUNDS[0]
    if index >= len(BOUNDS):
        return BOUNDS[-1]
    return math.sqrt(BOUNDS[index - 1] * BOUNDS[index])
