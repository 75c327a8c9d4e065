"""The log-bucket histogram of appliance/metrics/histogram.py: quantiles within 1% of
numpy's exact percentiles, merging, and the jsonb encoding."""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest

from appliance.metrics.histogram import (
    ACCURACY,
    GAMMA,
    Histogram,
    bucket_index,
    merge_all,
    representative,
)

QUANTILES = (0.0, 0.001, 0.01, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0)
# A hair over 1% only to absorb the last bit of floating-point rounding.
TOLERANCE = ACCURACY * (1 + 1e-9)


def uniform(rng: random.Random, n: int) -> list[float]:
    return [rng.uniform(5.0, 3000.0) for _ in range(n)]


def lognormal(rng: random.Random, n: int) -> list[float]:
    return [rng.lognormvariate(6.0, 1.2) for _ in range(n)]


def bimodal(rng: random.Random, n: int) -> list[float]:
    # Cached runs around 40 ms beside full runs around 4 s.
    return [
        rng.gauss(40.0, 4.0) if rng.random() < 0.7 else rng.gauss(4000.0, 300.0) for _ in range(n)
    ]


def with_zeros(rng: random.Random, n: int) -> list[float]:
    return [0.0 if rng.random() < 0.2 else rng.expovariate(1 / 250) for _ in range(n)]


def assert_within_accuracy(values: list[float], histogram: Histogram) -> None:
    exact = np.percentile(values, [q * 100 for q in QUANTILES])
    for q, expected in zip(QUANTILES, exact, strict=True):
        estimate = histogram.quantile(q)
        assert estimate is not None
        assert abs(estimate - expected) <= TOLERANCE * abs(expected), (q, estimate, expected)


@pytest.mark.parametrize("distribution", [uniform, lognormal, bimodal, with_zeros])
@pytest.mark.parametrize("n", [1, 2, 7, 100, 5000])
def test_quantiles_are_within_one_percent_of_numpys_exact_percentiles(distribution, n) -> None:
    values = [abs(value) for value in distribution(random.Random(n), n)]
    assert_within_accuracy(values, Histogram.of(values))


def test_quantiles_of_300000_values_are_within_one_percent() -> None:
    values = lognormal(random.Random(300_000), 300_000)
    assert_within_accuracy(values, Histogram.of(values))


def test_a_single_repeated_value_is_read_back_exactly() -> None:
    histogram = Histogram.of([1234.5] * 50)
    assert {histogram.quantile(q) for q in QUANTILES} == {1234.5}


def test_the_extreme_quantiles_are_the_exact_minimum_and_maximum() -> None:
    values = lognormal(random.Random(1), 1000)
    histogram = Histogram.of(values)
    assert histogram.quantile(0) == min(values)
    assert histogram.quantile(1) == max(values)


def test_count_sum_min_and_max_are_kept_exactly() -> None:
    values = [0.0, 3.0, 12.5, 7.25, 1e6]
    histogram = Histogram.of(values)
    assert (histogram.count, histogram.zero) == (5, 1)
    assert histogram.total == math.fsum(values)
    assert (histogram.minimum, histogram.maximum) == (0.0, 1e6)


def test_every_bucket_representative_is_within_the_accuracy_of_its_values() -> None:
    rng = random.Random(7)
    samples = [10 ** rng.uniform(-6, 9) for _ in range(20_000)]
    boundaries = [GAMMA**i for i in range(-50, 50)]
    for value in samples + boundaries:
        estimate = representative(bucket_index(value))
        assert abs(estimate - value) <= TOLERANCE * value, value


def test_an_empty_histogram_has_no_quantiles() -> None:
    assert Histogram().quantile(0.95) is None
    assert Histogram.of([]).quantile(0.5) is None


@pytest.mark.parametrize("q", [-0.01, 1.01, math.nan])
def test_a_quantile_outside_zero_to_one_is_refused(q) -> None:
    with pytest.raises(ValueError, match="quantile"):
        Histogram.of([1.0]).quantile(q)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, -0.5, True, "12"])
def test_values_that_are_not_durations_are_refused(bad) -> None:
    with pytest.raises(ValueError, match="duration"):
        Histogram.of([1.0, bad])


def test_hourly_histograms_merged_into_a_day_equal_one_histogram_of_all_values() -> None:
    rng = random.Random(24)
    hours = [with_zeros(rng, rng.randrange(0, 400)) for _ in range(24)]
    day = merge_all(Histogram.of(hour) for hour in hours)
    whole = Histogram.of([value for hour in hours for value in hour])
    assert (day.zero, day.count) == (whole.zero, whole.count)
    assert dict(day.buckets) == dict(whole.buckets)
    assert (day.minimum, day.maximum) == (whole.minimum, whole.maximum)
    assert day.total == pytest.approx(whole.total, rel=1e-12)
    assert [day.quantile(q) for q in QUANTILES] == [whole.quantile(q) for q in QUANTILES]


def test_merging_with_an_empty_histogram_changes_nothing() -> None:
    histogram = Histogram.of([1.0, 2.0, 0.0])
    assert histogram.merge(Histogram()) == histogram
    assert Histogram().merge(histogram) == histogram
    assert merge_all([]) == Histogram()


def test_the_encoding_round_trips_through_json_text() -> None:
    histogram = Histogram.of(with_zeros(random.Random(3), 2000))
    decoded = Histogram.from_json(json.loads(json.dumps(histogram.to_json())))
    assert decoded == histogram


def test_an_empty_histogram_round_trips() -> None:
    assert Histogram.from_json(json.loads(json.dumps(Histogram().to_json()))) == Histogram()


def test_the_encoding_is_stable_whatever_the_order_of_the_values() -> None:
    values = [0.0, 0.5, 3.0, 3.0, 700.0, 12.0]
    first = json.dumps(Histogram.of(values).to_json())
    second = json.dumps(Histogram.of(sorted(values, reverse=True)).to_json())
    assert first == second
    buckets = json.loads(first)["buckets"]
    assert [int(index) for index in buckets] == sorted(int(index) for index in buckets)


def test_the_encoding_is_compact_and_names_its_accuracy() -> None:
    encoded = Histogram.of([0.0, 100.0, 100.2]).to_json()
    assert encoded == {
        "a": 0.01,
        "zero": 1,
        "buckets": {str(bucket_index(100.0)): 2},
        "sum": 200.2,
        "min": 0.0,
        "max": 100.2,
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"a": 0.02}, "accuracy"),
        ({"zero": -1}, "count"),
        ({"buckets": {"3": 1.5}}, "count"),
        ({"min": None}, "minimum"),
        ({"sum": math.nan}, "duration"),
    ],
)
def test_a_damaged_encoding_is_refused(change, message) -> None:
    encoded = Histogram.of([1.0, 2.0]).to_json() | change
    with pytest.raises(ValueError, match=message):
        Histogram.from_json(encoded)
