"""The judge's self-test: a known problem graded by a worker in a real sandbox, its outcome
recorded in job_runs and shown by the health report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis
from litestar.testing import TestClient

from appliance import db, queries, queue
from appliance.judging import selftest
from appliance.judging.jobs import judge_selftest
from appliance.scoring.grade import Grade
from appliance.workers.worker import WorkerContext, make_context
from tests.conftest import make_settings


def _runs(conn: db.Connection) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT rows, error, finished_at IS NOT NULL AS finished FROM job_runs WHERE job = %s",
        (selftest.SELFTEST_JOB,),
    ).fetchall()


def test_a_working_judge_grades_the_self_test_as_expected_and_health_says_passed(
    api: TestClient[Any], worker_ctx: WorkerContext, conn: db.Connection, database_url: str
) -> None:
    assert judge_selftest(worker_ctx) == selftest.EXPECTED.score == 82
    assert _runs(conn) == [{"rows": 82, "error": None, "finished": True}]
    with db.connect(database_url) as scheduler_conn:
        assert queries.try_lock(scheduler_conn, queries.SCHEDULER_LOCK)
        body = api.get("/api/v1/health").json()
    assert body["judge_selftest"]["status"] == "passed"
    assert body["status"] == "healthy"


def test_a_broken_judge_fails_the_self_test_and_health_is_degraded(
    api: TestClient[Any], worker_ctx: WorkerContext, conn: db.Connection
) -> None:
    broken = make_settings(
        worker_ctx.settings.database_url,
        worker_ctx.settings.redis_url,
        ARENA_JUDGE_IMAGE="arena/no-such-image:0",
    )
    ctx = make_context(broken, worker_ctx.conn, worker_ctx.docker, worker_ctx.name)
    with pytest.raises(Exception, match="missing"):
        judge_selftest(ctx)
    [run] = _runs(conn)
    assert run["finished"] and run["rows"] is None and "missing" in run["error"]
    body = api.get("/api/v1/health").json()
    assert body["judge_selftest"]["status"] == "failed"
    assert body["status"] == "degraded"


@pytest.mark.parametrize(
    "graded",
    [
        Grade("SUCCESS", None, 100, 4, 4, 2, 2),  # a judge that kills everything
        Grade("SUCCESS", None, 30, 0, 4, 0, 2),  # or nothing
        Grade("FAILURE", "golden_failed", 0, 0, 4, 0, 2),
    ],
)
def test_any_other_grade_is_a_self_test_failure(graded: Grade) -> None:
    assert selftest.mismatch(graded) is not None
    assert selftest.mismatch(selftest.EXPECTED) is None


def test_the_health_report_has_no_self_test_until_one_ran(api: TestClient[Any]) -> None:
    assert api.get("/api/v1/health").json()["judge_selftest"] is None


def test_the_self_test_is_queued_once_and_a_worker_runs_it(
    broker: redis.Redis, drain: Callable[[], None], conn: db.Connection
) -> None:
    assert queue.enqueue_selftest(broker)
    assert not queue.enqueue_selftest(broker)
    assert queue.judge_queue(broker).job_ids == ["judge-selftest"]
    drain()
    assert _runs(conn) == [{"rows": 82, "error": None, "finished": True}]
