"""What the appliance has been doing, beside its health (the console's overview page):
workers and their heartbeats, the scheduler's recorded jobs with their last and next
runs, the queue, judging in flight and recent failures. Every list is bounded, and every
read is an indexed probe, whatever the size of the history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
import redis
from psycopg_pool import ConnectionPool

from appliance import queue
from appliance.db import Connection, Row
from appliance.health import queries, report, schedule
from appliance.health.report import DatabaseState, HealthReport
from appliance.judging.selftest import SELFTEST_JOB
from appliance.metrics import collect, prometheus
from appliance.scheduler import RETENTION_AT, SELFTEST_EVERY_S
from appliance.settings import Settings

# Rows per list: enough to see a pattern at a glance; the submissions page has the rest.
LIST_LIMIT = 10
WORKER_LIMIT = 50
CADENCES: dict[str, schedule.Cadence] = {
    SELFTEST_JOB: schedule.Cadence(timedelta(seconds=SELFTEST_EVERY_S)),
    "metrics_latency": schedule.Cadence(collect.LATENCY_EVERY),
    "metrics_snapshots": schedule.Cadence(timedelta(hours=1), collect.SNAPSHOT_AFTER_HOUR),
    "metrics_retention": schedule.Cadence(timedelta(days=1), RETENTION_AT),
    prometheus.JOB: schedule.Cadence(collect.LATENCY_EVERY),
}


@dataclass(frozen=True)
class Worker:
    name: str
    hostname: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime
    age: timedelta
    state: schedule.WorkerState
    docker_ok: bool
    judge_image_id: str | None


@dataclass(frozen=True)
class Job:
    """A scheduler job that records its runs: its newest run and when the next is due."""

    job: str
    state: schedule.JobState
    started_at: datetime | None
    finished_at: datetime | None
    rows: int | None
    error: str | None
    next_at: datetime | None


@dataclass(frozen=True)
class Queue:
    """`length`: jobs waiting in Redis (None when Redis does not answer); PostgreSQL's
    PENDING count is the truth either way."""

    length: int | None
    pending: int
    running: int
    oldest_pending: datetime | None


@dataclass(frozen=True)
class Activity:
    workers: list[Worker]
    jobs: list[Job]
    queue: Queue
    in_flight: list[Row]
    errors: list[Row]
    failed_collections: list[Row]
    failed_runs: list[Row]


@dataclass(frozen=True)
class Overview:
    """The health report, and the activity unless PostgreSQL could not be read."""

    health: HealthReport
    activity: Activity | None
    at: datetime


def overview(
    pool: ConnectionPool[Connection], broker: redis.Redis, settings: Settings, now: datetime
) -> Overview:
    """Health and activity read on one pooled connection; never raises for a component
    that is down (the health report says which)."""
    activity = None
    try:
        with pool.connection(timeout=report.CONNECT_TIMEOUT_S) as conn:
            database = report.read_database(conn, settings)
            activity = read_activity(conn, broker, settings, now)
    except (psycopg.Error, OSError) as exc:
        database = DatabaseState(f"error: {exc}")
    health = report.summarize(database, report.redis_status(broker), now)
    return Overview(health, activity, now)


def read_activity(
    conn: Connection, broker: redis.Redis, settings: Settings, now: datetime
) -> Activity:
    return Activity(
        workers=[_worker(row, settings, now) for row in queries.workers(conn, WORKER_LIMIT)],
        jobs=[_job(row, now) for row in queries.latest_runs(conn, recorded_jobs(settings))],
        queue=_queue(queries.unfinished(conn), queue_length(broker)),
        in_flight=queries.running(conn, LIST_LIMIT),
        errors=queries.recent_errors(conn, LIST_LIMIT),
        failed_collections=queries.failed_collections(conn, LIST_LIMIT),
        failed_runs=queries.failed_runs(conn, LIST_LIMIT),
    )


def recorded_jobs(settings: Settings) -> list[str]:
    """The jobs that leave job_runs rows here; the models' pull only with a Prometheus."""
    with_models = prometheus.Target.of(settings) is not None
    return [job for job in CADENCES if with_models or job != prometheus.JOB]


def queue_length(broker: redis.Redis) -> int | None:
    try:
        return int(queue.judge_queue(broker).count)
    except redis.RedisError:
        return None


def _worker(row: Row, settings: Settings, now: datetime) -> Worker:
    age = max(now - row["heartbeat_at"], timedelta(0))
    state = schedule.worker_state(
        age, settings.heartbeat_seconds, settings.worker_dead_after_seconds
    )
    return Worker(**row, age=age, state=state)


def _job(row: Row, now: datetime) -> Job:
    cadence = CADENCES[row["job"]]
    state = schedule.job_state(cadence, row["started_at"], row["finished_at"], row["error"], now)
    next_at = schedule.next_run(cadence, row["started_at"], now)
    return Job(**row, state=state, next_at=next_at)


def _queue(row: Row, length: int | None) -> Queue:
    return Queue(length, row["pending"], row["running"], row["oldest_pending"])
