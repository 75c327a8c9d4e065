"""Queue edge of problems: validating a new version through the judge."""

from __future__ import annotations

from appliance.judging.worker import context, prepare_next
from appliance.problems.versions import validate


def validate_version(version_id: int) -> str:
    """RQ job: run the version's reference suite in the sandbox; its new status."""
    ctx = context()
    status = validate(ctx, version_id)
    prepare_next(ctx)
    return status
