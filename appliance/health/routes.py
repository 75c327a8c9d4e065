"""Health, readiness and version. No token needed. Docker is only asked by workers (they
report it in their heartbeats), so the API never touches the Docker socket."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
import redis
from litestar import Response, get
from litestar.datastructures import State

from appliance import __version__, migrate
from appliance import queries as core_queries
from appliance.health import queries
from appliance.injected import Config
from appliance.workers import queries as worker_queries


@get("/healthz", sync_to_thread=False)
def healthz() -> dict[str, str]:
    """200 while the process lives."""
    return {"status": "ok"}


def _database(state: State, settings: Config) -> dict[str, Any]:
    try:
        with state.pool.connection(timeout=3) as conn:
            queries.ping(conn)
            return {
                "database_status": "ok",
                "schema_version": core_queries.schema_version(conn),
                "workers": worker_queries.live_workers(conn, settings.worker_dead_after_seconds),
                "scheduler": queries.scheduler_alive(conn, core_queries.SCHEDULER_LOCK),
            }
    except (psycopg.Error, OSError) as exc:
        return {
            "database_status": f"error: {exc}",
            "schema_version": None,
            "workers": [],
            "scheduler": False,
        }


def _redis(state: State) -> str:
    try:
        state.broker.ping()
        return "ok"
    except redis.RedisError as exc:
        return f"error: {exc}"


def health_report(state: State, settings: Config) -> dict[str, Any]:
    database = _database(state, settings)
    workers = database["workers"]
    with_docker = [w for w in workers if w["docker_ok"]]
    image_ids = sorted({w["judge_image_id"] for w in with_docker if w["judge_image_id"]})
    checks = {
        "database_status": database["database_status"],
        "redis_status": _redis(state),
        "docker_status": "ok" if with_docker else "no live worker reaches Docker",
        "judge_image": image_ids[0] if image_ids else None,
        "workers": len(workers),
        "scheduler": "running" if database["scheduler"] else "absent",
        "schema_version": database["schema_version"],
    }
    return {
        "status": overall(checks, migrate.head_version()),
        **checks,
        "timestamp": datetime.now(UTC).isoformat(),
        "version": __version__,
    }


def overall(checks: dict[str, Any], head: int) -> str:
    """unhealthy: cannot take or judge submissions; degraded: works, something is missing."""
    essential = (
        checks["database_status"] == "ok"
        and checks["redis_status"] == "ok"
        and checks["schema_version"] == head
        and checks["docker_status"] == "ok"
        and checks["judge_image"] is not None
    )
    if not essential:
        return "unhealthy"
    return "healthy" if checks["scheduler"] == "running" else "degraded"


def _health_response(state: State, settings: Config) -> Response[dict[str, Any]]:
    report = health_report(state, settings)
    return Response(report, status_code=503 if report["status"] == "unhealthy" else 200)


@get("/readyz", sync_to_thread=True)
def readyz(state: State, settings: Config) -> Response[dict[str, Any]]:
    """200 when the appliance can take and judge submissions, 503 otherwise."""
    return _health_response(state, settings)


@get("/api/v1/health", sync_to_thread=True)
def health(state: State, settings: Config) -> Response[dict[str, Any]]:
    """Every component's status; 503 unless ready."""
    return _health_response(state, settings)


@get("/api/v1/version", sync_to_thread=True)
def version(state: State, settings: Config) -> dict[str, Any]:
    """Version, git sha, schema version and the judge image the workers see."""
    report = health_report(state, settings)
    return {
        "version": __version__,
        "git_sha": settings.git_sha,
        "schema_version": report["schema_version"],
        "schema_head": migrate.head_version(),
        "judge_image": report["judge_image"],
    }


handlers = [healthz, readyz, health, version]
