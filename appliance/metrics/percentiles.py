"""p50, p95 and p99 of a window of latencies, exact from raw values or read from a merged
histogram (DESIGN.md 7). Pure.

The exact path follows numpy's default `numpy.percentile(..., method="linear")` step for
step (Hyndman and Fan's definition 7), so the two agree to the last bit and the tests can
hold one to the other. An empty window has no percentiles: None, never NaN or 0. A
window's percentiles come from all of its values at once, never from averaging the
percentiles of its parts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from appliance.metrics.histogram import Histogram

P50, P95, P99 = 0.5, 0.95, 0.99


@dataclass(frozen=True)
class Percentiles:
    p50: float | None
    p95: float | None
    p99: float | None
    count: int


def exact(values: Iterable[float]) -> Percentiles:
    ordered = sorted(_checked(value) for value in values)
    return Percentiles(
        quantile_of_sorted(ordered, P50),
        quantile_of_sorted(ordered, P95),
        quantile_of_sorted(ordered, P99),
        len(ordered),
    )


def from_histogram(histogram: Histogram) -> Percentiles:
    """The same result from a histogram, each percentile within 1% of the exact one."""
    return Percentiles(
        histogram.quantile(P50),
        histogram.quantile(P95),
        histogram.quantile(P99),
        histogram.count,
    )


def quantile_of_sorted(ordered: Sequence[float], q: float) -> float | None:
    """The q-quantile (0 <= q <= 1) of values sorted in ascending order."""
    if not 0 <= q <= 1:
        raise ValueError(f"a quantile lies between 0 and 1, not {q}")
    if not ordered:
        return None
    position = (len(ordered) - 1) * q
    below = min(math.floor(position), len(ordered) - 1)
    above = min(below + 1, len(ordered) - 1)
    return _lerp(ordered[below], ordered[above], position - below)


def _lerp(low: float, high: float, weight: float) -> float:
    # numpy interpolates from the nearer end, which keeps the rounding error smallest;
    # doing the same is what makes the results identical rather than merely close.
    if weight >= 0.5:
        return high - (high - low) * (1 - weight)
    return low + (high - low) * weight


def _checked(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"a latency is a finite number, not {value!r}")
    return float(value)
