"""The scheduler's sweep: PostgreSQL is the truth, so whatever Redis lost is queued again,
and submissions of dead workers go back to the queue (or end as ERROR after 3 losses)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import redis
from litestar.testing import TestClient

from appliance import db, queue
from appliance.scheduler import Lease, abandon_bounds, build, metrics_tick, sweep
from appliance.settings import Settings
from tests.bundles import STRONG_SUITE
from tests.conftest import PROBLEM, make_settings
from tests.submissions.helpers import submit


def age(conn: db.Connection, submission_id: str) -> None:
    conn.execute(
        "UPDATE submissions SET created_at = now() - interval '1 minute' WHERE id = %s",
        (submission_id,),
    )


def test_pending_submissions_lost_by_redis_are_queued_again(
    api: TestClient[Any],
    learner_token: str,
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
) -> None:
    accepted = submit(api, learner_token, STRONG_SUITE)
    broker.flushdb()
    age(conn, accepted["id"])
    assert sweep(conn, broker, settings).enqueued == 1
    assert queue.judge_queue(broker).job_ids == [accepted["id"]]
    assert sweep(conn, broker, settings).enqueued == 0  # already queued: a no-op


def test_a_running_submission_of_a_dead_worker_is_released(
    api: TestClient[Any],
    learner_token: str,
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
) -> None:
    accepted = submit(api, learner_token, STRONG_SUITE)
    conn.execute(
        "UPDATE submissions SET status = 'RUNNING', claimed_by = 'gone', attempts = 1"
        " WHERE id = %s",
        (accepted["id"],),
    )
    result = sweep(conn, broker, settings)
    assert (result.released, result.failed) == (1, 0)
    row = conn.execute(
        "SELECT status, claimed_by FROM submissions WHERE id = %s", (accepted["id"],)
    ).fetchone()
    assert row == {"status": "PENDING", "claimed_by": None}
    assert "reap-containers" in queue.judge_queue(broker).job_ids


def test_a_submission_that_lost_its_worker_three_times_is_an_error(
    api: TestClient[Any],
    learner_token: str,
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
) -> None:
    accepted = submit(api, learner_token, STRONG_SUITE)
    conn.execute(
        "UPDATE submissions SET status = 'RUNNING', claimed_by = 'gone', attempts = 3"
        " WHERE id = %s",
        (accepted["id"],),
    )
    assert sweep(conn, broker, settings).failed == 1
    row = conn.execute(
        "SELECT status, error_detail FROM submissions WHERE id = %s", (accepted["id"],)
    ).fetchone()
    assert row is not None and row["status"] == "ERROR" and "3 times" in row["error_detail"]


def test_a_live_workers_submission_is_left_alone(
    api: TestClient[Any],
    learner_token: str,
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
) -> None:
    accepted = submit(api, learner_token, STRONG_SUITE)
    conn.execute("INSERT INTO workers (name, hostname, pid) VALUES ('alive', 'h', 1)")
    conn.execute(
        "UPDATE submissions SET status = 'RUNNING', claimed_by = 'alive', attempts = 1"
        " WHERE id = %s",
        (accepted["id"],),
    )
    assert sweep(conn, broker, settings).released == 0


def _claimed_by_a_live_worker(conn: db.Connection, submission_id: str, attempts: int) -> None:
    conn.execute("INSERT INTO workers (name, hostname, pid) VALUES ('stuck', 'h', 1)")
    conn.execute(
        "UPDATE submissions SET status = 'RUNNING', claimed_by = 'stuck', attempts = %s"
        " WHERE id = %s",
        (attempts, submission_id),
    )


def _started_ago(conn: db.Connection, submission_id: str, seconds: float) -> None:
    conn.execute(
        "UPDATE submissions SET started_at = now() - make_interval(secs => %s) WHERE id = %s",
        (seconds, submission_id),
    )


def _worst_case_s(conn: db.Connection, settings: Settings) -> float:
    """The judge's worst case for the test problem, as the sweeper should compute it."""
    row = conn.execute(
        "SELECT v.wall_seconds, (SELECT count(*) FROM mutants m WHERE m.version_id = v.id) AS n"
        " FROM problems p JOIN problem_versions v ON v.id = p.current_version_id"
        " WHERE p.slug = %s",
        (PROBLEM,),
    ).fetchone()
    assert row is not None
    b = abandon_bounds(settings)
    per_try = b["start"] + (b["runs"] + row["n"]) * (row["wall_seconds"] + b["overhead"])
    return b["tries"] * per_try + b["slack"]


