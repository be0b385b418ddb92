"""The latency histogram Traefik keeps per series (bounds in its static config, provider/traefik/static.py):
log-scale buckets, so a percentile read from the bucket counts is within ``ERROR_BOUND`` of the exact
(nearest-rank) value from 1 ms up (``FINE_ERROR_BOUND`` below, where six decimal places are coarse), and histograms
of any periods merge by adding counts.

>>> BOUNDS[0], len(BOUNDS), round(ERROR_BOUND, 4), round(FINE_ERROR_BOUND, 4)
(5e-05, 745, 0.0097, 0.0165)
>>> index_of(0.00005), index_of(float("inf")) == len(BOUNDS), index_of(0.0000512)
(0, True, None)
>>> abs(estimate(bisect.bisect_left(BOUNDS, 0.25)) / 0.25 - 1) < ERROR_BOUND
True
"""

from __future__ import annotations

import bisect
import math

from provider.traefik.static import BOUNDS

__all__ = ["BOUNDS", "ERROR_BOUND", "ESTIMATES", "FINE_ERROR_BOUND", "estimate", "index_of"]


def _bound(since: float) -> float:
    """The largest relative distance from a bucket's middle to its edges, over the buckets above ``since``."""
    return max(math.sqrt(hi / lo) - 1 for lo, hi in zip(BOUNDS, BOUNDS[1:], strict=False) if lo >= since)


ERROR_BOUND = _bound(1e-3)
FINE_ERROR_BOUND = _bound(0.0)


def index_of(le: float) -> int | None:
    """The bucket whose upper bound is ``le`` (as Traefik prints it); len(BOUNDS) for +Inf; None for a bound that is
    not one of ours (a Traefik configured with other buckets)."""
    if math.isinf(le):
        return len(BOUNDS)
    at = bisect.bisect_left(BOUNDS, le * (1 - 1e-9))
    return at if at < len(BOUNDS) and abs(BOUNDS[at] - le) <= 1e-9 * le else None


def estimate(index: int) -> float:
    """The value a count in bucket ``index`` stands for: its geometric middle (the edges at either end)."""
    if index <= 0:
        return BOUNDS[0]
    if index >= len(BOUNDS):
        return BOUNDS[-1]
    return math.sqrt(BOUNDS[index - 1] * BOUNDS[index])


ESTIMATES = tuple(estimate(i) for i in range(len(BOUNDS) + 1))  # by bucket index: a lookup per period, not a call
