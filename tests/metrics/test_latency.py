"""Per-problem judge-duration percentiles (appliance/metrics/latency.py) and the latency
rollups behind them (collect_latency), against 90 days of generated submissions: exact and
equal to numpy's up to 30 days, within 1% through the rollups beyond, null when idle,
stale after 15 minutes, and an hourly history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from appliance import db
from appliance.metrics import collect
from appliance.metrics.collect import Retention
from appliance.metrics.latency import IDLE, latency_history, window_latency
from appliance.metrics.percentiles import Percentiles
from appliance.metrics.thresholds import Thresholds
from tests.metrics.conftest import NOW, Submission, make_users, one

FULL = Retention(
    hourly=timedelta(days=30),
    daily=timedelta(days=90),
    failures=timedelta(days=30),
    job_runs=timedelta(days=30),
)
PROBLEMS = ["mini-clamp", "mini-clamp-fast", "mini-clamp-hidden"]


def durations(rows: list[Submission], problem: str, start: datetime, end: datetime) -> list[float]:
    return [r.judge_ms for r in rows if r.problem == problem and r.finished_in(start, end)]


def numpys(values: list[float]) -> Percentiles:
    if not values:
        return IDLE
    p50, p95, p99 = (float(p) for p in np.percentile(values, [50, 95, 99]))
    return Percentiles(p50, p95, p99, len(values))


def within_1_percent(got: Percentiles, want: Percentiles) -> None:
    assert got.count == want.count
    if want == IDLE:
        assert got == IDLE
        return
    for name in ("p50", "p95", "p99"):
        exact = getattr(want, name)
        assert getattr(got, name) == pytest.approx(exact, rel=0.01), name


@pytest.mark.parametrize(
    "window",
    [
        timedelta(minutes=5),
        timedelta(hours=1),
        timedelta(days=1),
        timedelta(days=7),
        timedelta(days=30),
    ],
)
def test_windows_up_to_30_days_equal_numpys_percentiles_of_the_same_rows(
    conn: db.Connection, history: list[Submission], window: timedelta
) -> None:
    found = window_latency(conn, NOW, window)
    assert [k.key for k in found] == PROBLEMS
    for key in found:
        assert key.percentiles == numpys(durations(history, key.key, NOW - window, NOW))


def test_a_90_day_window_through_the_rollups_is_within_1_percent(
    conn: db.Connection, history: list[Submission]
) -> None:
    assert collect.collect_latency(conn, NOW, FULL) > 0
    window = timedelta(days=90)
    found = window_latency(conn, NOW, window)
    for key in found:
        want = numpys(durations(history, key.key, NOW - window, NOW))
        assert want.count > 1000
        within_1_percent(key.percentiles, want)


def test_an_idle_window_has_no_percentiles_a_count_of_0_and_is_stale(
    conn: db.Connection,
) -> None:
    for window in (timedelta(hours=1), timedelta(days=90)):
        found = window_latency(conn, NOW, window)
        assert [(k.key, k.percentiles, k.newest_at, k.stale, k.level) for k in found] == [
            (key, IDLE, None, True, None) for key in PROBLEMS
        ]


def test_a_key_is_stale_once_its_newest_sample_is_older_than_15_minutes(
    conn: db.Connection,
) -> None:
    user = make_users(conn, 1)[0]
    created = NOW - timedelta(minutes=16, seconds=2.5)
    row = one(conn, user, created, timedelta(seconds=1), timedelta(seconds=1.5))
    assert row.finished_at == NOW - timedelta(minutes=16)
    hour = timedelta(hours=1)
    [clamp] = [k for k in window_latency(conn, NOW, hour) if k.key == "mini-clamp"]
    assert clamp.stale and clamp.newest_at == row.finished_at
    assert (clamp.percentiles.p95, clamp.level) == (1500.0, "warning")
    at_the_limit = NOW - timedelta(minutes=1)
    [clamp] = [k for k in window_latency(conn, at_the_limit, hour) if k.key == "mini-clamp"]
    assert not clamp.stale


def test_the_level_follows_the_given_thresholds(
    conn: db.Connection, history: list[Submission]
) -> None:
    strict = Thresholds(warning_from=1.0, danger_from=2.0)
    lenient = Thresholds(warning_from=1e6, danger_from=2e6)
    day = timedelta(days=1)
    assert {k.level for k in window_latency(conn, NOW, day, strict)} == {"danger"}
    assert {k.level for k in window_latency(conn, NOW, day, lenient)} == {"good"}


def test_the_hourly_history_is_within_1_percent_with_idle_hours_empty(
    conn: db.Connection, history: list[Submission]
) -> None:
    collect.collect_latency(conn, NOW, FULL)
    hours = latency_history(conn, NOW, 48, "mini-clamp")
    assert len(hours) == 48
    assert hours[-1].start == datetime(2025, 3, 31, 15, tzinfo=UTC)
    assert hours[0].start == datetime(2025, 3, 29, 16, tzinfo=UTC)
    idle = 0
    for hour in hours:
        want = numpys(durations(history, "mini-clamp", hour.start, hour.start + timedelta(hours=1)))
        within_1_percent(hour.percentiles, want)
        idle += want == IDLE
    assert 0 < idle < 48


def test_latency_collection_catches_up_and_rewrites_only_what_changed(
    conn: db.Connection, history: list[Submission]
) -> None:
    hourly = FULL.hourly
    first = collect.collect_latency(conn, NOW, FULL)
    rows = conn.execute("SELECT * FROM latency_rollups ORDER BY 1, 2, 3, 4").fetchall()
    assert first == len(rows)
    assert min(r["bucket_start"] for r in rows if r["granularity"] == "hourly") >= NOW - hourly
    assert collect.collect_latency(conn, NOW, FULL) == 0
    # A submission judged in the current hour: its hour and day are rolled up again.
    user = make_users(conn, 1)[0]
    one(conn, user, NOW - timedelta(seconds=20), timedelta(seconds=1), timedelta(seconds=2))
    later = NOW + timedelta(minutes=5)
    collect.collect_latency(conn, later, FULL)
    rewritten = conn.execute(
        "SELECT DISTINCT granularity, bucket_start FROM latency_rollups WHERE collected_at = %s",
        (later,),
    ).fetchall()
    assert {(r["granularity"], r["bucket_start"]) for r in rewritten} == {
        ("hourly", datetime(2025, 3, 31, 15, tzinfo=UTC)),
        ("daily", datetime(2025, 3, 31, tzinfo=UTC)),
    }
    assert collect.collect_latency(conn, later, FULL) == 0
    [clamp] = [k for k in window_latency(conn, later, timedelta(days=90)) if k.key == "mini-clamp"]
    assert not clamp.stale


def test_a_bad_window_or_history_length_is_refused(conn: db.Connection) -> None:
    with pytest.raises(ValueError, match="window"):
        window_latency(conn, NOW, timedelta(0))
    with pytest.raises(ValueError, match="hour"):
        latency_history(conn, NOW, 0, "mini-clamp")


def test_after_a_good_run_only_buckets_from_its_start_on_are_compared(
    conn: db.Connection, history: list[Submission]
) -> None:
    collect.collect_latency(conn, NOW, FULL)
    user = make_users(conn, 1)[0]
    # A row stamped a day back (no real row is: finished_at is the time it is stored) is
    # seen by a full pass but not by one that starts from the last good run.
    old = one(conn, user, NOW - timedelta(days=1), timedelta(seconds=1), timedelta(seconds=2))
    later = NOW + timedelta(minutes=5)
    assert collect.collect_latency(conn, later, FULL, last_good_run=NOW) == 0
    assert collect.collect_latency(conn, later, FULL) > 0
    assert old.finished_at is not None
    its_hour = old.finished_at.replace(minute=0, second=0, microsecond=0)
    rewritten = conn.execute(
        "SELECT 1 FROM latency_rollups WHERE granularity = 'hourly' AND bucket_start = %s"
        " AND collected_at = %s",
        (its_hour, later),
    ).fetchall()
    assert rewritten