def test_a_claim_older_than_the_judges_worst_case_is_released_despite_a_fresh_heartbeat(
    api: TestClient[Any],
    learner_token: str,
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
) -> None:
    accepted = submit(api, learner_token, STRONG_SUITE)
    _claimed_by_a_live_worker(conn, accepted["id"], attempts=1)
    worst = _worst_case_s(conn, settings)
    _started_ago(conn, accepted["id"], worst - 30)
    assert sweep(conn, broker, settings).released == 0  # still within its time
    _started_ago(conn, accepted["id"], worst + 30)
    assert sweep(conn, broker, settings).released == 1
    row = conn.execute(
        "SELECT status, claimed_by FROM submissions WHERE id = %s", (accepted["id"],)
    ).fetchone()
    assert row == {"status": "PENDING", "claimed_by": None}


def test_an_overdue_claim_on_its_last_try_is_an_error_despite_a_fresh_heartbeat(
    api: TestClient[Any],
    learner_token: str,
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
) -> None:
    accepted = submit(api, learner_token, STRONG_SUITE)
    _claimed_by_a_live_worker(conn, accepted["id"], attempts=3)
    _started_ago(conn, accepted["id"], _worst_case_s(conn, settings) + 30)
    assert sweep(conn, broker, settings).failed == 1
    row = conn.execute(
        "SELECT status, error_detail FROM submissions WHERE id = %s", (accepted["id"],)
    ).fetchone()
    assert row is not None and row["status"] == "ERROR"
    assert "3 times" in row["error_detail"] and "worst case" in row["error_detail"]


def test_every_job_runs_one_at_a_time_coalesced_and_tolerates_lateness(
    settings: Settings, broker: redis.Redis
) -> None:
    scheduler = build(Lease(settings.database_url), broker, settings)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {
        "sweep",
        "reap",
        "selftest",
        "exports",
        "metrics_latency",
        "metrics_snapshots",
        "metrics_retention",
    }
    for job in jobs.values():
        assert (job.max_instances, job.coalesce) == (1, True), job.id
        assert job.misfire_grace_time >= 60, job.id
    metrics = {name for name in jobs if name.startswith("metrics_")}
    assert {jobs[name].executor for name in metrics} == {"metrics"}
    assert {jobs[name].executor for name in set(jobs) - metrics} == {"default"}


def test_per_model_latency_is_pulled_every_5_minutes_only_when_a_prometheus_is_set(
    settings: Settings, broker: redis.Redis
) -> None:
    lease = Lease(settings.database_url)
    assert "metrics_models" not in {job.id for job in build(lease, broker, settings).get_jobs()}
    configured = make_settings(
        settings.database_url,
        settings.redis_url,
        ARENA_PROMETHEUS_URL="http://prometheus.internal:9090/",
        ARENA_PROMETHEUS_METRIC="llm_request_duration_seconds",
    )
    jobs = {job.id: job for job in build(lease, broker, configured).get_jobs()}
    assert set(jobs) == {
        "sweep",
        "reap",
        "selftest",
        "exports",
        "metrics_latency",
        "metrics_snapshots",
        "metrics_retention",
        "metrics_models",
    }
    pull = jobs["metrics_models"]
    assert (pull.executor, pull.max_instances, pull.coalesce) == ("metrics", 1, True)
    assert pull.trigger.interval == timedelta(minutes=5)


def test_only_the_scheduler_holding_the_lock_runs_a_metrics_job(
    settings: Settings, database_url: str
) -> None:
    runs: list[str] = []
    holder, idler = Lease(database_url), Lease(database_url)
    try:
        assert holder.connection() is not None
        metrics_tick(idler, settings, lambda conn, _: runs.append("idler"))
        metrics_tick(holder, settings, lambda conn, _: runs.append("holder"))
    finally:
        holder.close()
        idler.close()
    assert runs == ["holder"]
