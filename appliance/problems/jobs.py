"""Queue edge of problems: validating a new version through the judge."""

from __future__ import annotations

from appliance.judging.worker import context
from appliance.problems.versions import validate


def validate_version(version_id: int) -> str:
    """RQ job: run the version's reference suite in the sandbox; its new status."""
    return validate(context(), version_id)
