"""Health and readiness reflect the real components: database, Redis, schema, live workers
that reach Docker and see the judge image, and the scheduler's lock."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from appliance import __version__, db, migrate, queries
from appliance.workers.worker import WorkerContext
from tests.conftest import make_settings


def test_healthz_answers_while_the_process_lives(api: TestClient[Any]) -> None:
    assert api.get("/healthz").json() == {"status": "ok"}


def test_not_ready_without_a_live_worker(api: TestClient[Any]) -> None:
    response = api.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["workers"] == 0 and body["judge_image"] is None
    assert body["database_status"] == "ok" and body["redis_status"] == "ok"


def test_ready_with_a_worker_that_sees_the_judge_image(
    api: TestClient[Any], worker_ctx: WorkerContext
) -> None:
    body = api.get("/readyz").json()
    assert body["status"] == "degraded"  # no scheduler holds its lock
    assert body["docker_status"] == "ok" and body["judge_image"].startswith("sha256:")
    assert body["workers"] == 1 and body["schema_version"] == migrate.head_version()
    assert body["version"] == __version__
    assert api.get("/api/v1/health").status_code == 200


def test_healthy_once_the_scheduler_holds_its_lock(
    api: TestClient[Any], worker_ctx: WorkerContext, database_url: str
) -> None:
    with db.connect(database_url) as scheduler_conn:
        assert queries.try_lock(scheduler_conn, queries.SCHEDULER_LOCK)
        body = api.get("/api/v1/health").json()
        assert (body["status"], body["scheduler"]) == ("healthy", "running")
        with db.connect(database_url) as second:
            assert not queries.try_lock(second, queries.SCHEDULER_LOCK)


def test_unhealthy_when_redis_is_down(database_url: str, worker_ctx: WorkerContext) -> None:
    from appliance.api import create_app

    with TestClient(app=create_app(make_settings(database_url, "redis://127.0.0.1:1/0"))) as api:
        response = api.get("/readyz")
    assert response.status_code == 503
    assert response.json()["redis_status"].startswith("error")


def test_unhealthy_when_the_schema_is_behind(
    api: TestClient[Any], worker_ctx: WorkerContext, conn: db.Connection
) -> None:
    conn.execute("DELETE FROM schema_migrations")
    body = api.get("/readyz").json()
    assert (body["status"], body["schema_version"]) == ("unhealthy", 0)


def test_version_names_the_schema_and_the_judge_image(
    api: TestClient[Any], worker_ctx: WorkerContext
) -> None:
    body = api.get("/api/v1/version").json()
    assert body["version"] == __version__
    assert body["schema_version"] == body["schema_head"] == migrate.head_version()
    assert body["judge_image"].startswith("sha256:")
