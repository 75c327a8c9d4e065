"""HTTP edge of evaluation runs, for admins: create (or run a manifest again), list, show
with progress and manifest, cancel, hold, resume, retry the failed samples, page through the
samples' evidence, export a run as JSON or CSV, and read its leaderboard and paired
comparisons (cached once the run finished)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, Schema
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from appliance.accounts.routes import admin_actor, require_admin
from appliance.db import Connection, Row
from appliance.evaluations import documents, exports, leaderboard, queries, runs, statistics
from appliance.evaluations.runs import ModelChoice, Plan
from appliance.injected import Broker, Config, CurrentUser, Db
from appliance.models.routes import Name
from appliance.problems.routes import Page, PageSize
from appliance.responses import errors
from appliance.settings import Settings
from appliance.vocabulary import (
    Baseline,
    Difficulty,
    EvaluationExportFormat,
    RunStatus,
    SampleReason,
    SampleStatus,
)

RunId = Annotated[int, PathParameter(ge=1, le=2**63 - 1)]
BestOf = Annotated[int | None, QueryParameter(ge=1, le=runs.MAX_SAMPLES)]
Resamples = Annotated[int, QueryParameter(ge=1, le=leaderboard.MAX_RESAMPLES)]
BootstrapSeed = Annotated[int, QueryParameter(ge=0, lt=runs.SEED_BOUND)]
SubjectKey = Annotated[str, QueryParameter(min_length=1, max_length=80, pattern=r"^[a-z0-9@._-]+$")]


class ModelRef(msgspec.Struct, forbid_unknown_fields=True):
    """An endpoint's version; its current one when `version` is left out."""

    name: Name
    version: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)] | None = None


class NewRun(msgspec.Struct, forbid_unknown_fields=True):
    """Every model version and baseline named writes `samples` suites for each problem of
    the frozen set. `seed` (random when left out) makes the samples' seeds; it is in the
    manifest, so a rerun asks with the same ones."""

    problem_set: Name
    models: Annotated[list[ModelRef], msgspec.Meta(max_length=20)] = []
    baselines: Annotated[list[Baseline], msgspec.Meta(max_length=2)] = []
    samples: Annotated[int, msgspec.Meta(ge=1, le=runs.MAX_SAMPLES)] = 1
    seed: Annotated[int, msgspec.Meta(ge=0, lt=runs.SEED_BOUND)] | None = None


class Progress(msgspec.Struct):
    """Samples per status; `seconds_left` estimates the rest from the ended samples'
    durations over the live workers (null until one ended, or when none is left)."""

    total: int
    pending: int
    running: int
    success: int
    failure: int
    error: int
    cancelled: int
    done: int
    seconds_left: float | None


class RunSummary(msgspec.Struct):
    id: int
    status: RunStatus
    problem_set: str
    samples: int
    seed: int
    rerun_of: int | None
    created_by: str
    created_at: datetime
    finished_at: datetime | None


class RunDetail(RunSummary):
    manifest: dict[str, Any]
    progress: Progress


class RunPage(msgspec.Struct):
    items: list[RunSummary]
    total: int
    page: int
    page_size: int


class VariantVerdict(msgspec.Struct):
    """One run of the sample's submission (the stored results): names are for admins."""

    kind: str
    name: str
    verdict: str
    duration_ms: int


class Sample(msgspec.Struct):
    id: int
    subject: str
    baseline: Baseline | None
    problem: str
    problem_version: int
    difficulty: Difficulty
    tags: list[str]
    sample_index: int
    seed: int
    status: SampleStatus
    reason: SampleReason | None
    error: str | None
    score: int | None
    killed_weight: int | None
    total_weight: int | None
    killed_count: int | None
    total_count: int | None
    latency_ms: int | None
    prompt_tokens: int | None
    completion_tokens: int | None
    duration_ms: int | None
    attempts: int
    submission_id: str | None
    prompt: str | None
    response: str | None
    suite: str | None
    verdicts: list[VariantVerdict]
    started_at: datetime | None
    finished_at: datetime | None


class SamplePage(msgspec.Struct):
    items: list[Sample]
    total: int
    page: int
    page_size: int


class Interval(msgspec.Struct):
    """A point estimate with its 95% bootstrap interval over problems."""

    estimate: float
    low: float
    high: float


class SubjectRow(msgspec.Struct):
    """A model version ("name@number") or baseline; scores in points (0-100), mutation
    score and rates as fractions; `best_of_k` is the expected best score of k samples."""

    model: str
    problems: int
    samples: int
    mean_score: Interval
    mutation_score: Interval
    golden_pass_rate: Interval
    best_of_k: Interval
    error_rate: float
    k: int


