"""Health, readiness and version. No token needed. Docker is only asked by workers (they
report it in their heartbeats), so the API never touches the Docker socket."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

import msgspec
import psycopg
import redis
from litestar import Response, get
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec

from appliance import __version__, migrate
from appliance import queries as core_queries
from appliance.db import Row
from appliance.health import queries
from appliance.injected import Config
from appliance.judging.selftest import SELFTEST_JOB
from appliance.responses import errors
from appliance.vocabulary import HealthStatus
from appliance.workers import queries as worker_queries


class Alive(msgspec.Struct):
    status: Literal["ok"] = "ok"


class SelfTest(msgspec.Struct):
    """The latest judge self-test: a known problem graded in a real sandbox."""

    status: Literal["passed", "failed"]
    finished_at: datetime
    detail: str | None


class HealthReport(msgspec.Struct):
    """Every component's status (DESIGN.md 6); `status` sums them up."""

    status: HealthStatus
    timestamp: str
    version: str
    database_status: str
    redis_status: str
    docker_status: str
    judge_image: str | None
    workers: int
    scheduler: Literal["running", "absent"]
    schema_version: int | None
    judge_selftest: SelfTest | None  # None until a worker has run one


class VersionInfo(msgspec.Struct):
    version: str
    git_sha: str
    schema_version: int | None
    schema_head: int
    judge_image: str | None


@dataclass(frozen=True)
class _DatabaseState:
    status: str
    schema_version: int | None = None
    workers: list[Row] = field(default_factory=list)
    scheduler: bool = False
    selftest: Row | None = None


@get("/healthz", sync_to_thread=False, responses=errors())
def healthz() -> Alive:
    """200 while the process lives."""
    return Alive()


def _database(state: State, settings: Config) -> _DatabaseState:
    try:
        with state.pool.connection(timeout=3) as conn:
            queries.ping(conn)
            return _DatabaseState(
                "ok",
                core_queries.schema_version(conn),
                worker_queries.live_workers(conn, settings.worker_dead_after_seconds),
                queries.scheduler_alive(conn, core_queries.SCHEDULER_LOCK),
                queries.last_finished_run(conn, SELFTEST_JOB),
            )
    except (psycopg.Error, OSError) as exc:
        return _DatabaseState(f"error: {exc}")


def _redis(state: State) -> str:
    try:
        state.broker.ping()
        return "ok"
    except redis.RedisError as exc:
        return f"error: {exc}"


def health_report(state: State, settings: Config) -> HealthReport:
    database = _database(state, settings)
    with_docker = [w for w in database.workers if w["docker_ok"]]
    image_ids = sorted({w["judge_image_id"] for w in with_docker if w["judge_image_id"]})
    report = HealthReport(
        status="unhealthy",
        timestamp=datetime.now(UTC).isoformat(),
        version=__version__,
        database_status=database.status,
        redis_status=_redis(state),
        docker_status="ok" if with_docker else "no live worker reaches Docker",
        judge_image=image_ids[0] if image_ids else None,
        workers=len(database.workers),
        scheduler="running" if database.scheduler else "absent",
        schema_version=database.schema_version,
        judge_selftest=_selftest(database.selftest),
    )
    return msgspec.structs.replace(report, status=overall(report, migrate.head_version()))


def _selftest(run: Row | None) -> SelfTest | None:
    if run is None:
        return None
    status: Literal["passed", "failed"] = "failed" if run["error"] else "passed"
    return SelfTest(status, run["finished_at"], run["error"])


def overall(report: HealthReport, head: int) -> HealthStatus:
    """unhealthy: cannot take or judge submissions; degraded: works, something is missing
    or the judge's latest self-test went wrong (perhaps a passing fault: it runs again
    within minutes, and a restart of the appliance would not mend a broken judge)."""
    essential = (
        report.database_status == "ok"
        and report.redis_status == "ok"
        and report.schema_version == head
        and report.docker_status == "ok"
        and report.judge_image is not None
    )
    if not essential:
        return "unhealthy"
    selftest_failed = report.judge_selftest is not None and report.judge_selftest.status == "failed"
    return "healthy" if report.scheduler == "running" and not selftest_failed else "degraded"


def _health_response(state: State, settings: Config) -> Response[HealthReport]:
    report = health_report(state, settings)
    return Response(report, status_code=503 if report.status == "unhealthy" else 200)


# Not ready is still a report: the same body, with 503.
_NOT_READY = {
    **errors(),
    503: ResponseSpec(HealthReport, generate_examples=False, description="Not ready"),
}


@get("/readyz", sync_to_thread=True, responses=_NOT_READY)
def readyz(state: State, settings: Config) -> Response[HealthReport]:
    """200 when the appliance can take and judge submissions, 503 otherwise."""
    return _health_response(state, settings)


@get("/api/v1/health", sync_to_thread=True, responses=_NOT_READY)
def health(state: State, settings: Config) -> Response[HealthReport]:
    """Every component's status; 503 unless ready."""
    return _health_response(state, settings)


@get("/api/v1/version", sync_to_thread=True, responses=errors())
def version(state: State, settings: Config) -> VersionInfo:
    """Version, git sha, schema version and the judge image the workers see."""
    report = health_report(state, settings)
    return VersionInfo(
        version=__version__,
        git_sha=settings.git_sha,
        schema_version=report.schema_version,
        schema_head=migrate.head_version(),
        judge_image=report.judge_image,
    )


handlers = [healthz, readyz, health, version]
