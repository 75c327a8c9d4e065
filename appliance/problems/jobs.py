"""Queue edge of problems: validating a new version through the judge (DESIGN.md 4.5)."""

from __future__ import annotations

import logging
from typing import Any

from appliance.errors import InfrastructureError, NotFound
from appliance.judging import judge
from appliance.problems import queries
from appliance.problems.examples import examples_suite, parse_examples
from appliance.problems.validation import judge_validation, refused
from appliance.vocabulary import VersionStatus
from appliance.workers.worker import WorkerContext

log = logging.getLogger(__name__)


def validate_version(ctx: WorkerContext, version_id: int) -> VersionStatus | None:
    """RQ job: run the version's reference suite in the sandbox; its new status."""
    status = validate_guarded(ctx, version_id)
    ctx.sandboxes.refill()
    return status


def validate_guarded(ctx: WorkerContext, version_id: int) -> VersionStatus | None:
    """The one boundary of the job. Docker trouble (already retried) is raised, so the
    version stays validating and the scheduler queues it again; anything else is the
    appliance's fault and makes the version invalid with a reason, never stuck."""
    try:
        return validate(ctx, version_id)
    except InfrastructureError:
        raise
    except Exception as exc:
        log.exception("version %s: unexpected failure while validating", version_id)
        return _fault(ctx, version_id, exc)


def validate(ctx: WorkerContext, version_id: int) -> VersionStatus:
    """Run the reference suite through the judge and record the verdict; the new status."""
    conn = ctx.conn
    version = queries.version_by_id(conn, version_id)
    if version is None:
        raise NotFound(f"no problem version with id {version_id}")
    current: VersionStatus = version["status"]
    if current != "validating":
        return current
    validation = _judge_reference(ctx, version)
    status: VersionStatus = "valid" if validation["ok"] else "invalid"
    queries.set_validation(conn, version_id, status, validation)
    return status


def _judge_reference(ctx: WorkerContext, version: dict[str, Any]) -> dict[str, Any]:
    mutants = queries.mutants_of(ctx.conn, version["id"])
    if not mutants:
        return refused("a problem needs at least one mutant")
    reference = judge.judge_version(ctx.sandboxes, version["reference_tests"], version, mutants)
    examples = parse_examples(version["examples"])
    examples_report = None
    if examples:
        suite = examples_suite(examples)
        examples_report = judge.judge_version(ctx.sandboxes, suite, version, mutants).report
    weights = {m["name"]: m["weight"] for m in mutants}
    return judge_validation(reference.report, examples_report, weights)


def _fault(ctx: WorkerContext, version_id: int, exc: Exception) -> VersionStatus | None:
    reason = f"the appliance failed while validating it ({type(exc).__name__}); see the worker log"
    try:
        row = queries.set_validation(
            ctx.conn, version_id, "invalid", refused(reason, appliance_fault=True)
        )
    except Exception:
        log.exception("version %s: its failure could not be stored", version_id)
        return None
    return "invalid" if row is not None else None
