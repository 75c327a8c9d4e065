"""Queue edge of submissions: judging one submission (DESIGN.md section 3, steps 2 to 5)."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

import psycopg

from appliance import db
from appliance.db import Row
from appliance.errors import InfrastructureError
from appliance.judging import judge
from appliance.judging.report import Report
from appliance.problems import queries as problem_queries
from appliance.scoring.grade import Grade, failure, grade
from appliance.submissions import queries
from appliance.submissions.disclosure import MESSAGE_LIMIT as ERROR_DETAIL_LIMIT
from appliance.submissions.disclosure import Redactor, clean, redactor_for
from appliance.submissions.stored_results import result_rows
from appliance.vocabulary import Status
from appliance.workers.worker import WorkerContext, refresh

log = logging.getLogger(__name__)


def judge_submission(ctx: WorkerContext, submission_id: str) -> Status | None:
    """RQ job: claim, judge, score and store one submission; its terminal status, or None
    when another worker has it. Then prepare the sandbox for the next one."""
    status = judge_claimed(ctx, submission_id)
    ctx.sandboxes.refill()
    return status


def judge_claimed(ctx: WorkerContext, submission_id: str) -> Status | None:
    """Claim and judge one submission. The one boundary of the job: whatever goes wrong
    after the claim ends the row as ERROR (if this worker still holds it), never RUNNING;
    a connection lost on the way puts it back to PENDING instead, to be judged again."""
    claimed = queries.claim(ctx.conn, submission_id, ctx.name)
    if claimed is None:
        return None
    try:
        return _judge(ctx, submission_id, claimed)
    except Exception as exc:  # the appliance's own fault: record it, do not retry it
        if isinstance(exc, psycopg.OperationalError) and not db.usable(ctx.conn):
            _release(ctx, submission_id)  # ...unless PostgreSQL only went away meanwhile
            return None
        log.exception("submission %s: unexpected failure while judging", submission_id)
        return _fault(ctx, submission_id, exc)


def _release(ctx: WorkerContext, submission_id: str) -> None:
    """The connection was lost (PostgreSQL restarted) before the verdict: nothing of the
    submission's doing, so it goes back to PENDING, and the scheduler queues it again."""
    log.warning(
        "submission %s: connection lost while judging; it will be judged again", submission_id
    )
    try:
        refresh(ctx)
        queries.release(ctx.conn, submission_id, ctx.name)
    except Exception:  # still down: the sweeper frees the row once it is overdue
        log.exception("submission %s: could not be released", submission_id)


def _fault(ctx: WorkerContext, submission_id: str, exc: Exception) -> Status | None:
    """ERROR for an unexpected exception; None if even that cannot be stored (the sweeper
    frees the row once it is overdue)."""
    detail = f"the appliance failed while judging it ({type(exc).__name__}); see the worker log"
    try:
        return _finish(ctx, submission_id, _errored(detail))
    except Exception:
        log.exception("submission %s: its ERROR could not be stored", submission_id)
        return None


def _judge(ctx: WorkerContext, submission_id: str, claimed: Row) -> Status | None:
    version = problem_queries.version_by_id(ctx.conn, claimed["version_id"])
    mutants = problem_queries.mutants_of(ctx.conn, claimed["version_id"])
    assert version is not None
    weights = {m["name"]: m["weight"] for m in mutants}
    if len(claimed["code"].encode()) > ctx.settings.max_code_bytes:
        too_large = failure("too_large", sum(weights.values()), len(weights))
        return _finish(ctx, submission_id, _graded(too_large))
    try:
        judged = judge.judge_version(ctx.sandboxes, claimed["code"], version, mutants)
    except InfrastructureError as exc:
        log.error("submission %s: %s", submission_id, exc.detail)
        return _finish(ctx, submission_id, _errored(exc.detail))
    fields = _graded(grade(judged.report, weights), judged.container_id)
    redactor = redactor_for(
        claimed["code"],
        version["golden_code"],
        version["show_golden"],
        [m["code"] for m in mutants],
    )
    return _finish(ctx, submission_id, fields, (judged.report, redactor))


def _graded(result: Grade, sandbox_id: str | None = None) -> dict[str, Any]:
    return {**asdict(result), "error_detail": None, "sandbox_id": sandbox_id}


def _errored(detail: str) -> dict[str, Any]:
    empty = dict.fromkeys(
        (
            "reason",
            "score",
            "killed_weight",
            "total_weight",
            "killed_count",
            "total_count",
            "sandbox_id",
        )
    )
    return {**empty, "status": "ERROR", "error_detail": clean(detail)[:ERROR_DETAIL_LIMIT]}


def _finish(
    ctx: WorkerContext,
    submission_id: str,
    fields: dict[str, Any],
    judged: tuple[Report, Redactor] | None = None,
) -> Status | None:
    """Store the outcome if this worker still holds the claim; the status stored. A session
    that ended during the judging (PostgreSQL restarted) is renewed once: the verdict stays."""
    try:
        return _store(ctx, submission_id, fields, judged)
    except psycopg.OperationalError:
        if db.usable(ctx.conn):
            raise
        log.warning(
            "submission %s: connection lost while judging; storing on a new one", submission_id
        )
        refresh(ctx)
        return _store(ctx, submission_id, fields, judged)


def _store(
    ctx: WorkerContext,
    submission_id: str,
    fields: dict[str, Any],
    judged: tuple[Report, Redactor] | None,
) -> Status | None:
    with ctx.conn.transaction():
        if queries.finish(ctx.conn, submission_id, ctx.name, fields) is None:
            return None  # the sweeper gave it to another worker meanwhile
        if judged is not None:
            variant_rows, test_rows = result_rows(submission_id, *judged)
            queries.insert_variant_runs(ctx.conn, variant_rows)
            queries.insert_test_rows(ctx.conn, test_rows)
    status: Status = fields["status"]
    return status
