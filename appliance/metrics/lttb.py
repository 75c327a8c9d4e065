"""Largest-Triangle-Three-Buckets downsampling of a time series for charts (Steinarsson,
2013). Pure and deterministic: the same series and limit always give the same points.

Plain LTTB keeps the first and last points and, from each bucket between them, the point
that spans the largest triangle with its neighbours. Two additions make it honest for
the report's charts:

- The global minimum and maximum are always kept (the first of each when values tie):
  together with the first and last points and the ends of every unbroken run, they are
  anchors, and LTTB runs separately on the stretch between each pair of anchors, the
  limit being shared between the stretches in proportion to their length.
- A gap stays a gap. A missing value (None) is never interpolated across: each run of
  missing points becomes the single missing point that starts it, so a chart breaks its
  line there instead of drawing across the hole.

A series that already fits comes back unchanged. Otherwise the result has at most `limit`
points, unless the anchors and gaps alone outnumber the limit (a series that is mostly
holes): then exactly those come back, because dropping any of them would lose a run of
data or draw across a gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise

Point = tuple[datetime, float | None]

# Room for the first, last, lowest and highest points.
MINIMUM_LIMIT = 4


def downsample(points: Sequence[Point], limit: int) -> list[Point]:
    """At most `limit` of `points` (ordered by strictly increasing time) for drawing."""
    if limit < MINIMUM_LIMIT:
        raise ValueError(f"downsampling needs a limit of at least {MINIMUM_LIMIT}")
    _check_order(points)
    if len(points) <= limit:
        return list(points)
    kept = _gap_starts(points) | _anchors(points)
    stretches = _stretches(points, sorted(kept))
    shares = _shares([len(stretch) for stretch in stretches], limit - len(kept))
    for stretch, share in zip(stretches, shares, strict=True):
        kept.update(_largest_triangles(points, stretch, share))
    return [points[index] for index in sorted(kept)]


def _check_order(points: Sequence[Point]) -> None:
    for (earlier, _), (later, _) in pairwise(points):
        if later <= earlier:
            raise ValueError("points must be in strictly increasing time order")


def _gap_starts(points: Sequence[Point]) -> set[int]:
    return {
        index
        for index, (_, value) in enumerate(points)
        if value is None and (index == 0 or points[index - 1][1] is not None)
    }


def _anchors(points: Sequence[Point]) -> set[int]:
    """The ends of every unbroken run of values (which include the first and last values)
    and the global minimum and maximum."""
    present = [index for index, (_, value) in enumerate(points) if value is not None]
    if not present:
        return set()
    ends = {
        index
        for index in present
        if index in (0, len(points) - 1)
        or points[index - 1][1] is None
        or points[index + 1][1] is None
    }
    lowest = min(present, key=lambda index: (_value(points, index), index))
    highest = max(present, key=lambda index: (_value(points, index), -index))
    return ends | {lowest, highest}


def _stretches(points: Sequence[Point], kept: list[int]) -> list[range]:
    """The indexes strictly between two neighbouring kept points of one unbroken run."""
    return [
        range(start + 1, end)
        for start, end in pairwise(kept)
        if end - start > 1 and points[start][1] is not None and points[end][1] is not None
    ]


def _shares(sizes: list[int], budget: int) -> list[int]:
    """`budget` split in proportion to `sizes` by largest remainder, ties to the earlier."""
    total = sum(sizes)
    if budget <= 0 or total == 0:
        return [0] * len(sizes)
    budget = min(budget, total)
    shares = [budget * size // total for size in sizes]
    by_remainder = sorted(range(len(sizes)), key=lambda i: (-(budget * sizes[i] % total), i))
    for i in by_remainder[: budget - sum(shares)]:
        shares[i] += 1
    return shares


def _largest_triangles(points: Sequence[Point], stretch: range, share: int) -> list[int]:
    """LTTB over one stretch whose neighbours on both sides are already kept."""
    buckets = [
        stretch[len(stretch) * i // share : len(stretch) * (i + 1) // share] for i in range(share)
    ]
    chosen: list[int] = []
    previous = stretch.start - 1
    for i, bucket in enumerate(buckets):
        following = (
            buckets[i + 1] if i + 1 < len(buckets) else range(stretch.stop, stretch.stop + 1)
        )
        target = _centroid(points, following)
        previous = max(bucket, key=lambda index: (_area(points, previous, index, target), -index))
        chosen.append(previous)
    return chosen


def _centroid(points: Sequence[Point], bucket: range) -> tuple[float, float]:
    xs = [points[index][0].timestamp() for index in bucket]
    ys = [_value(points, index) for index in bucket]
    return sum(xs) / len(xs), sum(ys) / len(ys)


def _area(points: Sequence[Point], first: int, middle: int, third: tuple[float, float]) -> float:
    (ax, ay), (bx, by) = _xy(points, first), _xy(points, middle)
    cx, cy = third
    return abs((ax - cx) * (by - ay) - (ax - bx) * (cy - ay))


def _xy(points: Sequence[Point], index: int) -> tuple[float, float]:
    return points[index][0].timestamp(), _value(points, index)


def _value(points: Sequence[Point], index: int) -> float:
    value = points[index][1]
    assert value is not None, "only points with values are measured"
    return value
