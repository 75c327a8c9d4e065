"""LTTB downsampling of appliance/metrics/lttb.py: at most N points, the first, last,
minimum and maximum always kept, and a gap never drawn across."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from appliance.metrics.lttb import Point, downsample

START = datetime(2026, 1, 1, tzinfo=UTC)


def series(values: list[float | None]) -> list[Point]:
    return [(START + timedelta(hours=i), value) for i, value in enumerate(values)]


def noisy(rng: random.Random, n: int) -> list[float | None]:
    return [50 + 30 * math.sin(i / 40) + rng.gauss(0, 8) for i in range(n)]


def with_holes(rng: random.Random, n: int) -> list[float | None]:
    values = noisy(rng, n)
    for _ in range(12):
        start = rng.randrange(n)
        for i in range(start, min(n, start + rng.randrange(1, 40))):
            values[i] = None
    return values


def present(points: list[Point]) -> list[Point]:
    return [point for point in points if point[1] is not None]


def assert_keeps_the_extremes(points: list[Point], kept: list[Point]) -> None:
    values = present(points)
    assert values[0] in kept and values[-1] in kept
    assert min(values, key=lambda point: point[1] or 0) in kept
    assert max(values, key=lambda point: point[1] or 0) in kept


@pytest.mark.parametrize(
    ("make", "limit"),
    [(noisy, 4), (noisy, 10), (noisy, 100), (noisy, 1000), (with_holes, 100), (with_holes, 1000)],
)
def test_keeps_at_most_the_limit_and_the_first_last_minimum_and_maximum(make, limit) -> None:
    points = series(make(random.Random(limit), 2160))
    kept = downsample(points, limit)
    assert len(kept) <= limit
    assert_keeps_the_extremes(points, kept)


def test_returns_points_of_the_series_in_their_order() -> None:
    points = series(with_holes(random.Random(1), 3000))
    kept = downsample(points, 500)
    assert set(kept) <= set(points)
    assert kept == sorted(kept)


def test_fills_the_limit_when_there_is_enough_to_choose_from() -> None:
    points = series(noisy(random.Random(2), 5000))
    assert len(downsample(points, 1000)) == 1000


def test_is_deterministic() -> None:
    points = series(with_holes(random.Random(3), 4000))
    assert downsample(points, 700) == downsample(list(points), 700)


def test_a_series_that_fits_comes_back_unchanged() -> None:
    points = series([1.0, None, None, 3.0, 2.0])
    assert downsample(points, 5) == points


def test_keeps_a_lone_spike_that_evenly_spaced_sampling_would_miss() -> None:
    values: list[float | None] = [10.0] * 1000
    values[537] = 900.0
    values[211] = -40.0
    kept = downsample(series(values), 20)
    assert (START + timedelta(hours=537), 900.0) in kept
    assert (START + timedelta(hours=211), -40.0) in kept


def textbook_lttb(points: list[tuple[float, float]], limit: int) -> list[tuple[float, float]]:
    """Steinarsson's algorithm as published, to hold the module to where they must agree."""
    inner = len(points) - 2
    buckets = [
        range(1 + inner * i // (limit - 2), 1 + inner * (i + 1) // (limit - 2))
        for i in range(limit - 2)
    ]
    chosen = [points[0]]
    for i, bucket in enumerate(buckets):
        following = buckets[i + 1] if i + 1 < len(buckets) else range(len(points) - 1, len(points))
        cx = sum(points[j][0] for j in following) / len(following)
        cy = sum(points[j][1] for j in following) / len(following)
        (ax, ay), best, best_area = chosen[-1], bucket[0], -1.0
        for j in bucket:
            bx, by = points[j]
            area = abs((ax - cx) * (by - ay) - (ax - bx) * (cy - ay))
            if area > best_area:
                best, best_area = j, area
        chosen.append(points[best])
    return [*chosen, points[-1]]


def test_agrees_with_the_textbook_algorithm_when_the_ends_are_the_extremes() -> None:
    rng = random.Random(8)
    values: list[float | None] = [0.0, *(rng.uniform(1, 99) for _ in range(998)), 100.0]
    points = series(values)
    numeric = [(t.timestamp(), value) for t, value in points if value is not None]
    expected = [(datetime.fromtimestamp(t, UTC), value) for t, value in textbook_lttb(numeric, 60)]
    assert downsample(points, 60) == expected


def test_each_gap_stays_a_gap_marked_by_its_first_missing_point() -> None:
    values = noisy(random.Random(4), 3000)
    values[100:160] = [None] * 60
    values[2000:2001] = [None]
    points = series(values)
    kept = downsample(points, 300)
    assert [point for point in kept if point[1] is None] == [points[100], points[2000]]
    assert_never_joins_across_a_gap(points, kept)


def test_a_line_is_never_drawn_across_missing_points() -> None:
    points = series(with_holes(random.Random(5), 5000))
    assert_never_joins_across_a_gap(points, downsample(points, 400))


def assert_never_joins_across_a_gap(points: list[Point], kept: list[Point]) -> None:
    index = {point: i for i, point in enumerate(points)}
    for left, right in pairwise(kept):
        if left[1] is not None and right[1] is not None:
            between = points[index[left] + 1 : index[right]]
            assert all(value is not None for _, value in between), (left, right)


def test_leading_and_trailing_gaps_stay_as_one_missing_point_each() -> None:
    values: list[float | None] = [None] * 50 + noisy(random.Random(6), 500) + [None] * 50
    points = series(values)
    kept = downsample(points, 100)
    assert kept[0] == points[0]
    assert kept[-1] == points[550]
    assert sum(1 for _, value in kept if value is None) == 2


def test_a_series_that_is_mostly_holes_keeps_every_gap_and_run_over_the_limit() -> None:
    # Dropping anything here would lose a run of data or draw across a gap (see the module).
    values: list[float | None] = [float(i) if i % 2 == 0 else None for i in range(200)]
    points = series(values)
    assert downsample(points, 50) == points


def test_an_entirely_missing_series_is_one_gap() -> None:
    points = series([None] * 100)
    assert downsample(points, 10) == [points[0]]


def test_a_limit_without_room_for_the_ends_and_extremes_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 4"):
        downsample(series([1.0, 2.0, 3.0]), 3)


def test_points_out_of_time_order_are_refused() -> None:
    points = series([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError, match="increasing time"):
        downsample([points[0], points[2], points[1], points[3]], 4)
