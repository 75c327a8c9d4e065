"""HTTP edge of submissions: submit a suite, read its result, list one's own."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import get, post
from litestar.params import HeaderParameter, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED

from appliance.db import Row
from appliance.errors import NotFound
from appliance.injected import Broker, Config, CurrentUser, Db
from appliance.problems.bundle import NO_NUL, SLUG
from appliance.problems.routes import Page, PageSize, SlugQuery
from appliance.responses import errors
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
    row = intake.submit(conn, broker, settings, user, data.problem, data.code, key)
    return msgspec.convert(row, Accepted)


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
