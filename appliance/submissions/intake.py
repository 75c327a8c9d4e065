"""How a stored submission reaches the judge: queued once its row is committed (the API's
submit), and a rejudge, which an admin asks for in the console."""

from __future__ import annotations

import logging

import redis

from appliance import queue
from appliance.accounts.users import User
from appliance.audit import trail
from appliance.db import Connection
from appliance.errors import Conflict, NotFound, Overloaded
from appliance.submissions import queries
from appliance.submissions.reading import is_submission_id

log = logging.getLogger(__name__)
BACKLOG_RETRY_AFTER_S = 30


def enqueue(broker: redis.Redis, submission_id: str) -> None:
    """Queue it; if Redis is down the row stays PENDING and the scheduler queues it later."""
    try:
        queue.enqueue_submission(broker, submission_id)
    except redis.RedisError as exc:
        log.warning("submission %s stored but not queued yet: %s", submission_id, exc)


def rejudge(
    conn: Connection,
    broker: redis.Redis,
    actor: User,
    submission_id: str,
    source: str,
    max_pending: int,
) -> str:
    """Judge a submission's suite again through the real pipeline; the new submission's id.

    A rejudge never rewrites a result. It stores a NEW submission: the same user, the same
    problem version (not the problem's current one: same input, judged again) and the same
    code, with `rejudge_of` naming the submission it judges again, and queues it on the
    judge queue exactly as the API queues a submission. The old submission keeps its status,
    score and every stored run, so what its learner was shown, the metrics already
    collected from it and its place in the audit trail stay true, and the two results sit
    side by side (after an infrastructure ERROR, a judge image upgrade, or a verdict worth
    checking). The new one has its own times: its queue wait is its own.

    Refused (Conflict) while the submission is still being judged or a rejudge of it
    waits, so that a double click judges once; Overloaded when the backlog is full, as
    for a learner's submission. Recorded as "submission.rejudge" in the same transaction."""
    if not is_submission_id(submission_id):
        raise NotFound(f"no submission {submission_id!r}")
    with conn.transaction():
        old = queries.lock_judged(conn, submission_id)
        if old is None:
            raise NotFound(f"no submission {submission_id!r}")
        if old["status"] in ("PENDING", "RUNNING"):
            raise Conflict("this submission is still being judged")
        if queries.rejudge_in_flight(conn, submission_id) is not None:
            raise Conflict("a rejudge of this submission is already waiting to be judged")
        if queries.count_pending(conn) >= max_pending:
            raise Overloaded("the judging backlog is full", BACKLOG_RETRY_AFTER_S)
        new = queries.insert_rejudge(conn, submission_id)
        assert new is not None  # the row is locked: it cannot have gone
        new_id = str(new["id"])
        trail.record(
            conn,
            actor,
            "submission.rejudge",
            submission_id,
            source,
            rejudge=new_id,
            previous_status=old["status"],
            previous_reason=old["reason"],
            previous_score=old["score"],
        )
    enqueue(broker, new_id)  # after the commit: a worker must find the row it is given
    return new_id
