"""Exact p50/p95/p99 of appliance/metrics/percentiles.py: numpy's linear percentile, null
for an idle window, and the histogram path beside it."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from appliance.metrics.histogram import Histogram, merge_all
from appliance.metrics.percentiles import Percentiles, exact, from_histogram, quantile_of_sorted


def random_rows(rng: random.Random) -> list[float]:
    size = rng.choice([1, 2, 3, 4, 5, 19, 20, 21, 100, 101, rng.randrange(1, 3000)])
    kind = rng.choice(["integers", "floats", "repeats"])
    if kind == "integers":
        return [float(rng.randrange(0, 60_000)) for _ in range(size)]
    if kind == "repeats":
        return [rng.choice([12.0, 12.5, 4000.0]) for _ in range(size)]
    return [rng.lognormvariate(5.5, 1.5) for _ in range(size)]


def test_exact_percentiles_equal_numpys_on_random_rows() -> None:
    rng = random.Random(2024)
    for _ in range(300):
        rows = random_rows(rng)
        p50, p95, p99 = np.percentile(rows, [50, 95, 99])
        assert exact(rows) == Percentiles(float(p50), float(p95), float(p99), len(rows))


def test_every_quantile_equals_numpys_quantile() -> None:
    rows = sorted(random.Random(5).uniform(0, 1e4) for _ in range(997))
    for step in range(1001):
        q = step / 1000
        assert quantile_of_sorted(rows, q) == float(np.quantile(rows, q)), q


def test_an_idle_window_has_null_percentiles_not_nan_or_zero() -> None:
    assert exact([]) == Percentiles(None, None, None, 0)
    assert from_histogram(Histogram()) == Percentiles(None, None, None, 0)


def test_a_single_row_is_every_percentile() -> None:
    assert exact([812.0]) == Percentiles(812.0, 812.0, 812.0, 1)


def test_the_order_of_the_rows_does_not_matter() -> None:
    rows = [random.Random(9).expovariate(0.01) for _ in range(500)]
    assert exact(rows) == exact(reversed(rows))


@pytest.mark.parametrize("bad", [math.nan, math.inf, "5", None])
def test_rows_that_are_not_finite_numbers_are_refused(bad) -> None:
    with pytest.raises(ValueError, match="finite number"):
        exact([1.0, bad])


def test_a_quantile_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        quantile_of_sorted([1.0], 95)


def test_percentiles_from_merged_hours_are_within_one_percent_of_the_exact_ones() -> None:
    rng = random.Random(30)
    hours = [[rng.lognormvariate(6, 1) for _ in range(rng.randrange(50, 500))] for _ in range(72)]
    rows = [row for hour in hours for row in hour]
    window = exact(rows)
    merged = from_histogram(merge_all(Histogram.of(hour) for hour in hours))
    assert merged.count == window.count
    for estimate, truth in [
        (merged.p50, window.p50),
        (merged.p95, window.p95),
        (merged.p99, window.p99),
    ]:
        assert estimate is not None and truth is not None
        assert estimate == pytest.approx(truth, rel=0.01)


def test_averaging_hourly_percentiles_would_be_far_off_which_is_why_windows_merge() -> None:
    busy_hour = [100.0 + i % 20 for i in range(1000)]
    quiet_hour = [5000.0 + i for i in range(10)]
    hourly_p95s = [exact(busy_hour).p95, exact(quiet_hour).p95]
    averaged = sum(p for p in hourly_p95s if p is not None) / 2
    window = exact(busy_hour + quiet_hour).p95
    merged = from_histogram(Histogram.of(busy_hour).merge(Histogram.of(quiet_hour))).p95
    assert window is not None and merged is not None
    assert merged == pytest.approx(window, rel=0.01)
    assert averaged > 20 * window
