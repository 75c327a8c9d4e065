"""Hourly and daily snapshots (appliance/metrics/collect.py) against 90 days of generated
submissions in the real PostgreSQL: values equal to what the rows say (numpy's p95),
idempotent re-runs, retries and the failure record, gaps, retention, the display time
zone's day, and a job_runs row per run. The clock and the sleep are the tests'."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import psycopg
import pytest

from appliance import db
from appliance.metrics import collect
from appliance.metrics.collect import COLLECTORS, Retention
from appliance.metrics.histogram import Histogram
from appliance.metrics.periods import Span, next_bucket_start, with_gaps
from appliance.metrics.summary import Summary
from appliance.settings import Settings
from appliance.vocabulary import METRICS, Granularity
from tests.conftest import make_settings
from tests.metrics.conftest import NOW, Clock, Submission, make_users, one

SEOUL = ZoneInfo("Asia/Seoul")
# Short windows keep a run to a few hundred buckets; the 90-day rows still lie behind them.
SHORT = Retention(
    hourly=timedelta(days=2),
    daily=timedelta(days=4),
    failures=timedelta(days=30),
    job_runs=timedelta(days=30),
)


def collect_at(
    conn: db.Connection,
    clock: Clock,
    sleeps: list[float],
    zone: ZoneInfo = SEOUL,
    retention: Retention = SHORT,
    collectors: Any = COLLECTORS,
) -> int:
    return collect.collect_snapshots(
        conn, clock(), zone, retention, sleeps.append, clock, collectors
    )


def snapshots(conn: db.Connection, granularity: Granularity) -> dict[tuple[str, datetime], Any]:
    rows = conn.execute(
        "SELECT * FROM metric_snapshots WHERE granularity = %s", (granularity,)
    ).fetchall()
    return {(row["metric"], row["bucket_start"]): row for row in rows}


def expected(rows: list[Submission], start: datetime, end: datetime) -> dict[str, Any]:
    """What each metric should be over [start, end), computed from the rows in Python."""
    created = [r for r in rows if start <= r.created_at < end]
    finished = [r for r in rows if r.finished_in(start, end)]
    graded = [r.score or 0 for r in finished if r.status in ("SUCCESS", "FAILURE")]
    judge = [r.judge_ms for r in finished]
    wait = [r.wait_ms for r in finished]
    return {
        "submissions": float(len(created)),
        "active_users": float(len({r.user_id for r in created})),
        "judge_duration_p95": float(np.percentile(judge, 95)) if judge else None,
        "queue_wait_p95": float(np.percentile(wait, 95)) if wait else None,
        "success_rate": _share(finished, "SUCCESS"),
        "error_rate": _share(finished, "ERROR"),
        "mean_score": sum(graded) / len(graded) if graded else None,
    }


def _share(finished: list[Submission], status: str) -> float | None:
    if not finished:
        return None
    return sum(1 for r in finished if r.status == status) / len(finished)


def every_snapshot(conn: db.Connection) -> list[Any]:
    return conn.execute(
        "SELECT * FROM metric_snapshots ORDER BY granularity, bucket_start, metric"
    ).fetchall()


def values(stored: dict[tuple[str, datetime], Any], start: datetime) -> dict[str, Any]:
    return {metric: stored[(metric, start)]["value"] for metric in METRICS}


def test_hourly_snapshots_equal_what_the_hours_rows_say(
    conn: db.Connection, history: list[Submission], clock: Clock, sleeps: list[float]
) -> None:
    collect_at(conn, clock, sleeps)
    stored = snapshots(conn, "hourly")
    starts = collect.due_starts(NOW, "hourly", SEOUL, SHORT.hourly)
    assert len(starts) == 47 and len(stored) == 47 * len(METRICS)
    for start in starts:
        end = start + timedelta(hours=1)
        assert values(stored, start) == expected(history, start, end), start
        durations = [r.judge_ms for r in history if r.finished_in(start, end)]
        row = stored[("judge_duration_p95", start)]
        assert row["histogram"] == Histogram.of(durations).to_json()
        assert (row["n"], row["min"], row["max"]) == (
            len(durations),
            min(durations, default=None),
            max(durations, default=None),
        )


def test_a_daily_p95_comes_from_the_days_rows_never_from_its_hours(
    conn: db.Connection, history: list[Submission], clock: Clock, sleeps: list[float]
) -> None:
    collect_at(conn, clock, sleeps, retention=Retention(*[timedelta(days=4)] * 4))
    daily, hourly = snapshots(conn, "daily"), snapshots(conn, "hourly")
    starts = collect.due_starts(NOW, "daily", SEOUL, timedelta(days=4))
    assert len(starts) == 3  # the Seoul day that began at 15:00 UTC is not over
    for start in starts:
        end = next_bucket_start(start, "daily", SEOUL)
        assert values(daily, start) == expected(history, start, end)
        hours = [hourly[("judge_duration_p95", start + timedelta(hours=h))] for h in range(24)]
        mean_of_hours = statistics.mean(h["value"] for h in hours if h["value"] is not None)
        assert daily[("judge_duration_p95", start)]["value"] != pytest.approx(mean_of_hours)


def test_a_seoul_day_runs_from_15_00_to_15_00_utc(
    conn: db.Connection, clock: Clock, sleeps: list[float]
) -> None:
    user = make_users(conn, 1)[0]
    one(conn, user, datetime(2025, 3, 30, 14, 59, 59, 999999, tzinfo=UTC))  # Sunday in Seoul
    one(conn, user, datetime(2025, 3, 30, 15, 0, tzinfo=UTC))  # Monday in Seoul
    one(conn, user, datetime(2025, 3, 30, 15, 0, 1, tzinfo=UTC))
    collect_at(conn, clock, sleeps)
    daily = snapshots(conn, "daily")
    sunday = datetime(2025, 3, 29, 15, tzinfo=UTC)
    monday = datetime(2025, 3, 30, 15, tzinfo=UTC)
    assert monday.astimezone(SEOUL).strftime("%a %H:%M") == "Mon 00:00"
    assert daily[("submissions", sunday)]["value"] == 1
    assert daily[("submissions", monday)]["value"] == 2
    # In UTC the same three fall on one day.
    collect_at(conn, clock, sleeps, zone=ZoneInfo("UTC"))
    utc_day = datetime(2025, 3, 30, tzinfo=UTC)
    assert snapshots(conn, "daily")[("submissions", utc_day)]["value"] == 3


def test_an_idle_bucket_counts_0_and_has_no_percentile_rate_or_mean(
    conn: db.Connection, clock: Clock, sleeps: list[float]
) -> None:
    collect_at(conn, clock, sleeps)
    hour = datetime(2025, 3, 31, 14, tzinfo=UTC)
    stored = snapshots(conn, "hourly")
    assert values(stored, hour) == {
        "submissions": 0.0,
        "active_users": 0.0,
        "judge_duration_p95": None,
        "queue_wait_p95": None,
        "success_rate": None,
        "error_rate": None,
        "mean_score": None,
    }
    row = stored[("queue_wait_p95", hour)]
    assert (row["n"], row["sum"], row["min"], row["max"]) == (0, 0.0, None, None)
    assert Histogram.from_json(row["histogram"]).count == 0


def test_running_again_stores_nothing_new_and_recollecting_gives_the_same_rows(
    conn: db.Connection, history: list[Submission], clock: Clock, sleeps: list[float]
) -> None:
    first = collect_at(conn, clock, sleeps)
    before = every_snapshot(conn)
    assert first == len(before) == (47 + 3) * len(METRICS)
    assert collect_at(conn, clock, sleeps) == 0
    conn.execute("DELETE FROM metric_snapshots")
    assert collect_at(conn, clock, sleeps) == first
    assert every_snapshot(conn) == before
    assert sleeps == []


def test_writing_a_bucket_twice_leaves_one_row_with_the_latest_values(
    conn: db.Connection,
) -> None:
    from appliance.metrics import queries

    row = {
        "metric": "submissions",
        "granularity": "hourly",
        "bucket_start": NOW.replace(minute=0, second=0),
        "value": 1.0,
        "n": 1,
        "sum": 1.0,
        "min": 1.0,
        "max": 1.0,
        "histogram": None,
        "collected_at": NOW,
    }
    queries.upsert_snapshot(conn, row)
    queries.upsert_snapshot(conn, {**row, "value": 2.0, "n": 2, "sum": 2.0})
    stored = conn.execute("SELECT value, n FROM metric_snapshots").fetchall()
    assert stored == [{"value": 2.0, "n": 2}]


def failing_mean_score(calls: list[Span]) -> Any:
    """COLLECTORS with mean_score failing inside PostgreSQL on every try."""

    def broken(conn: db.Connection, span: Span) -> Summary:
        calls.append(span)
        conn.execute("SELECT 1 / 0")
        raise AssertionError("unreachable")

    return {**COLLECTORS, "mean_score": broken}


def test_a_failing_metric_is_tried_3_times_with_backoff_then_recorded_as_a_gap(
    conn: db.Connection, history: list[Submission], clock: Clock, sleeps: list[float]
) -> None:
    calls: list[Span] = []
    one_day = Retention(*[timedelta(days=1)] * 4)
    collect_at(conn, clock, sleeps, retention=one_day, collectors=failing_mean_score(calls))
    buckets = len(collect.due_starts(NOW, "hourly", SEOUL, timedelta(days=1))) + len(
        collect.due_starts(NOW, "daily", SEOUL, timedelta(days=1))
    )
    assert buckets == 23  # no Seoul day is both over and within one day of now
    assert len(calls) == 3 * buckets
    assert sleeps == [1.0, 4.0] * buckets
    failures = conn.execute("SELECT * FROM metric_collection_failures").fetchall()
    assert len(failures) == buckets
    assert {(f["metric"], f["attempts"], f["failed_at"]) for f in failures} == {
        ("mean_score", 3, NOW)
    }
    assert all(f["error"].startswith("DivisionByZero") for f in failures)
    stored = {row["metric"] for row in every_snapshot(conn)}
    assert stored == set(METRICS) - {"mean_score"}
    # The next run that succeeds fills the gaps, and only them.
    sleeps.clear()
    assert collect_at(conn, clock, sleeps, retention=one_day) == buckets
    assert sleeps == []


def test_a_metric_that_fails_twice_then_works_is_stored_without_a_failure(
    conn: db.Connection, history: list[Submission], clock: Clock, sleeps: list[float]
) -> None:
    tries: dict[datetime, int] = {}

    def flaky(conn: db.Connection, span: Span) -> Summary:
        tries[span.start] = tries.get(span.start, 0) + 1
        if tries[span.start] < 3:
            raise psycopg.errors.QueryCanceled("canceling statement due to statement timeout")
        return COLLECTORS["mean_score"](conn, span)

    one_day = Retention(*[timedelta(days=1)] * 4)
    collect_at(
        conn, clock, sleeps, retention=one_day, collectors={**COLLECTORS, "mean_score": flaky}
    )
    assert set(tries.values()) == {3}
    assert conn.execute("SELECT count(*) AS n FROM metric_collection_failures").fetchone() == {
        "n": 0
    }
    hourly = snapshots(conn, "hourly")
    last_hour = datetime(2025, 3, 31, 14, tzinfo=UTC)
    assert (
        hourly[("mean_score", last_hour)]["value"]
        == expected(history, last_hour, last_hour + timedelta(hours=1))["mean_score"]
    )


def test_missed_hours_are_filled_by_the_next_run_while_within_retention(
    conn: db.Connection, history: list[Submission], clock: Clock, sleeps: list[float]
) -> None:
    one_day = Retention(*[timedelta(days=1)] * 4)
    collect_at(conn, clock, sleeps, retention=one_day)
    # The scheduler was down for 3 hours: the next run collects the 3 hours it missed.
    clock.advance(timedelta(hours=3))
    assert collect_at(conn, clock, sleeps, retention=one_day) == 3 * len(METRICS)
    # Down for 2 days: only the last day can still be collected; the day before stays a gap.
    clock.advance(timedelta(days=2))
    collect_at(conn, clock, sleeps, retention=one_day)
    stored = snapshots(conn, "hourly")
    starts = [NOW.replace(minute=0, second=0) + timedelta(hours=h) for h in range(51)]
    series = with_gaps(
        starts, {s: r["value"] for (m, s), r in stored.items() if m == "submissions"}
    )
    missing = [start for start, value in series if value is None]
    assert missing == starts[3:28]


def test_retention_deletes_what_is_past_it_and_keeps_the_rest(
    conn: db.Connection, history: list[Submission], clock: Clock, sleeps: list[float]
) -> None:
    collect_at(conn, clock, sleeps, retention=SHORT, collectors=failing_mean_score([]))
    collect.recorded(conn, "probe", clock, lambda: 0)
    clock.advance(timedelta(hours=6))
    tighter = Retention(
        hourly=timedelta(days=1),
        daily=timedelta(days=2),
        failures=timedelta(hours=1),
        job_runs=timedelta(hours=1),
    )
    deleted = collect.apply_retention(conn, clock(), tighter)
    hourly, daily = snapshots(conn, "hourly"), snapshots(conn, "daily")
    assert min(start for _, start in hourly) >= clock() - tighter.hourly
    assert min(start for _, start in daily) >= clock() - tighter.daily
    assert len({start for _, start in hourly}) == 47 - 30
    assert len({start for _, start in daily}) == 1
    left = conn.execute(
        "SELECT (SELECT count(*) FROM metric_collection_failures) AS failures,"
        " (SELECT count(*) FROM job_runs) AS runs"
    ).fetchone()
    assert left == {"failures": 0, "runs": 0}
    stored_metrics = len(METRICS) - 1  # mean_score failed throughout
    assert deleted == (30 + 2) * stored_metrics + (47 + 3) + 1
    assert collect.apply_retention(conn, clock(), tighter) == 0


def test_every_run_is_recorded_in_job_runs(
    conn: db.Connection, settings: Settings, history: list[Submission], clock: Clock
) -> None:
    quick = make_settings(
        settings.database_url,
        settings.redis_url,
        ARENA_TIMEZONE="Asia/Seoul",
        ARENA_METRICS_HOURLY_RETENTION_DAYS="1",
        ARENA_METRICS_DAILY_RETENTION_DAYS="2",
    )
    stored = collect.snapshot_job(conn, quick, clock, lambda _: None)
    assert stored == (23 + 1) * len(METRICS)

    def broken() -> int:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        collect.recorded(conn, "export_cleanup", clock, broken)
    runs = conn.execute("SELECT * FROM job_runs ORDER BY id").fetchall()
    assert [(r["job"], r["started_at"], r["finished_at"], r["rows"], r["error"]) for r in runs] == [
        ("metrics_snapshots", NOW, NOW, stored, None),
        ("export_cleanup", NOW, NOW, None, "RuntimeError: disk full"),
    ]


def test_a_bucket_is_collected_only_once_it_is_over_and_settled() -> None:
    just_after = datetime(2025, 3, 31, 15, 0, 30, tzinfo=UTC)
    hour = timedelta(hours=1)
    last = datetime(2025, 3, 31, 14, tzinfo=UTC)
    assert collect.due_starts(just_after, "hourly", SEOUL, 3 * hour) == [last - hour]
    settled = just_after + timedelta(seconds=30)
    assert collect.due_starts(settled, "hourly", SEOUL, 3 * hour) == [last, last - hour]


def test_a_rejudge_is_judge_work_but_not_another_submission_user_or_grade(
    conn: db.Connection, clock: Clock, sleeps: list[float]
) -> None:
    (user,) = make_users(conn, 1)
    hour = datetime(2025, 3, 31, 14, tzinfo=UTC)
    first = one(conn, user, hour + timedelta(minutes=1), timedelta(seconds=1), timedelta(seconds=2))
    original = conn.execute("SELECT id FROM submissions").fetchone()["id"]
    one(conn, user, hour + timedelta(minutes=5), timedelta(seconds=3), timedelta(seconds=4))
    conn.execute(
        "UPDATE submissions SET rejudge_of = %s, score = 90 WHERE id <> %s", (original, original)
    )
    collect_at(conn, clock, sleeps)
    got = values(snapshots(conn, "hourly"), hour)
    assert (got["submissions"], got["active_users"], got["mean_score"]) == (1.0, 1.0, first.score)
    judged = snapshots(conn, "hourly")[("judge_duration_p95", hour)]
    assert (judged["n"], judged["max"]) == (2, 4000.0)
