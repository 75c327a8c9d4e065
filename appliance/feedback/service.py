"""Asking for feedback and reading it: who may, when, how often, and the cache.

Feedback is cached by what it is written from: the suite (its hash), the problem version
and the model version. The same suite on the same version gets the feedback already
written, whoever asks, without asking the model again or counting against the limit. A
failed one (the model was down, timed out) is written again when asked again; a refused
one is not (the same model would most likely quote the same hidden code). Nothing here
touches a submission: its status and score stay what the judge made them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import redis

from appliance import queue, ratelimit
from appliance.accounts.users import User
from appliance.db import Connection, Row
from appliance.errors import Conflict, NotFound, RateLimited
from appliance.feedback import queries
from appliance.registry import store
from appliance.submissions.reading import is_submission_id
from appliance.vocabulary import FeedbackStatus

log = logging.getLogger(__name__)
# Requests that ask the model, per learner and hour: a local model is a shared, slow
# resource, and a cached answer costs nothing, so only these count.
PER_HOUR = 10
WINDOW_S = 3600
QUEUE_DOWN = "feedback could not be queued just now; ask again in a moment"
# Writing feedback is one model call, at the front of the evaluations queue. One still
# pending after this long whose job neither waits nor runs will not be written (its job
# died with worker after worker, say): it fails, and asking again retries it.
GIVE_UP_AFTER_S = 3600
LOST = "the appliance lost this feedback's job; ask again"
_FINISHED = ("SUCCESS", "FAILURE")


@dataclass(frozen=True)
class FeedbackView:
    """`text` only when ready; `reason` says why a refused or failed one has none."""

    submission_id: str
    status: FeedbackStatus
    text: str | None
    reason: str | None
    model: str | None  # "endpoint@number" of the version that wrote (or writes) it
    requested_at: datetime | None
    finished_at: datetime | None


def request(
    conn: Connection, broker: redis.Redis, user: User, submission_id: str, now: float
) -> FeedbackView:
    """Ask for feedback on the user's own finished submission. RateLimited over PER_HOUR
    model requests an hour; Conflict for a submission not finished or not a learner's."""
    row = _own_submission(conn, user, submission_id)
    champion = store.champion_version_id(conn)
    if champion is None:
        return _unavailable(submission_id)
    with conn.transaction():
        found = queries.cached(conn, row["code_sha256"], row["version_id"], champion)
        if found is None or found["status"] == "failed":
            _admit(broker, user.id, now)
            found = _pending(conn, row, champion, found)
        queries.link(conn, submission_id, found["id"])
    if found["status"] == "pending":
        _enqueue(conn, broker, found["id"])
    return view(conn, user, submission_id)


def view(conn: Connection, user: User, submission_id: str) -> FeedbackView:
    """The feedback the submission asked for (its owner's or an admin's to read)."""
    _visible_submission(conn, user, submission_id)
    found = queries.for_submission(conn, submission_id)
    if found is not None:
        return _view(submission_id, found)
    if store.champion_version_id(conn) is None:
        return _unavailable(submission_id)
    return FeedbackView(submission_id, "not_requested", None, None, None, None, None)


def retry_after(
    broker: redis.Redis, user_id: int, now: float, per_hour: int = PER_HOUR
) -> int | None:
    """Count one model request; None when allowed, else the seconds until the hour's window
    ends (allowed when Redis is down, as for submissions)."""
    return ratelimit.retry_after(broker, user_id, per_hour, now, WINDOW_S, "feedback-rate")


def requeue_lost(conn: Connection, broker: redis.Redis, grace_s: float) -> int:
    """The scheduler's part: feedback pending for longer than `grace_s` whose job neither
    waits nor runs (Redis lost it, or its worker died and RQ gave the job up) is queued
    again, or fails once it has been pending for too long. How many were queued."""
    lost = [
        row["id"]
        for row in queries.pending_since(conn, grace_s)
        if not queue.job_in(broker, queue.feedback_job_id(row["id"]), queue.WAITING_OR_RUNNING)
    ]
    failed = {row["id"] for row in queries.fail_pending(conn, lost, GIVE_UP_AFTER_S, LOST)}
    for feedback_id in failed:
        log.warning("feedback %s pending for over %d s: failed", feedback_id, GIVE_UP_AFTER_S)
    return sum(queue.enqueue_feedback(broker, i) for i in lost if i not in failed)


def _admit(broker: redis.Redis, user_id: int, now: float) -> None:
    wait = retry_after(broker, user_id, now)
    if wait is not None:
        raise RateLimited(f"at most {PER_HOUR} feedback requests an hour; try again later", wait)


def _pending(conn: Connection, submission: Row, champion: int, failed: Row | None) -> Row:
    sid = str(submission["id"])
    if failed is not None:
        written = queries.retry(conn, failed["id"], sid)
    else:
        written = queries.insert(
            conn, submission["code_sha256"], submission["version_id"], champion, sid
        )
    if written is None:  # a concurrent request made it between the lookup and the insert
        written = queries.cached(
            conn, submission["code_sha256"], submission["version_id"], champion
        )
    assert written is not None
    return written


def _enqueue(conn: Connection, broker: redis.Redis, feedback_id: int) -> None:
    """After the commit, so the job finds its row. A queue that is down fails the feedback
    (asking again retries it) instead of leaving it pending for ever."""
    try:
        queue.enqueue_feedback(broker, feedback_id)
    except redis.RedisError as exc:
        log.warning("feedback %s not queued: %s", feedback_id, exc)
        fields = dict.fromkeys(
            ("text", "withheld", "prompt", "latency_ms", "prompt_tokens", "completion_tokens")
        )
        queries.finish(
            conn,
            feedback_id,
            {**fields, "status": "failed", "reason": QUEUE_DOWN, "detail": str(exc)},
        )


def _own_submission(conn: Connection, user: User, submission_id: str) -> Row:
    row = _submission(conn, submission_id)
    if row is None or row["user_id"] != user.id:
        raise NotFound(f"no submission {submission_id!r}")
    if row["source"] != "learner":
        raise Conflict("feedback is written for learners' submissions only")
    if row["status"] not in _FINISHED:
        raise Conflict(f"feedback needs a finished suite (SUCCESS or FAILURE), not {row['status']}")
    return row


def _visible_submission(conn: Connection, user: User, submission_id: str) -> Row:
    row = _submission(conn, submission_id)
    if row is None or (row["user_id"] != user.id and not user.is_admin):
        raise NotFound(f"no submission {submission_id!r}")
    return row


def _submission(conn: Connection, submission_id: str) -> Row | None:
    # 404 for anything not a submission id: PostgreSQL would refuse it as a uuid.
    return queries.submission(conn, submission_id) if is_submission_id(submission_id) else None


def _view(submission_id: str, row: Row) -> FeedbackView:
    return FeedbackView(
        submission_id,
        row["status"],
        row["text"] if row["status"] == "ready" else None,
        row["reason"],
        row["model"],
        row["requested_at"],
        row["finished_at"],
    )


def _unavailable(submission_id: str) -> FeedbackView:
    reason = "no model is the feedback champion yet"
    return FeedbackView(submission_id, "unavailable", None, reason, None, None, None)
