"""The overview: every component's health, the workers from their heartbeats, the
scheduler's jobs, the queue, judging in flight and recent failures, refreshed live until
paused; admins only; it still answers while PostgreSQL or Redis is down."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from nicegui.testing.user import User as SimulatedUser

from appliance import db
from appliance.accounts.users import create_user
from appliance.workers.worker import WorkerContext
from tests import services
from tests.ui.conftest import log_in, make_console_user
from ui.admin import overview


def _submission(conn: db.Connection, status: str, **fields: object) -> str:
    """A submission of the learner `lee` to mini-clamp, then moved to `status`."""
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


def _job_run(conn: db.Connection, job: str, ago: timedelta, error: str | None = None) -> None:
    started = datetime.now(UTC) - ago
    conn.execute(
        "INSERT INTO job_runs (job, started_at, finished_at, rows, error)"
        " VALUES (%s, %s, %s, %s, %s)",
        (job, started, started + timedelta(seconds=1), None if error else 3, error),
    )


async def test_every_component_and_the_worker_from_its_heartbeat_are_shown(
    admin_user: SimulatedUser, worker_ctx: WorkerContext
) -> None:
    await admin_user.open("/")
    for component in ("PostgreSQL", "Database schema", "Redis", "Docker", "Judge image"):
        await admin_user.should_see(component)
    for component in ("Scheduler", "Judge self-test", "Jobs waiting in Redis"):
        await admin_user.should_see(component)
    await admin_user.should_see(worker_ctx.name)
    await admin_user.should_see("Alive")
    await admin_user.should_see("1 live")
    await admin_user.should_see("Not running")  # no scheduler holds its lock in a test
    await admin_user.should_see("Degraded")


async def test_the_scheduler_jobs_show_their_last_and_next_runs_and_failures(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    _job_run(conn, "metrics_latency", timedelta(minutes=1))
    _job_run(conn, "judge_selftest", timedelta(minutes=2), "the self-test graded FAILURE")
    conn.execute(
        "INSERT INTO metric_collection_failures"
        " (metric, granularity, bucket_start, attempts, error, failed_at)"
        " VALUES ('mean_score', 'hourly', now() - interval '2 hours', 3, 'statement timeout',"
        " now())"
    )
    await admin_user.open("/")
    await admin_user.should_see("Latency rollups")
    await admin_user.should_see("Succeeded")
    await admin_user.should_see("Not run yet")  # retention, on a fresh database
    await admin_user.should_see("the self-test graded FAILURE")
    await admin_user.should_see("statement timeout")
    await admin_user.should_see("mean_score")


async def test_a_running_submission_appears_in_flight_with_its_age(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    started = datetime.now(UTC) - timedelta(seconds=95)
    submission = _submission(conn, "RUNNING", started_at=started, claimed_by="worker-7", attempts=2)
    await admin_user.open("/")
    await admin_user.should_see(submission)
    await admin_user.should_see("worker-7")
    await admin_user.should_see("Attempt 2: a worker died under it")
    await admin_user.should_see("1 min 3")  # 95 s and the test's own few seconds
    running = next(iter(admin_user.find(marker="overview-running").elements))
    assert running.text == "1"  # type: ignore[attr-defined]


async def test_an_error_submission_appears_among_recent_failures_with_its_reason(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    submission = _submission(
        conn, "ERROR", error_detail="docker daemon went away", finished_at=datetime.now(UTC)
    )
    await admin_user.open("/")
    await admin_user.should_see("Submissions that ended in ERROR")
    await admin_user.should_see(submission)
    await admin_user.should_see("docker daemon went away")


async def test_the_page_refreshes_itself_until_paused(
    admin_user: SimulatedUser, conn: db.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(overview, "REFRESH_S", 0.2)
    await admin_user.open("/")
    await admin_user.should_see("Nothing is being judged.")
    seen = _submission(conn, "RUNNING", started_at=datetime.now(UTC), claimed_by="w1")
    await admin_user.should_see(seen, retries=20)
    admin_user.find(marker="overview-live").click()
    await asyncio.sleep(0.5)  # a refresh under way when paused may still land
    unseen = _submission(conn, "RUNNING", started_at=datetime.now(UTC), claimed_by="w2")
    await asyncio.sleep(1.0)
    await admin_user.should_not_see(unseen)
    admin_user.find(marker="overview-refresh").click()  # a refresh on demand still works
    await admin_user.should_see(unseen, retries=20)


async def test_an_author_is_sent_to_the_problems(
    author_user: SimulatedUser,
) -> None:
    await author_user.open("/")
    await author_user.should_not_see(marker="overview-components")
    assert author_user.client is not None
    assert author_user.client.page.path != "/"


async def test_the_overview_in_korean(visitor: SimulatedUser, conn: db.Connection) -> None:
    make_console_user(conn, "ada", "admin")
    await log_in(visitor, "ada")
    await visitor.open("/")
    await visitor.should_see("구성 요소")
    await visitor.should_see("채점 중인 제출이 없습니다.")
    await visitor.should_see("ERROR로 끝난 제출이 없습니다.")


@pytest.fixture
def redis_down(console_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARENA_REDIS_URL", "redis://127.0.0.1:1/0")


async def test_with_redis_down_the_page_still_renders_and_says_so(
    redis_down: None, admin_user: SimulatedUser
) -> None:
    await admin_user.open("/")
    await admin_user.should_see("Unhealthy")
    await admin_user.should_see("Down")
    await admin_user.should_see("Unknown")  # the Redis queue's length
    await admin_user.should_see("Nothing is being judged.")  # PostgreSQL still answers


async def test_with_postgresql_down_the_page_says_so_and_comes_back_with_it(
    admin_user: SimulatedUser,
    pg_admin_url: str,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(overview, "REFRESH_S", 0.2)
    with services.database_refusing(pg_admin_url, database_url):
        await admin_user.open("/")
        await admin_user.should_see("The database cannot be reached right now.")
        await admin_user.should_see("Unhealthy", retries=50)  # once checked
        await admin_user.should_see("Down")
    await admin_user.should_see(marker="overview-components", retries=200)
