"""The learner's attempts, newest first, each with what changed since the previous one."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime

from appliance.db import Connection, Row
from appliance.learning import queries
from appliance.learning.catalog import page_bounds, storable
from appliance.vocabulary import FailureReason, Status

# Past this many lines on either side a diff is not worth reading, and difflib's time
# grows with the product of the two sizes: the diff says so instead.
MAX_DIFF_LINES = 5000


@dataclass(frozen=True)
class Attempt:
    id: str
    problem: str  # slug
    title: str  # of the version it was judged against
    version: int
    status: Status
    reason: FailureReason | None
    score: int | None
    created_at: datetime
    finished_at: datetime | None
    code: str
    previous_id: str | None  # the attempt before it on the same problem (a rejudge: its original)
    diff: str  # unified diff from the previous attempt's code to this one; '' for the first
    rejudge_of: str | None


def attempts(
    conn: Connection, user_id: int, slug: str | None, limit: int, offset: int
) -> tuple[list[Attempt], int]:
    """A page of the user's submissions (on one problem when `slug` is given), newest
    first, and how many there are in all."""
    if not storable(slug):
        return [], 0
    rows = queries.page_attempts(conn, user_id, slug, *page_bounds(limit, offset))
    return [_attempt(row) for row in rows], queries.count_attempts(conn, user_id, slug)


def code_diff(previous: str, current: str) -> str:
    """A unified diff from `previous` to `current`; '' when they are the same."""
    old, new = previous.splitlines(keepends=True), current.splitlines(keepends=True)
    if max(len(old), len(new)) > MAX_DIFF_LINES:
        return f"(more than {MAX_DIFF_LINES} lines: no diff shown)\n"
    lines = difflib.unified_diff(old, new, "previous", "this attempt")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _attempt(row: Row) -> Attempt:
    previous = row["previous_code"]
    return Attempt(
        id=str(row["id"]),
        problem=row["problem"],
        title=row["title"],
        version=row["version"],
        status=row["status"],
        reason=row["reason"],
        score=row["score"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
        code=row["code"],
        previous_id=None if row["previous_id"] is None else str(row["previous_id"]),
        diff="" if previous is None else code_diff(previous, row["code"]),
        rejudge_of=None if row["rejudge_of"] is None else str(row["rejudge_of"]),
    )
