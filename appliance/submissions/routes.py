"""HTTP edge of submissions: submit a suite, read its result, list one's own."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated

import msgspec
from litestar import get, post
from litestar.params import HeaderParameter, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED

from appliance import ratelimit
from appliance.db import Row
from appliance.errors import Conflict, NotFound, Overloaded, PayloadTooLarge, RateLimited
from appliance.injected import Broker, Config, CurrentUser, Db
from appliance.problems import queries as problem_queries
from appliance.problems.bundle import NO_NUL, SLUG
from appliance.problems.routes import Page, PageSize, SlugQuery
from appliance.responses import errors
from appliance.settings import Settings
from appliance.submissions import intake, queries, reading
from appliance.submissions.detail import SubmissionDetail
from appliance.vocabulary import FailureReason, Status

MAX_IDEMPOTENCY_KEY = 200


SubmissionIdPath = Annotated[str, PathParameter(max_length=64, pattern=NO_NUL)]
# The same key with the same request returns the first submission instead of a second one.
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(name="Idempotency-Key", min_length=1, max_length=MAX_IDEMPOTENCY_KEY),
]


class NewSubmission(msgspec.Struct, forbid_unknown_fields=True):
    problem: Annotated[str, msgspec.Meta(pattern=SLUG.pattern)]
    code: Annotated[str, msgspec.Meta(pattern=NO_NUL)]  # Python refuses NUL in source too


class Accepted(msgspec.Struct):
    id: str
    status: Status
    problem: str
    version: int
    created_at: datetime


class SubmissionSummary(msgspec.Struct):
    id: str
    problem: str
    version: int
    status: Status
    reason: FailureReason | None
    score: int | None
    created_at: datetime
    finished_at: datetime | None


class SubmissionPage(msgspec.Struct):
    items: list[SubmissionSummary]
    total: int
    page: int
    page_size: int


def _accepted(row: Row, problem: str, version: int) -> Accepted:
    return Accepted(str(row["id"]), row["status"], problem, version, row["created_at"])


def _replay(conn: Db, user: CurrentUser, key: str, digest: str, problem: str) -> Row | None:
    """The submission already made with this key, if any; 409 if the key's request differs."""
    existing = queries.by_idempotency_key(conn, user.id, key)
    if existing is None:
        return None
    if existing["code_sha256"] != digest or existing["problem"] != problem:
        raise Conflict("this Idempotency-Key was used for a different submission")
    return existing


def _admit(conn: Db, broker: Broker, settings: Settings, user: CurrentUser) -> None:
    wait = ratelimit.retry_after(broker, user.id, settings.rate_limit_per_minute, ratelimit.clock())
    if wait is not None:
        raise RateLimited(f"more than {settings.rate_limit_per_minute} submissions a minute", wait)
    if queries.count_pending(conn) >= settings.max_pending:
        raise Overloaded("the judging backlog is full", intake.BACKLOG_RETRY_AFTER_S)


@post(
    "/api/v1/submissions",
    status_code=HTTP_202_ACCEPTED,
    sync_to_thread=True,
    responses=errors(400, 401, 404, 409, 413, 422, 429, 503),
)
def submit(
    data: JSONBody[NewSubmission],
    user: CurrentUser,
    conn: Db,
    broker: Broker,
    settings: Config,
    key: IdempotencyKey = None,
) -> Accepted:
    """Store a suite for judging (PENDING) and queue it."""
    if len(data.code.encode()) > settings.max_code_bytes:
        raise PayloadTooLarge(f"code is larger than {settings.max_code_bytes} bytes")
    digest = hashlib.sha256(data.code.encode()).hexdigest()
    if key is not None and (done := _replay(conn, user, key, digest, data.problem)) is not None:
        return _accepted(done, data.problem, done["version"])
    version = problem_queries.current_version(conn, data.problem)
    if version is None:
        raise NotFound(f"no published problem {data.problem!r}")
    _admit(conn, broker, settings, user)
    row = queries.insert(conn, user.id, version["id"], data.code, digest, key)
    if row is None:  # a concurrent request with the same key won the race
        assert key is not None
        row = _replay(conn, user, key, digest, data.problem)
        assert row is not None
        return _accepted(row, data.problem, row["version"])
    intake.enqueue(broker, str(row["id"]))
    return _accepted(row, data.problem, version["number"])


def _visible(conn: Db, user: CurrentUser, submission_id: str) -> Row:
    """The submission if this user may see it; 404 otherwise, so ids do not leak."""
    if not reading.is_submission_id(submission_id):
        raise NotFound(f"no submission {submission_id!r}")
    row = queries.detail(conn, submission_id)
    if row is None or (row["user_id"] != user.id and not user.is_admin):
        raise NotFound(f"no submission {submission_id!r}")
    return row


@get(
    "/api/v1/submissions/{submission_id:str}",
    sync_to_thread=True,
    responses=errors(400, 401, 404),
)
def submission_detail(
    submission_id: SubmissionIdPath, user: CurrentUser, conn: Db
) -> SubmissionDetail:
    """Status, score, per-variant verdicts and the kill matrix of one submission."""
    row = _visible(conn, user, submission_id)
    return reading.stored_detail(conn, row, reveal_names=user.role in ("admin", "author"))


@get("/api/v1/submissions", sync_to_thread=True, responses=errors(400, 401))
def list_submissions(
    user: CurrentUser,
    conn: Db,
    problem: SlugQuery = None,
    status: Annotated[Status | None, QueryParameter()] = None,
    page: Page = 1,
    page_size: PageSize = 20,
) -> SubmissionPage:
    """The user's own submissions, newest first (an admin sees everyone's)."""
    owner = None if user.is_admin else user.id
    rows = queries.list_visible(conn, owner, problem, status, page_size, (page - 1) * page_size)
    return SubmissionPage(
        items=[msgspec.convert({**row, "id": str(row["id"])}, SubmissionSummary) for row in rows],
        total=queries.count_visible(conn, owner, problem, status),
        page=page,
        page_size=page_size,
    )


handlers = [submit, submission_detail, list_submissions]
