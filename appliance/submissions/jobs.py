"""Queue edge of submissions: judging one submission (DESIGN.md section 3, steps 2 to 5)."""

from __future__ import annotations

import logging
from dataclasses import asdict

from appliance.errors import InfrastructureError
from appliance.judging import judge, sandbox
from appliance.judging.report import Report
from appliance.judging.request import JudgeRequest, Variant
from appliance.judging.worker import WorkerContext, context
from appliance.problems import queries as problem_queries
from appliance.scoring.grade import Grade, failure, grade
from appliance.submissions import queries
from appliance.submissions.results import result_rows

log = logging.getLogger(__name__)


def judge_submission(submission_id: str) -> str | None:
    """RQ job: claim, judge, score and store one submission; its terminal status, or None
    when another worker has it."""
    return judge_claimed(context(), submission_id)


def judge_claimed(ctx: WorkerContext, submission_id: str) -> str | None:
    claimed = queries.claim(ctx.conn, submission_id, ctx.name)
    if claimed is None:
        return None
    version = problem_queries.version_by_id(ctx.conn, claimed["version_id"])
    mutants = problem_queries.mutants_of(ctx.conn, claimed["version_id"])
    assert version is not None
    weights = {m["name"]: m["weight"] for m in mutants}
    if len(claimed["code"].encode()) > ctx.settings.max_code_bytes:
        return _store(ctx, submission_id, failure("too_large", sum(weights.values()), len(weights)))
    request = JudgeRequest(
        tests=claimed["code"],
        golden=version["golden_code"],
        mutants=[Variant(m["name"], m["code"]) for m in mutants],
        wall_seconds=float(version["wall_seconds"]),
        output_limit_bytes=ctx.settings.judge_output_limit_bytes,
    )
    labels = {sandbox.WORKER_LABEL: ctx.name, sandbox.JOB_LABEL: submission_id}
    try:
        report = judge.judge(ctx.docker, ctx.settings, request, labels)
    except InfrastructureError as exc:
        log.error("submission %s: %s", submission_id, exc.detail)
        return _store_error(ctx, submission_id, exc.detail)
    return _store(ctx, submission_id, grade(report, weights), report)


def _store(
    ctx: WorkerContext, submission_id: str, result: Grade, report: Report | None = None
) -> str | None:
    fields = {**asdict(result), "error_detail": None}
    with ctx.conn.transaction():
        if queries.finish(ctx.conn, submission_id, ctx.name, fields) is None:
            return None  # the sweeper gave it to another worker meanwhile
        if report is not None:
            variant_rows, test_rows = result_rows(submission_id, report)
            queries.insert_variant_runs(ctx.conn, variant_rows)
            queries.insert_test_rows(ctx.conn, test_rows)
    return result.status


def _store_error(ctx: WorkerContext, submission_id: str, detail: str) -> str | None:
    fields = {
        "status": "ERROR",
        "reason": None,
        "error_detail": detail,
        "score": None,
        "killed_weight": None,
        "total_weight": None,
        "killed_count": None,
        "total_count": None,
    }
    with ctx.conn.transaction():
        if queries.finish(ctx.conn, submission_id, ctx.name, fields) is None:
            return None
    return "ERROR"
