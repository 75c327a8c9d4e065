"""The health report (DESIGN.md 6): every component's status and the sum of them, read
from a connection pool and Redis. The API's health, readiness and version routes and the
console's overview page all call `health_report`. Docker is only asked by workers (they
report it in their heartbeats), so neither ever touches the Docker socket."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

import msgspec
import psycopg
import redis
from psycopg_pool import ConnectionPool

from appliance import __version__, migrate
from appliance import queries as core_queries
from appliance.db import Connection, Row
from appliance.health import queries
from appliance.judging.selftest import SELFTEST_JOB
from appliance.settings import Settings
from appliance.vocabulary import HealthStatus
from appliance.workers import queries as worker_queries

# How long a report waits for a pooled connection: a report must come back quickly,
# above all while PostgreSQL is down, which is when it matters.
CONNECT_TIMEOUT_S = 3.0
NO_DOCKER = "no live worker reaches Docker"


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


@dataclass(frozen=True)
class DatabaseState:
    """What PostgreSQL says: `status` is "ok" or "error: ..." (then the rest is empty)."""

    status: str
    schema_version: int | None = None
    workers: list[Row] = field(default_factory=list)
    scheduler: bool = False
    selftest: Row | None = None


def read_database(conn: Connection, settings: Settings) -> DatabaseState:
    queries.ping(conn)
    return DatabaseState(
        "ok",
        core_queries.schema_version(conn),
        worker_queries.live_workers(conn, settings.worker_dead_after_seconds),
        queries.scheduler_alive(conn, core_queries.SCHEDULER_LOCK),
        queries.last_finished_run(conn, SELFTEST_JOB),
    )


def database_state(
    pool: ConnectionPool[Connection], settings: Settings, timeout_s: float = CONNECT_TIMEOUT_S
) -> DatabaseState:
    try:
        with pool.connection(timeout=timeout_s) as conn:
            return read_database(conn, settings)
    except (psycopg.Error, OSError) as exc:  # PoolTimeout is a psycopg.OperationalError
        return DatabaseState(f"error: {exc}")


def redis_status(broker: redis.Redis) -> str:
    try:
        broker.ping()
        return "ok"
    except redis.RedisError as exc:
        return f"error: {exc}"


def health_report(
    pool: ConnectionPool[Connection],
    broker: redis.Redis,
    settings: Settings,
    timeout_s: float = CONNECT_TIMEOUT_S,
) -> HealthReport:
    """The report as of now; never raises for a component that is down, it says so."""
    return summarize(database_state(pool, settings, timeout_s), redis_status(broker))


def summarize(
    database: DatabaseState, redis_state: str, now: datetime | None = None
) -> HealthReport:
    """The report of what PostgreSQL and Redis said (pure but for the default clock)."""
    with_docker = [w for w in database.workers if w["docker_ok"]]
    image_ids = sorted({w["judge_image_id"] for w in with_docker if w["judge_image_id"]})
    report = HealthReport(
        status="unhealthy",
        timestamp=(now or datetime.now(UTC)).isoformat(),
        version=__version__,
        database_status=database.status,
        redis_status=redis_state,
        docker_status="ok" if with_docker else NO_DOCKER,
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
