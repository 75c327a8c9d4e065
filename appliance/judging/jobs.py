"""Queue edge of the judging feature: the judge's self-test, run by a worker."""

from __future__ import annotations

from datetime import UTC, datetime

from appliance.errors import InfrastructureError
from appliance.judging import judge, selftest
from appliance.metrics.collect import recorded
from appliance.scoring.grade import grade
from appliance.workers.worker import WorkerContext


def judge_selftest(ctx: WorkerContext) -> int:
    """RQ job: judge the self-test problem in a real sandbox and record the outcome in
    job_runs (its score, or what went wrong); the health report shows the latest."""
    try:
        return recorded(ctx.conn, selftest.SELFTEST_JOB, _now, lambda: _graded_score(ctx))
    finally:
        ctx.sandboxes.refill()


def _graded_score(ctx: WorkerContext) -> int:
    request = selftest.request(ctx.settings.judge_output_limit_bytes)
    graded = grade(judge.judge(ctx.sandboxes, request).report, selftest.weights())
    problem = selftest.mismatch(graded)
    if problem is not None:
        raise InfrastructureError(problem)
    return graded.score


def _now() -> datetime:
    return datetime.now(UTC)
