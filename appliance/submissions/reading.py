"""Reading submissions back: one submission's stored rows as its detail (the API's view,
which the console shows too), an admin's review of one submission, and an admin's
filtered page of all of them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from appliance.accounts.users import User
from appliance.db import Connection, Row
from appliance.problems import queries as problem_queries
from appliance.submissions import queries
from appliance.submissions.detail import SubmissionDetail, detail
from appliance.vocabulary import FailureReason, Source, Status, Verdict

PAGE_SIZE = 50


def stored_detail(conn: Connection, row: Row, reveal_names: bool) -> SubmissionDetail:
    """The detail of the submission `row` (queries.detail's columns) from its stored
    results: what GET /api/v1/submissions/{id} answers."""
    return _assembled(conn, row, queries.variant_runs(conn, str(row["id"])), reveal_names)


def learner_detail(conn: Connection, user: User, submission_id: str) -> SubmissionDetail | None:
    """The detail of `user`'s own submission, as the API shows it to them (an admin may read
    any); None for an id that is not one, or not theirs, so that others' ids do not leak.
    Mutants' names only for authors and admins, as in the API."""
    if not is_submission_id(submission_id):
        return None
    row = queries.detail(conn, submission_id)
    if row is None or (row["user_id"] != user.id and not user.is_admin):
        return None
    return stored_detail(conn, row, reveal_names=user.role in ("admin", "author"))


def _assembled(
    conn: Connection, row: Row, variants: Sequence[Row], reveal_names: bool
) -> SubmissionDetail:
    return detail(
        row,
        variants,
        queries.test_rows(conn, str(row["id"])),
        problem_queries.mutants_of(conn, row["version_id"]),
        reveal_names=reveal_names,
    )


# -- one submission, for an admin --------------------------------------------------------


@dataclass(frozen=True)
class RunOutput:
    """What one mutant's run printed, as stored (bounded when it was judged)."""

    name: str
    label: str  # the neutral label a learner knows it by
    verdict: Verdict
    duration_ms: int
    output: str
    output_truncated: bool
    refused: str | None


@dataclass(frozen=True)
class Related:
    """A rejudge of the submission: the same suite, judged again as a new submission."""

    id: str
    status: Status
    score: int | None
    created_at: datetime


@dataclass(frozen=True)
class Review:
    """All an admin reads of one submission: the API's detail with the mutants' names, and
    who sent it, the suite's code, the mutants' outputs and its rejudges."""

    detail: SubmissionDetail
    user: str
    code: str
    attempts: int
    rejudges: list[Related]
    outputs: list[RunOutput]


def review(conn: Connection, submission_id: str) -> Review | None:
    """None when there is no such submission (or the id is not one)."""
    if not is_submission_id(submission_id):
        return None
    row = queries.review(conn, submission_id)
    if row is None:
        return None
    variants = queries.variant_runs(conn, submission_id)
    view = _assembled(conn, row, variants, reveal_names=True)
    return Review(
        detail=view,
        user=row["user_name"],
        code=row["code"],
        attempts=row["attempts"],
        rejudges=[
            Related(str(r["id"]), r["status"], r["score"], r["created_at"])
            for r in queries.rejudges_of(conn, submission_id)
        ],
        outputs=_outputs_in_label_order(view, variants),
    )


def is_submission_id(text: str) -> bool:
    """Whether `text` is a submission id at all (a UUID): PostgreSQL refuses anything else."""
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _outputs_in_label_order(view: SubmissionDetail, variants: Sequence[Row]) -> list[RunOutput]:
    """The mutant runs' outputs in the detail's order of mutants (by neutral label)."""
    runs = {v["name"]: v for v in variants if v["kind"] == "mutant"}
    return [
        _run_output(runs[m.name], m.label)
        for m in view.mutants
        if isinstance(m.name, str) and m.name in runs
    ]


def _run_output(variant: Mapping[str, Any], label: str) -> RunOutput:
    return RunOutput(
        variant["name"],
        label,
        variant["verdict"],
        variant["duration_ms"],
        variant["output"],
        variant["output_truncated"],
        variant["refused"],
    )


# -- every submission, a page at a time ----------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What an admin narrows the list to; None is "any". `user` is part of a name, in any
    case; `since` is inclusive and `until` exclusive (creation times). `source`: a learner's
    or an evaluation's (model) submission; the console asks for learners' by default."""

    status: Status | None = None
    reason: FailureReason | None = None
    problem: str | None = None
    user: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    source: Source | None = None

    def bound(self) -> dict[str, Any]:
        """The query's parameters: the name as an ILIKE pattern that matches it literally."""
        params = asdict(self)
        if self.user is not None:
            params["user"] = "%" + _like_literal(self.user) + "%"
        return params


def _like_literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class Listed:
    id: str
    user: str
    problem: str
    version: int
    status: Status
    reason: FailureReason | None
    score: int | None
    killed_weight: int | None
    total_weight: int | None
    created_at: datetime
    finished_at: datetime | None
    rejudge_of: str | None


@dataclass(frozen=True)
class ListPage:
    rows: list[Listed]
    total: int
    page: int  # 1-based, within 1..pages
    pages: int


def browse(conn: Connection, filters: Filters, page: int, newest_first: bool = True) -> ListPage:
    """One page of PAGE_SIZE matching submissions by creation time; a page past the end
    shows the last one."""
    params = filters.bound()
    total = queries.count_matching(conn, params)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = queries.page_matching(conn, params, newest_first, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    return ListPage([_listed(row) for row in rows], total, page, pages)


def _listed(row: Row) -> Listed:
    return Listed(
        id=str(row["id"]),
        user=row["user_name"],
        problem=row["problem"],
        version=row["version"],
        status=row["status"],
        reason=row["reason"],
        score=row["score"],
        killed_weight=row["killed_weight"],
        total_weight=row["total_weight"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
        rejudge_of=str(row["rejudge_of"]) if row["rejudge_of"] else None,
    )
