"""Health, readiness and version. No token needed. The report itself is
appliance/health/report.py, which the console's overview shows too."""

from __future__ import annotations

from typing import Literal

import msgspec
from litestar import Response, get
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec

from appliance import __version__, migrate
from appliance.health.report import HealthReport, health_report
from appliance.injected import Config
from appliance.responses import errors


class Alive(msgspec.Struct):
    status: Literal["ok"] = "ok"


class VersionInfo(msgspec.Struct):
    version: str
    git_sha: str
    schema_version: int | None
    schema_head: int
    judge_image: str | None


@get("/healthz", sync_to_thread=False, responses=errors())
def healthz() -> Alive:
    """200 while the process lives."""
    return Alive()


def _report(state: State, settings: Config) -> HealthReport:
    return health_report(state.pool, state.broker, settings)


def _health_response(state: State, settings: Config) -> Response[HealthReport]:
    report = _report(state, settings)
    return Response(report, status_code=503 if report.status == "unhealthy" else 200)


# Not ready is still a report: the same body, with 503.
_NOT_READY = {
    **errors(),
    503: ResponseSpec(HealthReport, generate_examples=False, description="Not ready"),
}


@get("/readyz", sync_to_thread=True, responses=_NOT_READY)
def readyz(state: State, settings: Config) -> Response[HealthReport]:
    """200 when the appliance can take and judge submissions, 503 otherwise."""
    return _health_response(state, settings)


@get("/api/v1/health", sync_to_thread=True, responses=_NOT_READY)
def health(state: State, settings: Config) -> Response[HealthReport]:
    """Every component's status; 503 unless ready."""
    return _health_response(state, settings)


@get("/api/v1/version", sync_to_thread=True, responses=errors())
def version(state: State, settings: Config) -> VersionInfo:
    """Version, git sha, schema version and the judge image the workers see."""
    report = _report(state, settings)
    return VersionInfo(
        version=__version__,
        git_sha=settings.git_sha,
        schema_version=report.schema_version,
        schema_head=migrate.head_version(),
        judge_image=report.judge_image,
    )


handlers = [healthz, readyz, health, version]
