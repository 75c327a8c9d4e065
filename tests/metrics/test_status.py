"""Whether collection keeps up (appliance/metrics/status.py) at each boundary of the rule,
the next snapshot run, and the cumulative `le` buckets of /metrics
(appliance/metrics/exposition.py). Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from appliance.metrics.exposition import BucketCount, cumulative, negated_bounds_ms
from appliance.metrics.status import classify, next_snapshot_at

NOW = datetime(2025, 3, 31, 15, 7, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
US = timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("age", "failures", "expected"),
    [
        (timedelta(0), 0, "healthy"),
        (10 * MINUTE - US, 2, "healthy"),
        (10 * MINUTE, 0, "degraded"),  # "under 10 minutes" is healthy; 10 is not
        (10 * MINUTE - US, 3, "degraded"),
        (60 * MINUTE, 0, "degraded"),  # an hour is not yet "over an hour"
        (60 * MINUTE, 10, "degraded"),
        (60 * MINUTE + US, 0, "failing"),
        (timedelta(0), 11, "failing"),
        (5 * MINUTE, 10, "degraded"),
        (timedelta(days=3), 0, "failing"),
    ],
)
def test_collection_status_changes_exactly_at_each_boundary(
    age: timedelta, failures: int, expected: str
) -> None:
    assert classify(NOW, NOW - age, failures) == expected


def test_collection_that_never_succeeded_is_failing() -> None:
    assert classify(NOW, None, 0) == "failing"


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2025, 3, 31, 15, 0, tzinfo=UTC), datetime(2025, 3, 31, 15, 2, tzinfo=UTC)),
        (datetime(2025, 3, 31, 15, 1, 59, tzinfo=UTC), datetime(2025, 3, 31, 15, 2, tzinfo=UTC)),
        (datetime(2025, 3, 31, 15, 2, tzinfo=UTC), datetime(2025, 3, 31, 16, 2, tzinfo=UTC)),
        (NOW, datetime(2025, 3, 31, 16, 2, tzinfo=UTC)),
        (datetime(2025, 12, 31, 23, 30, tzinfo=UTC), datetime(2026, 1, 1, 0, 2, tzinfo=UTC)),
    ],
)
def test_the_next_snapshot_run_is_two_minutes_past_the_next_hour(
    now: datetime, expected: datetime
) -> None:
    assert next_snapshot_at(now) == expected


def test_width_bucket_bounds_are_the_negated_milliseconds_in_ascending_order() -> None:
    assert negated_bounds_ms((0.1, 1.0, 5.0)) == [-5000.0, -1000.0, -100.0]


def test_le_buckets_are_cumulative_and_a_value_on_a_bound_counts_under_it() -> None:
    bounds = (0.1, 1.0, 5.0)
    # 2 values above every bound, 3 at or below 5 s only, 1 at or below 1 s, 4 below 0.1 s.
    counts = [
        BucketCount(0, 2, 20_000.0),
        BucketCount(1, 3, 9_000.0),
        BucketCount(2, 1, 1_000.0),
        BucketCount(3, 4, 200.0),
    ]
    histogram = cumulative(bounds, counts)
    assert histogram.cumulative == (4, 5, 8)
    assert histogram.count == 10
    assert histogram.total_s == pytest.approx(30.2)


def test_no_values_give_zero_buckets() -> None:
    histogram = cumulative((0.1, 1.0), [])
    assert (histogram.cumulative, histogram.count, histogram.total_s) == ((0, 0), 0, 0.0)
