"""The cadence of the recorded scheduler jobs and the workers' heartbeats: when a job runs
next, and when a job or a worker counts as late (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from appliance.health.schedule import Cadence, job_state, next_run, worker_state

NOW = datetime(2026, 3, 4, 10, 1, 30, tzinfo=UTC)
EVERY_5_MIN = Cadence(timedelta(minutes=5))
HOURLY_AT_2 = Cadence(timedelta(hours=1), timedelta(minutes=2))
DAILY_AT_0030 = Cadence(timedelta(days=1), timedelta(minutes=30))


def test_an_interval_job_runs_next_one_period_after_its_last_start() -> None:
    started = NOW - timedelta(minutes=1)
    assert next_run(EVERY_5_MIN, started, NOW) == started + timedelta(minutes=5)


def test_an_interval_job_that_never_ran_has_no_known_next_run() -> None:
    assert next_run(EVERY_5_MIN, None, NOW) is None


def test_a_cron_job_runs_next_at_its_offset_past_the_next_period() -> None:
    assert next_run(HOURLY_AT_2, None, NOW) == datetime(2026, 3, 4, 10, 2, tzinfo=UTC)
    at_the_run = datetime(2026, 3, 4, 10, 2, tzinfo=UTC)
    assert next_run(HOURLY_AT_2, None, at_the_run) == datetime(2026, 3, 4, 11, 2, tzinfo=UTC)
    assert next_run(DAILY_AT_0030, NOW, NOW) == datetime(2026, 3, 5, 0, 30, tzinfo=UTC)


def test_a_job_is_ok_failed_or_never_ran_by_its_newest_run() -> None:
    started, finished = NOW - timedelta(minutes=3), NOW - timedelta(minutes=2)
    assert job_state(EVERY_5_MIN, None, None, None, NOW) == "never"
    assert job_state(EVERY_5_MIN, started, finished, None, NOW) == "ok"
    assert job_state(EVERY_5_MIN, started, finished, "boom", NOW) == "failed"
    assert job_state(EVERY_5_MIN, started, None, None, NOW) == "running"


def test_a_job_is_late_once_it_missed_a_run_or_never_finished_one() -> None:
    long_ago = NOW - timedelta(minutes=11)
    assert job_state(EVERY_5_MIN, long_ago, long_ago, None, NOW) == "late"
    stalled = NOW - timedelta(hours=2)
    assert job_state(DAILY_AT_0030, stalled, None, None, NOW) == "late"
    assert job_state(DAILY_AT_0030, NOW - timedelta(hours=20), NOW, None, NOW) == "ok"


def test_a_worker_is_late_after_a_missed_beat_and_dead_past_the_limit() -> None:
    assert worker_state(timedelta(seconds=2), 3.0, 15.0) == "alive"
    assert worker_state(timedelta(seconds=7), 3.0, 15.0) == "late"
    assert worker_state(timedelta(seconds=16), 3.0, 15.0) == "dead"
