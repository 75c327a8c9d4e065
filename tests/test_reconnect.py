"""PostgreSQL may restart: the worker, its heartbeat, the scheduler and the API each notice
their sessions ended and carry on with new ones, without restarting themselves. Every test
restarts the session's real server in place (fast shutdown, same port and data)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from litestar.testing import TestClient

from appliance import db
from appliance import queries as core_queries
from appliance.health.queries import scheduler_alive
from appliance.judging import judge
from appliance.scheduler import Lease, tick
from appliance.settings import Settings
from appliance.workers import worker
from appliance.workers.worker import WorkerContext, make_context
from tests import services
from tests.bundles import STRONG_SUITE
from tests.conftest import bearer, make_settings
from tests.programs import Start, appliance_programs, scheduler_lock_holder, wait_for
from tests.submissions.helpers import result, submit


@pytest.fixture
def restart_postgres(pg_admin_url: str) -> Iterator[Callable[[], None]]:
    """Restart the session's PostgreSQL; whatever the test does, it is up when it ends."""
    yield lambda: services.restart_postgres(pg_admin_url)
    services.ensure_postgres(pg_admin_url)


def unfinished(database_url: str) -> list[dict[str, Any]]:
    """Submissions not yet terminal, read on a connection of its own."""
    with db.connect(database_url) as conn:
        return conn.execute(
            "SELECT id, status FROM submissions WHERE status IN ('PENDING', 'RUNNING')"
        ).fetchall()


def test_the_worker_judges_on_a_new_connection_after_postgresql_restarts(
    api: TestClient[Any],
    learner_token: str,
    worker_ctx: WorkerContext,
    drain: Callable[[], None],
    restart_postgres: Callable[[], None],
) -> None:
    before = submit(api, learner_token, STRONG_SUITE)  # pending across the restart
    old = worker_ctx.conn
    restart_postgres()
    after = submit(api, learner_token, STRONG_SUITE)
    drain()
    assert old.closed and worker_ctx.conn is not old
    for accepted in (before, after):
        got = result(api, learner_token, accepted["id"])
        assert (got["status"], got["score"]) == ("SUCCESS", 100)
    assert unfinished(worker_ctx.settings.database_url) == []


def _heartbeat_at(database_url: str, name: str) -> Any:
    with db.connect(database_url) as conn:
        row = conn.execute("SELECT heartbeat_at FROM workers WHERE name = %s", (name,)).fetchone()
    return None if row is None else row["heartbeat_at"]


def test_the_heartbeat_resumes_after_postgresql_restarts(
    worker_ctx: WorkerContext, redis_url: str, restart_postgres: Callable[[], None]
) -> None:
    quick = make_settings(
        worker_ctx.settings.database_url, redis_url, ARENA_HEARTBEAT_SECONDS="0.2"
    )
    ctx = make_context(quick, worker_ctx.conn, worker_ctx.docker, worker_ctx.name)
    stop = worker.start_heartbeat(ctx)
    try:
        restart_postgres()
        restarted = _heartbeat_at(quick.database_url, ctx.name)
        deadline = time.monotonic() + 15
        while _heartbeat_at(quick.database_url, ctx.name) == restarted:
            assert time.monotonic() < deadline, "no heartbeat since the restart"
            time.sleep(0.2)
    finally:
        stop.set()
    assert unfinished(quick.database_url) == []


def test_the_scheduler_ticks_and_holds_its_lock_again_after_postgresql_restarts(
    api: TestClient[Any],
    learner_token: str,
    settings: Settings,
    broker: redis.Redis,
    drain: Callable[[], None],
    restart_postgres: Callable[[], None],
) -> None:
    lease = Lease(settings.database_url)
    try:
        assert tick(lease, broker, settings) is not None
        assert lease.conn is not None
        old_pid = lease.conn.info.backend_pid
        assert scheduler_lock_holder(settings.database_url) == old_pid
        restart_postgres()
        assert (
            scheduler_lock_holder(settings.database_url) is None
        )  # the lock ended with the session
        accepted = submit(api, learner_token, STRONG_SUITE)
        broker.flushdb()  # Redis lost the job: only the sweep can queue it again
        with db.connect(settings.database_url) as conn:
            conn.execute(
                "UPDATE submissions SET created_at = now() - interval '1 minute' WHERE id = %s",
                (accepted["id"],),
            )
        swept = tick(lease, broker, settings)
        assert swept is not None and swept.enqueued == 1
        assert lease.conn is not None and lease.conn.info.backend_pid != old_pid
        assert scheduler_lock_holder(settings.database_url) == lease.conn.info.backend_pid
        with db.connect(settings.database_url) as conn:  # what /health reports
            assert scheduler_alive(conn, core_queries.SCHEDULER_LOCK)
        drain()
        assert result(api, learner_token, accepted["id"])["status"] == "SUCCESS"
    finally:
        lease.close()
    assert scheduler_lock_holder(settings.database_url) is None
    assert unfinished(settings.database_url) == []