class Group(msgspec.Struct):
    """One difficulty or tag: the subjects with problems in it, ranked."""

    name: str
    rows: list[SubjectRow]


class Leaderboard(msgspec.Struct):
    """Rows best mean score first. `partial`: the run has not finished, so the table is
    of the samples that ended so far and is not cached. `cached`: read from the cache."""

    run: int
    status: RunStatus
    partial: bool
    cached: bool
    problem_set_hash: str
    k: int
    seed: int
    resamples: int
    rows: list[SubjectRow]
    by_difficulty: list[Group]
    by_tag: list[Group]


class Comparison(msgspec.Struct):
    """`difference` is b's mean score minus a's over the `problems` both have, with its
    paired interval; `wins` counts the problems where b scored higher, `losses` lower."""

    run: int
    status: RunStatus
    partial: bool
    cached: bool
    problem_set_hash: str
    seed: int
    resamples: int
    a: str
    b: str
    problems: int
    difference: Interval
    wins: int
    losses: int
    ties: int


@dataclass
class _RunDocument(Operation):
    """The export's document: its 200 is a JSON object or a CSV text, whichever was asked
    for (one handler cannot declare two media types)."""

    def __post_init__(self) -> None:
        ok = (self.responses or {})["200"]
        assert isinstance(ok, OpenAPIResponse), "Litestar describes the 200 inline"
        ok.content = {
            "application/json": OpenAPIMediaType(schema=Schema(type=OpenAPIType.OBJECT)),
            "text/csv": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING)),
        }


def _summary(row: Row) -> RunSummary:
    return RunSummary(**documents.run_summary(row))


def _detail(conn: Connection, settings: Settings, run_id: int) -> RunDetail:
    return msgspec.convert(documents.run_detail(conn, settings, run_id), RunDetail)


def _samples(conn: Connection, run_id: int, limit: int | None, offset: int) -> list[Sample]:
    return msgspec.convert(documents.samples(conn, run_id, limit, offset), list[Sample])


@post(
    "/api/v1/evaluations",
    status_code=HTTP_201_CREATED,
    sync_to_thread=True,
    responses=errors(400, 401, 403, 404, 413, 422),
)
def create_run(
    data: JSONBody[NewRun],
    user: CurrentUser,
    conn: Db,
    broker: Broker,
    settings: Config,
    request: Request[Any, Any, Any],
) -> RunDetail:
    """Start a run: its samples are queued on the evaluations queue, after learners'."""
    by = admin_actor(user, request)
    plan = Plan(
        data.problem_set,
        [ModelChoice(m.name, m.version) for m in data.models],
        list(data.baselines),
        data.samples,
        data.seed,
    )
    return _detail(conn, settings, runs.create(conn, broker, settings, by, plan))


@get("/api/v1/evaluations", sync_to_thread=True, responses=errors(400, 401, 403))
def list_runs(user: CurrentUser, conn: Db, page: Page = 1, page_size: PageSize = 20) -> RunPage:
    """Newest first."""
    require_admin(user)
    rows = queries.runs(conn, page_size, (page - 1) * page_size)
    return RunPage([_summary(r) for r in rows], queries.count_runs(conn), page, page_size)


@get("/api/v1/evaluations/{run_id:int}", sync_to_thread=True, responses=errors(400, 401, 403, 404))
def show_run(run_id: RunId, user: CurrentUser, conn: Db, settings: Config) -> RunDetail:
    """The run, its manifest and its progress."""
    require_admin(user)
    return _detail(conn, settings, run_id)


def _action(name: str, doc: str, act: Any) -> Any:
    @post(
        f"/api/v1/evaluations/{{run_id:int}}/{name}",
        status_code=HTTP_200_OK,
        sync_to_thread=True,
        responses=errors(400, 401, 403, 404, 409),
        operation_id=f"evaluation_{name.replace('-', '_')}",
        description=doc,
    )
    def handler(
        run_id: RunId,
        user: CurrentUser,
        conn: Db,
        broker: Broker,
        settings: Config,
        request: Request[Any, Any, Any],
    ) -> RunDetail:
        act(conn, broker, admin_actor(user, request), run_id)
        return _detail(conn, settings, run_id)

    return handler


