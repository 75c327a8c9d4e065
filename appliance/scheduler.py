"""The scheduler process: exactly one holds a PostgreSQL advisory lock (a second one idles)
and runs short periodic jobs. It never judges and never talks to Docker: it re-queues what
PostgreSQL says is unfinished and asks a worker to reap containers."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

import psycopg
import redis
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from appliance import db, queries, queue
from appliance.errors import InfrastructureError
from appliance.evaluations import runs as evaluation_runs
from appliance.exports import jobs as export_jobs
from appliance.feedback import service as feedback
from appliance.judging.request import (
    CONTAINER_START_ALLOWANCE_S,
    GOLDEN_RERUNS,
    RUN_OVERHEAD_S,
    TWINS,
)
from appliance.metrics import collect, prometheus
from appliance.problems import queries as problem_queries
from appliance.settings import Settings
from appliance.submissions import queries as submission_queries
from appliance.workers import queries as worker_queries

log = logging.getLogger(__name__)
SWEEP_EVERY_S = 5
REAP_EVERY_S = 60
LOCK_RETRY_S = 10
# A PENDING row this old has had time to be queued; queue it again in case Redis lost it.
PENDING_GRACE_S = 10
MAX_ATTEMPTS = 3
# Beyond the judge's worst case: storing results, a loaded machine.
OVERDUE_MARGIN_S = 60.0
# How long a tick waits for PostgreSQL to accept connections again (the next tick retries).
RECONNECT_TIMEOUT_S = 30.0
SELFTEST_EVERY_S = 600
# Retention runs daily at this time after midnight UTC (the console's overview shows it).
RETENTION_AT = timedelta(minutes=30)
EXPORTS_CLEANUP_EVERY_S = 600
# A metrics job the scheduler could not start on time still runs this late (a restart).
METRICS_GRACE_S = 15 * 60
MetricsJob = Callable[[db.Connection, Settings], None]


@dataclass(frozen=True)
class SweepResult:
    released: int
    failed: int
    enqueued: int


def sweep(conn: db.Connection, broker: redis.Redis, settings: Settings) -> SweepResult:
    """Give submissions of dead workers back to the queue, end those that lost their worker
    too often, and queue every PENDING submission, draft version, evaluation sample and
    feedback Redis may have lost."""
    bounds = abandon_bounds(settings)
    failed = submission_queries.fail_abandoned(conn, bounds, MAX_ATTEMPTS)
    released = submission_queries.release_abandoned(conn, bounds, MAX_ATTEMPTS)
    enqueued = 0
    for row in submission_queries.pending_ids(conn, PENDING_GRACE_S):
        enqueued += queue.enqueue_submission(broker, str(row["id"]))
    for row in problem_queries.versions_awaiting_validation(conn, PENDING_GRACE_S):
        enqueued += queue.enqueue_validation(broker, row["id"])
    dead_after = settings.worker_dead_after_seconds
    enqueued += evaluation_runs.requeue_lost(conn, broker, dead_after, PENDING_GRACE_S)
    enqueued += feedback.requeue_lost(conn, broker, PENDING_GRACE_S)
    if released or failed:  # a worker died: remove its sandbox containers now
        queue.enqueue_reap(broker)
    worker_queries.forget_dead(conn, older_than_s=24 * 3600)
    for row in released:
        log.warning("submission %s lost its worker; queued again", row["id"])
    return SweepResult(len(released), len(failed), enqueued)


def abandon_bounds(settings: Settings) -> dict[str, float]:
    """When a RUNNING submission counts as abandoned: its worker's heartbeat is older than
    `dead`, or its claim older than the judge's worst case for its version, computed in SQL
    from the version's wall time and mutant count (JudgeRequest.budget_seconds for every
    try, plus the backoff between tries and OVERDUE_MARGIN_S)."""
    delays = settings.infra_retry_delays
    return {
        "dead": settings.worker_dead_after_seconds,
        "tries": len(delays) + 1,
        "start": CONTAINER_START_ALLOWANCE_S,
        "runs": 1 + GOLDEN_RERUNS + TWINS,
        "overhead": RUN_OVERHEAD_S,
        "slack": sum(delays) + OVERDUE_MARGIN_S,
    }


class Lease:
    """The scheduler's session: a connection holding the scheduler's advisory lock. A
    PostgreSQL restart ends the session and its lock; `connection()` opens a new one and
    takes the lock again, unless another scheduler took it meanwhile."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.conn: db.Connection | None = None
        # The sweep's thread and the metrics thread both ask for the lease.
        self.guard = threading.Lock()

    def connection(self) -> db.Connection | None:
        """The locked connection, checked and renewed if need be; None while another
        scheduler holds the lock (or PostgreSQL is not back within RECONNECT_TIMEOUT_S:
        InfrastructureError)."""
        if self.conn is not None and db.usable(self.conn):
            return self.conn
        self.close()
        conn = db.wait_for_database(self.url, RECONNECT_TIMEOUT_S)
        try:
            locked = queries.try_lock(conn, queries.SCHEDULER_LOCK)
        except psycopg.Error:
            conn.close()
            raise
        if not locked:
            conn.close()
            return None
        log.info("scheduler holds the lock")
        self.conn = conn
        return conn

    def close(self) -> None:
        """Release the lock and end the session. Unlocked first: a session's end frees it
        only once its backend has gone, a moment after the close, and a standby scheduler
        (or a test) asking right after would find it still held."""
        if self.conn is not None:
            with contextlib.suppress(psycopg.Error):  # a broken session frees it by ending
                queries.unlock(self.conn, queries.SCHEDULER_LOCK)
            self.conn.close()
            self.conn = None