def test_a_standby_scheduler_idles_until_the_lock_is_free_then_sweeps(
    settings: Settings, broker: redis.Redis
) -> None:
    active, standby = Lease(settings.database_url), Lease(settings.database_url)
    try:
        assert tick(active, broker, settings) is not None
        assert tick(standby, broker, settings) is None  # idles: no second sweeper
        active.close()  # the active scheduler dies; its session and lock end
        assert tick(standby, broker, settings) is not None
        assert standby.conn is not None
        assert scheduler_lock_holder(settings.database_url) == standby.conn.info.backend_pid
    finally:
        active.close()
        standby.close()
    assert unfinished(settings.database_url) == []
    assert unfinished(settings.database_url) == []


def test_the_api_answers_the_first_request_after_postgresql_restarts(
    api: TestClient[Any],
    learner_token: str,
    settings: Settings,
    restart_postgres: Callable[[], None],
) -> None:
    headers = bearer(learner_token)
    for path in ("/api/v1/problems", "/api/v1/submissions"):
        assert api.get(path, headers=headers).status_code == 200
    restart_postgres()
    for path in ("/api/v1/problems", "/api/v1/submissions"):
        response = api.get(path, headers=headers)  # the first try, no retry
        assert response.status_code == 200, response.text
    assert unfinished(settings.database_url) == []


@pytest.fixture
def processes(settings: Settings) -> Iterator[Start]:
    """Start real appliance programs (`worker`, `scheduler`); ended with SIGTERM after."""
    with appliance_programs(settings) as start:
        yield start


def test_running_programs_carry_on_after_postgresql_restarts(
    api: TestClient[Any],
    learner_token: str,
    settings: Settings,
    processes: Callable[[str], subprocess.Popen[bytes]],
    restart_postgres: Callable[[], None],
) -> None:
    """The report's symptom, end to end: after a restart the scheduler held its lock again
    (health said "absent" before) and a worker process judged what came next."""
    scheduler, judge_worker = processes("scheduler"), processes("worker")
    first = wait_for(
        lambda: scheduler_lock_holder(settings.database_url), 60, "the scheduler's lock"
    )
    wait_for(lambda: _live_workers(settings.database_url), 60, "the worker's heartbeat")
    restart_postgres()
    again = wait_for(
        lambda: scheduler_lock_holder(settings.database_url), 30, "the lock taken again"
    )
    assert again != first
    accepted = submit(api, learner_token, STRONG_SUITE)
    wait_for(lambda: not unfinished(settings.database_url), 120, "the submission to finish")
    assert result(api, learner_token, accepted["id"])["status"] == "SUCCESS"
    health = api.get("/api/v1/health").json()
    assert (health["scheduler"], health["workers"]) == ("running", 1)
    assert scheduler.poll() is None and judge_worker.poll() is None  # neither restarted


def _live_workers(database_url: str) -> int:
    with db.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*) AS n FROM workers WHERE heartbeat_at > now() - interval '3 seconds'"
        ).fetchone()
    return 0 if row is None else int(row["n"])


def test_a_restart_during_the_judging_keeps_the_verdict(
    api: TestClient[Any],
    learner_token: str,
    worker_ctx: WorkerContext,
    drain: Callable[[], None],
    restart_postgres: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = judge.judge_version

    def judge_then_restart(*args: Any) -> Any:
        judged = real(*args)
        restart_postgres()  # the verdict is known; the session that claimed the row is gone
        return judged

    monkeypatch.setattr(judge, "judge_version", judge_then_restart)
    accepted = submit(api, learner_token, STRONG_SUITE)
    drain()
    got = result(api, learner_token, accepted["id"])
    assert (got["status"], got["score"]) == ("SUCCESS", 100)  # judged once, not again
    with db.connect(worker_ctx.settings.database_url) as conn:
        row = conn.execute("SELECT attempts FROM submissions WHERE id = %s", (accepted["id"],))
        assert row.fetchone() == {"attempts": 1}
    assert unfinished(worker_ctx.settings.database_url) == []


def test_the_api_says_503_with_retry_after_while_its_database_is_away_then_recovers(
    api: TestClient[Any], learner_token: str, pg_admin_url: str, database_url: str
) -> None:
    def problems() -> int:
        return api.get("/api/v1/problems", headers=bearer(learner_token)).status_code

    with services.database_refusing(pg_admin_url, database_url):
        away = api.get("/api/v1/problems", headers=bearer(learner_token))
    assert away.status_code == 503, away.text
    assert away.json()["type"] == "unavailable"
    assert int(away.headers["Retry-After"]) > 0
    wait_for(lambda: problems() == 200, 30, "the API to answer again")
