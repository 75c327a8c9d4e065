"""The overview's activity read from the real services: workers from their heartbeats,
the recorded jobs, the queue in Redis and PostgreSQL, judging in flight and failures;
and a report, not an exception, while PostgreSQL is down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import redis

from appliance import db, queue
from appliance.accounts.users import create_user
from appliance.health import activity, report
from appliance.settings import Settings
from appliance.workers.worker import WorkerContext


def _submission(conn: db.Connection, status: str, **fields: object) -> str:
    if conn.execute("SELECT 1 FROM users WHERE name = 'lee'").fetchone() is None:
        create_user(conn, "lee", "learner")
    row = conn.execute(
        "INSERT INTO submissions (user_id, version_id, code, code_sha256)"
        " SELECT u.id, p.current_version_id, 'def test_x(): pass', 'sha'"
        " FROM users u, problems p WHERE u.name = 'lee' AND p.slug = 'mini-clamp' RETURNING id"
    ).fetchone()
    assert row is not None
    assignments = ", ".join(f"{name} = %({name})s" for name in ["status", *fields])
    conn.execute(
        f"UPDATE submissions SET {assignments} WHERE id = %(id)s",
        {"status": status, **fields, "id": row["id"]},
    )
    return str(row["id"])


def test_a_worker_is_read_from_its_heartbeat_alive_and_reaching_docker(
    conn: db.Connection, broker: redis.Redis, settings: Settings, worker_ctx: WorkerContext
) -> None:
    read = activity.read_activity(conn, broker, settings, datetime.now(UTC))
    (worker,) = read.workers
    assert (worker.name, worker.state, worker.docker_ok) == (worker_ctx.name, "alive", True)
    assert worker.judge_image_id is not None and worker.judge_image_id.startswith("sha256:")


def test_a_worker_that_stopped_beating_is_dead(
    conn: db.Connection, broker: redis.Redis, settings: Settings
) -> None:
    conn.execute(
        "INSERT INTO workers (name, hostname, pid, heartbeat_at)"
        " VALUES ('gone', 'host', 1, now() - interval '1 minute')"
    )
    (worker,) = activity.read_activity(conn, broker, settings, datetime.now(UTC)).workers
    assert worker.state == "dead"


def test_the_queue_counts_redis_jobs_and_unfinished_submissions(
    conn: db.Connection, broker: redis.Redis, settings: Settings
) -> None:
    pending = _submission(conn, "PENDING", created_at=datetime.now(UTC) - timedelta(minutes=3))
    queue.enqueue_submission(broker, pending)
    running = _submission(conn, "RUNNING", started_at=datetime.now(UTC), claimed_by="w")
    read = activity.read_activity(conn, broker, settings, datetime.now(UTC))
    assert (read.queue.length, read.queue.pending, read.queue.running) == (1, 1, 1)
    assert read.queue.oldest_pending is not None
    assert [str(row["id"]) for row in read.in_flight] == [running]
    assert read.in_flight[0]["problem"] == "mini-clamp"


def test_errors_failed_runs_and_failed_collections_are_the_newest_first(
    conn: db.Connection, broker: redis.Redis, settings: Settings
) -> None:
    now = datetime.now(UTC)
    older = _submission(conn, "ERROR", error_detail="old", finished_at=now - timedelta(hours=1))
    newer = _submission(conn, "ERROR", error_detail="new", finished_at=now)
    _submission(conn, "SUCCESS", score=80, finished_at=now)
    conn.execute(
        "INSERT INTO job_runs (job, started_at, finished_at, error) VALUES"
        " ('metrics_latency', now() - interval '1 minute', now(), 'boom')"
    )
    conn.execute(
        "INSERT INTO metric_collection_failures"
        " (metric, granularity, bucket_start, attempts, error, failed_at)"
        " VALUES ('mean_score', 'daily', now() - interval '1 day', 3, 'timeout', now())"
    )
    read = activity.read_activity(conn, broker, settings, now)
    assert [str(row["id"]) for row in read.errors] == [newer, older]
    assert [row["error"] for row in read.failed_runs] == ["boom"]
    assert [row["metric"] for row in read.failed_collections] == ["mean_score"]
    latency = next(job for job in read.jobs if job.job == "metrics_latency")
    assert (latency.state, latency.error) == ("failed", "boom")
    assert latency.next_at is not None


def test_the_jobs_are_the_recorded_ones_the_models_pull_only_with_a_prometheus(
    settings: Settings,
) -> None:
    assert activity.recorded_jobs(settings) == [
        "judge_selftest",
        "metrics_latency",
        "metrics_snapshots",
        "metrics_retention",
    ]


def test_with_redis_down_the_queue_length_is_unknown_not_an_error(
    conn: db.Connection, settings: Settings
) -> None:
    away = queue.connect("redis://127.0.0.1:1/0")
    read = activity.read_activity(conn, away, settings, datetime.now(UTC))
    assert read.queue.length is None


def test_with_postgresql_down_the_overview_says_so_instead_of_raising(
    broker: redis.Redis, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report, "CONNECT_TIMEOUT_S", 0.5)
    pool = db.open_pool("postgresql://arena@127.0.0.1:1/arena", size=1)
    try:
        seen = activity.overview(pool, broker, settings, datetime.now(UTC))
    finally:
        pool.close()
    assert seen.activity is None
    assert seen.health.database_status.startswith("error")
    assert (seen.health.status, seen.health.redis_status) == ("unhealthy", "ok")
