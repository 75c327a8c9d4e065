"""Every feedback request ends: the scheduler's sweep queues again a feedback whose job Redis
lost, never one whose job waits or runs (that would ask the model twice), and fails one
pending for too long, which asking again retries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis
from litestar.testing import TestClient
from rq.job import Job, JobStatus

from appliance import db, queue
from appliance.accounts.users import create_user
from appliance.audit.trail import Actor
from appliance.evaluations import runs
from appliance.evaluations.runs import Plan
from appliance.feedback import service
from appliance.models import problem_sets
from appliance.models.problem_sets import SetFilter
from appliance.scheduler import PENDING_GRACE_S, sweep
from appliance.settings import Settings
from tests.bundles import WEAK_SUITE
from tests.conftest import bearer
from tests.feedback.conftest import Crown
from tests.submissions.helpers import submit


def asked(api: TestClient[Any], token: str, drain: Callable[[], None]) -> str:
    """A judged submission whose feedback was asked for and is not written yet."""
    submission_id = str(submit(api, token, WEAK_SUITE)["id"])
    drain()
    url = f"/api/v1/submissions/{submission_id}/feedback"
    assert api.post(url, headers=bearer(token)).json()["status"] == "pending"
    return submission_id


@pytest.fixture
def pending(
    api: TestClient[Any], learner_token: str, drain: Callable[[], None], crown: Crown
) -> str:
    """The id of a judged submission whose feedback, asked of the crowned champion, is
    queued and not written yet."""
    crown("coach", "strong")
    return asked(api, learner_token, drain)


def feedback_of(conn: db.Connection, submission_id: str) -> db.Row:
    row = conn.execute(
        "SELECT f.id, f.status, f.reason FROM feedback f JOIN feedback_requests r"
        " ON r.feedback_id = f.id WHERE r.submission_id = %s",
        (submission_id,),
    ).fetchone()
    assert row is not None
    return row


def earlier(conn: db.Connection, seconds: float) -> None:
    """As if the feedback had been asked for `seconds` sooner."""
    conn.execute(
        "UPDATE feedback SET requested_at = requested_at - make_interval(secs => %s)",
        (seconds,),
    )


def test_feedback_whose_job_redis_lost_is_queued_again_and_written(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    drain: Callable[[], None],
    pending: str,
) -> None:
    submission_id = pending
    broker.flushdb()  # Redis restarted without its data
    assert sweep(conn, broker, settings).enqueued == 0  # just asked: its job may be on its way
    earlier(conn, PENDING_GRACE_S + 1)
    assert sweep(conn, broker, settings).enqueued == 1
    assert sweep(conn, broker, settings).enqueued == 0  # its job waits now: a no-op
    drain()
    assert feedback_of(conn, submission_id)["status"] == "ready"


def test_a_feedback_job_that_runs_is_not_queued_a_second_time(
    conn: db.Connection,
    broker: redis.Redis,
    pending: str,
) -> None:
    submission_id = pending
    feedback_id = feedback_of(conn, submission_id)["id"]
    job = Job.fetch(queue.feedback_job_id(feedback_id), connection=broker)
    job.set_status(JobStatus.STARTED)  # a worker took it and waits for the model
    assert service.requeue_lost(conn, broker, grace_s=0) == 0
    job.set_status(JobStatus.FAILED)  # RQ gave it up: its worker died
    assert service.requeue_lost(conn, broker, grace_s=0) == 1


def test_feedback_that_waited_an_hour_in_the_queue_still_waits_there(
    conn: db.Connection,
    broker: redis.Redis,
    drain: Callable[[], None],
    pending: str,
) -> None:
    submission_id = pending
    earlier(conn, service.GIVE_UP_AFTER_S + 1)  # behind a long queue, not lost
    assert service.requeue_lost(conn, broker, grace_s=0) == 0
    assert feedback_of(conn, submission_id)["status"] == "pending"
    drain()
    assert feedback_of(conn, submission_id)["status"] == "ready"


def test_feedback_goes_ahead_of_the_evaluations_samples(
    api: TestClient[Any],
    learner_token: str,
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    drain: Callable[[], None],
    crown: Crown,
) -> None:
    crown("coach", "strong")
    submission_id = str(submit(api, learner_token, WEAK_SUITE)["id"])
    drain()
    admin = Actor(create_user(conn, "evaluator", "admin")[0], "127.0.0.1")
    problem_sets.create(conn, "everything", SetFilter())
    plan = Plan("everything", baselines=["examples", "reference"], samples=3)
    runs.create(conn, broker, settings, admin, plan)
    url = f"/api/v1/submissions/{submission_id}/feedback"
    assert api.post(url, headers=bearer(learner_token)).json()["status"] == "pending"
    waiting = queue.evaluations_queue(broker).job_ids
    assert len(waiting) > 1
    assert waiting[0] == queue.feedback_job_id(feedback_of(conn, submission_id)["id"])


def test_feedback_pending_for_too_long_fails_and_asking_again_retries_it(
    api: TestClient[Any],
    learner_token: str,
    conn: db.Connection,
    broker: redis.Redis,
    drain: Callable[[], None],
    pending: str,
) -> None:
    submission_id = pending
    earlier(conn, service.GIVE_UP_AFTER_S + 1)
    broker.flushdb()
    assert service.requeue_lost(conn, broker, grace_s=0) == 0
    feedback = feedback_of(conn, submission_id)
    assert (feedback["status"], feedback["reason"]) == ("failed", service.LOST)
    url = f"/api/v1/submissions/{submission_id}/feedback"
    shown = api.get(url, headers=bearer(learner_token)).json()
    assert (shown["status"], shown["reason"]) == ("failed", service.LOST)
    assert api.post(url, headers=bearer(learner_token)).json()["status"] == "pending"
    drain()
    assert feedback_of(conn, submission_id)["status"] == "ready"
