"""The RQ queue between the API/scheduler and the workers. Redis carries only job ids;
PostgreSQL is the truth, so a lost job is found again by the scheduler."""

from __future__ import annotations

import redis
from rq import Queue
from rq.job import Job, JobStatus

QUEUE_NAME = "judge"
# A job still waiting makes a second enqueue a no-op. A STARTED job does not: its row is
# PENDING again only because its worker died, and the claim keeps a duplicate harmless.
WAITING_STATUSES = {JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED}
# A job that outlives this was killed by RQ; the sandbox's own budget is far below it.
JOB_TIMEOUT_S = 1800


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=3)


def judge_queue(connection: redis.Redis) -> Queue:
    return Queue(QUEUE_NAME, connection=connection, default_timeout=JOB_TIMEOUT_S)


def enqueue_once(connection: redis.Redis, func: str, job_id: str, *args: object) -> bool:
    """Enqueue `func(*args)` as job `job_id` unless that job is already waiting.
    Returns whether it was enqueued."""
    existing = Job.fetch_many([job_id], connection=connection)[0]
    if existing is not None and existing.get_status(refresh=False) in WAITING_STATUSES:
        return False
    judge_queue(connection).enqueue(
        func, *args, job_id=job_id, result_ttl=0, failure_ttl=86400, job_timeout=JOB_TIMEOUT_S
    )
    return True


def enqueue_submission(connection: redis.Redis, submission_id: str) -> bool:
    return enqueue_once(
        connection, "appliance.submissions.jobs.judge_submission", submission_id, submission_id
    )


def enqueue_validation(connection: redis.Redis, version_id: int) -> bool:
    return enqueue_once(
        connection, "appliance.problems.jobs.validate_version", f"validate-{version_id}", version_id
    )


def enqueue_reap(connection: redis.Redis) -> bool:
    return enqueue_once(connection, "appliance.workers.jobs.reap_containers", "reap-containers")


def enqueue_selftest(connection: redis.Redis) -> bool:
    return enqueue_once(connection, "appliance.judging.jobs.judge_selftest", "judge-selftest")


def enqueue_export(connection: redis.Redis, export_id: str, parameters: dict[str, object]) -> bool:
    return enqueue_once(
        connection,
        "appliance.exports.jobs.write_export",
        f"export-{export_id}",
        export_id,
        parameters,
    )
