"""Queue edge of problems: validating a new version through the judge."""

from __future__ import annotations

import logging

from appliance.errors import InfrastructureError
from appliance.judging.worker import WorkerContext, context, prepare_next
from appliance.problems import queries
from appliance.problems.validation import refused
from appliance.problems.versions import validate

log = logging.getLogger(__name__)


def validate_version(version_id: int) -> str | None:
    """RQ job: run the version's reference suite in the sandbox; its new status."""
    ctx = context()
    status = validate_guarded(ctx, version_id)
    prepare_next(ctx)
    return status


def validate_guarded(ctx: WorkerContext, version_id: int) -> str | None:
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


def _fault(ctx: WorkerContext, version_id: int, exc: Exception) -> str | None:
    reason = f"the appliance failed while validating it ({type(exc).__name__}); see the worker log"
    try:
        row = queries.set_validation(ctx.conn, version_id, "invalid", refused(reason))
    except Exception:
        log.exception("version %s: its failure could not be stored", version_id)
        return None
    return "invalid" if row is not None else None
