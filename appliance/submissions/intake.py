"""How a suite reaches the judge: a learner's submission (the API's POST and the learner's
editor alike), stored and queued once its row is committed, and a rejudge, which an admin
asks for in the console."""

from __future__ import annotations

import hashlib
import logging

import redis

from appliance import queue, ratelimit
from appliance.accounts.users import User
from appliance.audit import trail
from appliance.db import Connection, Row
from appliance.errors import Conflict, NotFound, Overloaded, RateLimited
from appliance.learning import queries as learning_queries
from appliance.learning.catalog import storable
from appliance.learning.workspace import checked_code
from appliance.problems import queries as problem_queries
from appliance.settings import Settings
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


def submit(
    conn: Connection,
    broker: redis.Redis,
    settings: Settings,
    user: User,
    slug: str,
    code: str,
    key: str | None = None,
) -> Row:
    """Store a suite for judging (PENDING) against the problem's current version and queue
    it: {"id", "status", "created_at", "problem", "version" (its number)}.

    The same idempotency `key` with the same problem and code answers the first
    submission again (Conflict when they differ). Refused: PayloadTooLarge over
    settings.max_code_bytes, Invalid for code PostgreSQL cannot store (the API refuses it
    at its edge already), NotFound without a published problem, RateLimited and
    Overloaded (both with a retry time). The learner's draft of the problem becomes the
    submitted code. `conn` must not be inside a transaction: the row is committed before
    it is queued, or a worker could be handed an id it cannot read yet."""
    checked_code(code, settings.max_code_bytes)
    digest = hashlib.sha256(code.encode()).hexdigest()
    if key is not None and (done := _replay(conn, user, key, digest, slug)) is not None:
        return _accepted(done, slug, done["version"])
    version = problem_queries.current_version(conn, slug) if storable(slug) else None
    if version is None:
        raise NotFound(f"no published problem {slug!r}")
    _admit(conn, broker, settings, user)
    with conn.transaction():
        row = queries.insert(conn, user.id, version["id"], code, digest, key)
        if row is not None:
            learning_queries.upsert_draft(conn, user.id, version["problem_id"], code)
    if row is None:  # a concurrent request with the same key won the race
        assert key is not None
        row = _replay(conn, user, key, digest, slug)
        assert row is not None
        return _accepted(row, slug, row["version"])
    enqueue(broker, str(row["id"]))
    return _accepted(row, slug, version["number"])


def _accepted(row: Row, slug: str, version: int) -> Row:
    return {
        "id": str(row["id"]),
        "status": row["status"],
        "created_at": row["created_at"],
        "problem": slug,
        "version": version,
    }


def _replay(conn: Connection, user: User, key: str, digest: str, slug: str) -> Row | None:
    """The submission already made with this key, if any; Conflict if it was for other
    code or another problem."""
    existing = queries.by_idempotency_key(conn, user.id, key)
    if existing is None:
        return None
    if existing["code_sha256"] != digest or existing["problem"] != slug:
        raise Conflict("this Idempotency-Key was used for a different submission")
    return existing


def _admit(conn: Connection, broker: redis.Redis, settings: Settings, user: User) -> None:
    """Counts this submission against the user's rate; refuses it over the rate or when
    the backlog is full."""
    per_minute = settings.rate_limit_per_minute
    wait = ratelimit.retry_after(broker, user.id, per_minute, ratelimit.clock())
    if wait is not None:
        raise RateLimited(f"more than {per_minute} submissions a minute", wait)
    if queries.count_pending(conn) >= settings.max_pending:
        raise Overloaded("the judging backlog is full", BACKLOG_RETRY_AFTER_S)


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