def tick(lease: Lease, broker: redis.Redis, settings: Settings) -> SweepResult | None:
    """One sweep on the lease's connection; None while another scheduler holds the lock."""
    with lease.guard:
        conn = lease.connection()
    if conn is None:
        log.info("another scheduler holds the lock; idling")
        return None
    return sweep(conn, broker, settings)


def reap_tick(lease: Lease, broker: redis.Redis) -> None:
    if lease.conn is not None:  # only the scheduler holding the lock asks for a reap
        queue.enqueue_reap(broker)


def selftest_tick(lease: Lease, broker: redis.Redis) -> None:
    if lease.conn is not None:  # a worker judges it; the health report shows the outcome
        queue.enqueue_selftest(broker)


def exports_tick(lease: Lease, settings: Settings) -> None:
    if lease.conn is not None:
        deleted = export_jobs.delete_expired_exports(export_jobs.directory_of(settings), _now())
        if deleted:
            log.info("deleted %d expired export files", deleted)


def metrics_tick(lease: Lease, settings: Settings, job: MetricsJob) -> None:
    """Run a metrics job on a connection of its own (it may take seconds, and the lease's
    connection serves the sweep meanwhile), only while this scheduler holds the lock."""
    with lease.guard:
        holding = lease.connection() is not None
    if not holding:
        return
    with db.connect(settings.database_url) as conn:
        job(conn, settings)


def _safe(name: str, job: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            job()
        except (redis.RedisError, psycopg.Error, InfrastructureError) as exc:
            log.warning("%s skipped: %s", name, exc)

    return run


def wait_for_lock(lease: Lease) -> None:
    while True:
        try:
            if lease.connection() is not None:
                return
            log.info("another scheduler holds the lock; idling")
        except (psycopg.Error, InfrastructureError) as exc:
            log.warning("no lock yet: %s", exc)
        time.sleep(LOCK_RETRY_S)


def _collect_snapshots(conn: db.Connection, settings: Settings) -> None:
    collect.snapshot_job(conn, settings, _now, time.sleep)


def _collect_latency(conn: db.Connection, settings: Settings) -> None:
    collect.latency_job(conn, settings, _now)


def _apply_retention(conn: db.Connection, settings: Settings) -> None:
    collect.retention_job(conn, settings, _now)


def _pull_models(target: prometheus.Target, conn: db.Connection, settings: Settings) -> None:
    prometheus.pull_job(conn, target, settings, _now)


def _now() -> datetime:
    return datetime.now(UTC)


def build(lease: Lease, broker: redis.Redis, settings: Settings) -> BlockingScheduler:
    """Every periodic job, each at most one at a time and coalesced when late. The sweep
    and the small enqueues share one thread; metrics collection has its own, so a long
    collection never holds up a sweep."""
    scheduler = BlockingScheduler(
        timezone="UTC",
        executors={"default": ThreadPoolExecutor(1), "metrics": ThreadPoolExecutor(1)},
    )
    every = partial(scheduler.add_job, max_instances=1, coalesce=True, misfire_grace_time=60)
    every(
        _safe("sweep", lambda: tick(lease, broker, settings)),
        "interval",
        seconds=SWEEP_EVERY_S,
        id="sweep",
    )
    every(
        _safe("reap", lambda: reap_tick(lease, broker)), "interval", seconds=REAP_EVERY_S, id="reap"
    )
    every(
        _safe("selftest", lambda: selftest_tick(lease, broker)),
        "interval",
        seconds=SELFTEST_EVERY_S,
        id="selftest",
    )
    every(
        _safe("exports", lambda: exports_tick(lease, settings)),
        "interval",
        seconds=EXPORTS_CLEANUP_EVERY_S,
        id="exports",
    )
    for name, job, trigger in _metrics_jobs(settings):
        every(
            _safe(name, partial(metrics_tick, lease, settings, job)),
            trigger,
            executor="metrics",
            misfire_grace_time=METRICS_GRACE_S,
            id=name,
        )
    return scheduler


def _metrics_jobs(settings: Settings) -> list[tuple[str, MetricsJob, BaseTrigger]]:
    """The metrics jobs; per-model latency only when a Prometheus is configured."""
    after_hour = int(collect.SNAPSHOT_AFTER_HOUR.total_seconds() // 60)
    every_5_minutes = collect.LATENCY_EVERY.total_seconds()
    retention_minute = int(RETENTION_AT.total_seconds() // 60)
    jobs: list[tuple[str, MetricsJob, BaseTrigger]] = [
        ("metrics_latency", _collect_latency, IntervalTrigger(seconds=every_5_minutes)),
        ("metrics_snapshots", _collect_snapshots, CronTrigger(minute=after_hour, timezone="UTC")),
        (
            "metrics_retention",
            _apply_retention,
            CronTrigger(hour=0, minute=retention_minute, timezone="UTC"),
        ),
    ]
    target = prometheus.Target.of(settings)
    if target is not None:
        pull = partial(_pull_models, target)
        jobs.append((prometheus.JOB, pull, IntervalTrigger(seconds=every_5_minutes)))
    return jobs


def run(settings: Settings) -> None:
    lease = Lease(settings.database_url)
    wait_for_lock(lease)
    scheduler = build(lease, queue.connect(settings.redis_url), settings)
    # supervisord stops programs with SIGTERM: end cleanly, releasing the lock with the session.
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    log.info("scheduler holds the lock; sweeping every %d s", SWEEP_EVERY_S)
    scheduler.start()
    lease.close()
