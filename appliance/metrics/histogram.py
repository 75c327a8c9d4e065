"""A mergeable log-bucket histogram of durations in milliseconds (DESIGN.md 7). Pure.

The hourly rollups keep one of these beside the exact count, sum, minimum and maximum, so
that percentiles over windows longer than the raw rows are kept for (30 days) can be read
from merged hours instead of being averaged, which would be wrong.

Buckets follow DDSketch: a positive value x falls in bucket i = ceil(log_gamma(x)) with
gamma = (1 + a) / (1 - a), so bucket i holds (gamma^(i-1), gamma^i], and its representative
2 * gamma^i / (gamma + 1) is within a relative error a of anything in it. Zeros have a
count of their own, since no bucket of this form holds them. With a = 0.01 every quantile
read back is within 1% of the exact one: `quantile` interpolates between the two ranks it
lies between the way numpy's linear percentile does, and a mix of two values each within
1% of its exact counterpart is within 1% of the same mix of the counterparts.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ACCURACY = 0.01
GAMMA = (1 + ACCURACY) / (1 - ACCURACY)
_LOG_GAMMA = math.log(GAMMA)


@dataclass(frozen=True)
class Histogram:
    """Counts per bucket plus the exact count, total, minimum and maximum (Netdata-style
    rollups): merging keeps those four exact, whatever the buckets lose."""

    zero: int = 0
    buckets: Mapping[int, int] = field(default_factory=dict)
    count: int = 0
    total: float = 0.0
    minimum: float | None = None
    maximum: float | None = None

    @classmethod
    def of(cls, values: Iterable[float]) -> Histogram:
        checked = [_checked_value(value) for value in values]
        positive = [value for value in checked if value > 0]
        return cls(
            zero=len(checked) - len(positive),
            buckets=dict(Counter(bucket_index(value) for value in positive)),
            count=len(checked),
            total=math.fsum(checked),
            minimum=min(checked, default=None),
            maximum=max(checked, default=None),
        )

    def merge(self, other: Histogram) -> Histogram:
        return merge_all([self, other])

    def quantile(self, q: float) -> float | None:
        """The q-quantile (0 <= q <= 1) as numpy's linear percentile defines it, within
        1% of the exact value; None when the histogram is empty."""
        if not 0 <= q <= 1:
            raise ValueError(f"a quantile lies between 0 and 1, not {q}")
        if self.count == 0:
            return None
        rank = (self.count - 1) * q
        below = math.floor(rank)
        low = self._value_at(below)
        high = self._value_at(min(below + 1, self.count - 1))
        return low + (high - low) * (rank - below)

    def to_json(self) -> dict[str, Any]:
        """A stable encoding for a jsonb column: bucket indexes become string keys, in
        ascending numeric order, and the count is left out because it follows from the rest."""
        return {
            "a": ACCURACY,
            "zero": self.zero,
            "buckets": {str(index): self.buckets[index] for index in sorted(self.buckets)},
            "sum": self.total,
            "min": self.minimum,
            "max": self.maximum,
        }

    @classmethod
    def from_json(cls, encoded: Mapping[str, Any]) -> Histogram:
        if encoded.get("a") != ACCURACY:
            raise ValueError(f"only histograms of accuracy {ACCURACY} can be read or merged")
        zero = _checked_count(encoded["zero"])
        buckets = {int(index): _checked_count(n) for index, n in encoded["buckets"].items()}
        count = zero + sum(buckets.values())
        minimum, maximum = _optional_value(encoded["min"]), _optional_value(encoded["max"])
        if (count == 0) != (minimum is None) or (count == 0) != (maximum is None):
            raise ValueError("a histogram has a minimum and a maximum exactly when it has values")
        total = _checked_value(encoded["sum"])
        return cls(zero, buckets, count, total, minimum, maximum)

    def _value_at(self, rank: int) -> float:
        """The value of 0-based rank `rank` in sorted order: exact at both ends, and between
        them the bucket's representative kept within the exact minimum and maximum (which
        can only bring it closer to the truth)."""
        low, high = self.minimum, self.maximum
        assert low is not None and high is not None, "only a non-empty histogram is read"
        if rank in (0, self.count - 1):
            return low if rank == 0 else high
        if rank < self.zero:
            return 0.0
        return max(low, min(high, representative(self._index_at(rank))))

    def _index_at(self, rank: int) -> int:
        seen = self.zero
        for index in sorted(self.buckets):
            seen += self.buckets[index]
            if seen > rank:
                return index
        raise AssertionError("a rank below the count always falls in a bucket")


def merge_all(histograms: Iterable[Histogram]) -> Histogram:
    """One histogram of everything the given ones hold: hours into a day, days into a
    window. One pass over all the buckets, however many histograms there are."""
    parts = [histogram for histogram in histograms if histogram.count > 0]
    buckets: Counter[int] = Counter()
    for part in parts:
        buckets.update(part.buckets)
    return Histogram(
        zero=sum(part.zero for part in parts),
        buckets=dict(buckets),
        count=sum(part.count for part in parts),
        total=math.fsum(part.total for part in parts),
        minimum=min((part.minimum for part in parts if part.minimum is not None), default=None),
        maximum=max((part.maximum for part in parts if part.maximum is not None), default=None),
    )


def bucket_index(value: float) -> int:
    return math.ceil(math.log(value) / _LOG_GAMMA)


def representative(index: int) -> float:
    return 2 * GAMMA**index / (GAMMA + 1)


def _checked_value(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"a duration is a number, not {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"a duration is finite and not negative, not {value}")
    return float(value)


def _optional_value(value: float | None) -> float | None:
    return None if value is None else _checked_value(value)


def _checked_count(count: int) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"a bucket count is a whole number not below 0, not {count!r}")
    return count
