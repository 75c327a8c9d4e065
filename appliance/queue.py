"""The RQ queue between the API/scheduler and the workers. Redis carries only job ids;
PostgreSQL is the truth, so a lost job is found again by the scheduler."""

from __future__ import annotations

import redis
from rq import Queue
from rq.job import Job, JobStatus

QUEUE_NAME = "judge"
# Evaluation samples wait on their own queue, which workers take after "judge": RQ takes the
# queues of a worker in order, so a learner's submission never waits behind a run.
EVALUATIONS_QUEUE = "evaluations"
# A job still waiting makes a second enqueue a no-op. A STARTED job does not: its row is
# PENDING again only because its worker died, and the claim keeps a duplicate harmless.
WAITING_STATUSES = frozenset({JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED})
# A feedback job that runs is not queued again: it would ask the model a second time.
WAITING_OR_RUNNING = WAITING_STATUSES | {JobStatus.STARTED}
# A job that outlives this was killed by RQ; the sandbox's own budget is far below it.
JOB_TIMEOUT_S = 1800


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=3)


def judge_queue(connection: redis.Redis) -> Queue:
    return Queue(QUEUE_NAME, connection=connection, default_timeout=JOB_TIMEOUT_S)


def evaluations_queue(connection: redis.Redis) -> Queue:
    return Queue(EVALUATIONS_QUEUE, connection=connection, default_timeout=JOB_TIMEOUT_S)


def worker_queues(connection: redis.Redis) -> list[Queue]:
    """What a worker listens to, in priority order."""
    return [judge_queue(connection), evaluations_queue(connection)]


def enqueue_once(
    connection: redis.Redis,
    func: str,
    job_id: str,
    *args: object,
    on: Queue | None = None,
    unless: frozenset[JobStatus] = WAITING_STATUSES,
    at_front: bool = False,
) -> bool:
    """Enqueue `func(*args)` as job `job_id` on `on` (the judge queue by default) unless that
    job is already in one of the `unless` states (waiting). Returns whether it was enqueued."""
    if job_in(connection, job_id, unless):
        return False
    (on or judge_queue(connection)).enqueue(
        func,
        *args,
        job_id=job_id,
        result_ttl=0,
        failure_ttl=86400,
        job_timeout=JOB_TIMEOUT_S,
        at_front=at_front,
    )
    return True


def job_in(connection: redis.Redis, job_id: str, statuses: frozenset[JobStatus]) -> bool:
    """Whether job `job_id` exists in one of `statuses`."""
    existing = Job.fetch_many([job_id], connection=connection)[0]
    return existing is not None and existing.get_status(refresh=False) in statuses


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


def sample_job_id(sample_id: int) -> str:
    return f"evaluation-sample-{sample_id}"


def enqueue_sample(connection: redis.Redis, sample_id: int) -> bool:
    return enqueue_once(
        connection,
        "appliance.evaluations.jobs.run_sample",
        sample_job_id(sample_id),
        sample_id,
        on=evaluations_queue(connection),
    )


def feedback_job_id(feedback_id: int) -> str:
    return f"feedback-{feedback_id}"


def enqueue_feedback(connection: redis.Redis, feedback_id: int) -> bool:
    """Model work like a sample: after every learner's submission waiting to be judged, but
    ahead of the evaluations' samples (a learner waits for it; a run of thousands of
    samples would hold it for hours)."""
    return enqueue_once(
        connection,
        "appliance.feedback.jobs.write_feedback",
        feedback_job_id(feedback_id),
        feedback_id,
        on=evaluations_queue(connection),
        unless=WAITING_OR_RUNNING,
        at_front=True,
    )


def cancel_samples(connection: redis.Redis, sample_ids: list[int]) -> int:
    """Take the samples' waiting jobs off the queue (RQ cancel); how many were waiting. A
    job already started is not touched here: the sample's claim is gone, so it stops."""
    jobs = Job.fetch_many([sample_job_id(i) for i in sample_ids], connection=connection)
    waiting = [job for job in jobs if job is not None and job.get_status() in WAITING_STATUSES]
    for job in waiting:
        job.cancel()
    return len(waiting)