cancel_run = _action(
    "cancel",
    "End every unfinished sample as CANCELLED: queued jobs leave the queue and a sample being"
    " judged has its sandbox removed (409 when the run already ended).",
    runs.cancel,
)
hold_run = _action("hold", "Start no more samples until resumed (409 unless running).", runs.hold)
resume_run = _action("resume", "Queue the held run's samples again (409 unless held).", runs.resume)
retry_failed_run = _action(
    "retry-failed",
    "Run the ERROR samples again (a FAILURE is a verdict and stays; 409 when cancelled).",
    runs.retry_failed,
)


@post(
    "/api/v1/evaluations/{run_id:int}/rerun",
    status_code=HTTP_201_CREATED,
    sync_to_thread=True,
    responses=errors(400, 401, 403, 404),
)
def rerun_run(
    run_id: RunId,
    user: CurrentUser,
    conn: Db,
    broker: Broker,
    settings: Config,
    request: Request[Any, Any, Any],
) -> RunDetail:
    """A new run of the run's manifest: the same model versions, baselines, problem set,
    samples and seed."""
    by = admin_actor(user, request)
    return _detail(conn, settings, runs.rerun(conn, broker, settings, by, run_id))


@get(
    "/api/v1/evaluations/{run_id:int}/samples",
    sync_to_thread=True,
    responses=errors(400, 401, 403, 404),
)
def list_samples(
    run_id: RunId,
    user: CurrentUser,
    conn: Db,
    settings: Config,
    page: Page = 1,
    page_size: PageSize = 20,
) -> SamplePage:
    """The samples' evidence, by subject, problem and sample index."""
    require_admin(user)
    runs.show(conn, settings, run_id)  # 404 for an unknown run
    items = _samples(conn, run_id, page_size, (page - 1) * page_size)
    return SamplePage(items, queries.count_samples(conn, run_id), page, page_size)


@get(
    "/api/v1/evaluations/{run_id:int}/export",
    sync_to_thread=True,
    media_type="application/json",
    responses=errors(400, 401, 403, 404),
    operation_class=_RunDocument,
)
def export_run(
    run_id: RunId,
    user: CurrentUser,
    conn: Db,
    settings: Config,
    export_format: Annotated[EvaluationExportFormat, QueryParameter(name="format")] = "json",
) -> Response[bytes]:
    """The whole run as a file: JSON with every sample's evidence, or CSV of the numbers."""
    require_admin(user)
    body = documents.export(conn, settings, run_id, export_format)
    disposition = f'attachment; filename="{exports.file_name(run_id, export_format)}"'
    return Response(
        body,
        media_type=exports.MEDIA_TYPES[export_format],
        headers={"Content-Disposition": disposition},
    )


@get(
    "/api/v1/evaluations/{run_id:int}/leaderboard",
    sync_to_thread=True,
    responses=errors(400, 401, 403, 404, 422),
)
def run_leaderboard(
    run_id: RunId,
    user: CurrentUser,
    conn: Db,
    k: BestOf = None,
    resamples: Resamples = statistics.DEFAULT_RESAMPLES,
    seed: BootstrapSeed = 0,
) -> Leaderboard:
    """Per subject the mean score, mutation score, golden pass rate and best-of-k with 95%
    bootstrap intervals over problems, overall, per difficulty and per tag. `k` defaults to
    the samples every problem has (422 when k is more than that)."""
    require_admin(user)
    found = leaderboard.leaderboard(conn, run_id, k, seed, resamples)
    return msgspec.convert(found.result | {"cached": found.cached}, Leaderboard)


@get(
    "/api/v1/evaluations/{run_id:int}/compare",
    sync_to_thread=True,
    responses=errors(400, 401, 403, 404, 422),
)
def compare_subjects(
    run_id: RunId,
    user: CurrentUser,
    conn: Db,
    a: SubjectKey,
    b: SubjectKey,
    resamples: Resamples = statistics.DEFAULT_RESAMPLES,
    seed: BootstrapSeed = 0,
) -> Comparison:
    """b against a, paired on the same problems of the run: b's mean score minus a's with
    its interval, and b's wins, losses and ties (404 when either is not in the run)."""
    require_admin(user)
    found = leaderboard.compare(conn, run_id, a, b, seed, resamples)
    return msgspec.convert(found.result | {"cached": found.cached}, Comparison)


handlers = [
    create_run,
    list_runs,
    show_run,
    cancel_run,
    hold_run,
    resume_run,
    retry_failed_run,
    rerun_run,
    list_samples,
    export_run,
    run_leaderboard,
    compare_subjects,
]
