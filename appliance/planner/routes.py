"""HTTP edge of the planner, for admins: a sentence becomes a checked evaluation plan
(nothing created), and a confirmed plan becomes a frozen problem set and a running
evaluation."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
import msgspec
from litestar import Request, post
from litestar.datastructures import State
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from psycopg_pool import ConnectionPool

from appliance.accounts.routes import admin_actor, require_admin
from appliance.accounts.users import authenticate
from appliance.db import Connection, Row
from appliance.evaluations import runs
from appliance.evaluations.routes import ModelRef
from appliance.injected import Broker, Config, CurrentUser, Db
from appliance.models.routes import Slug
from appliance.planner import service
from appliance.planner.plans import Checked, Draft, Facts
from appliance.planner.service import Origin, Proposal
from appliance.problems.bundle import NO_NUL, Tag
from appliance.responses import errors
from appliance.vocabulary import (
    Baseline,
    Difficulty,
    IssueLevel,
    PlanIssue,
    PlannerFallback,
    PlannerKind,
)

Sentence = Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=NO_NUL)]
Hash = Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{64}$")]
# How long planning waits for a pooled connection (the API's wait for every request).
CONNECTION_WAIT_S = 5.0


class PlanRequest(msgspec.Struct, forbid_unknown_fields=True):
    """What to evaluate, in English or Korean: "compare strong and weak on the hard boundary
    problems, 3 samples each"."""

    sentence: Sentence


class PlanFilter(msgspec.Struct, forbid_unknown_fields=True):
    """A problem matches when it has any of the difficulties, any of the tags and, when
    slugs are given, is one of them (an empty list matches anything)."""

    difficulties: Annotated[list[Difficulty], msgspec.Meta(max_length=4)] = []
    tags: Annotated[list[Tag], msgspec.Meta(max_length=50)] = []
    slugs: Annotated[list[Slug], msgspec.Meta(max_length=500)] = []
    all_problems: bool = False


class PlannedModel(msgspec.Struct):
    """A model version the plan runs; `alias` when the sentence named it by an alias."""

    name: str
    version: int
    key: str
    alias: str | None


class PlannedProblem(msgspec.Struct):
    slug: str
    title: str
    difficulty: Difficulty
    tags: list[str]
    version: int


class PlanIssueItem(msgspec.Struct):
    """Something the check found: an error blocks confirming the plan, a warning does not."""

    level: IssueLevel
    code: PlanIssue
    subject: str | None
    message: str


class PlanFallback(msgspec.Struct):
    """Why the champion's plan was not used."""

    reason: PlannerFallback
    detail: str


class PlanBody(msgspec.Struct):
    """`problems_hash` is the content hash the frozen problem set will have; confirming
    with it refuses a selection that changed since (409)."""

    models: list[PlannedModel]
    baselines: list[Baseline]
    filter: PlanFilter
    problems: list[PlannedProblem]
    problem_count: int
    problems_hash: str
    samples: int
    total_samples: int
    issues: list[PlanIssueItem]
    ok: bool


class ProposalBody(msgspec.Struct):
    """The checked plan and who planned it: the champion (`champion` names its version),
    or the keyword parser when there is no champion or when its plan was not usable
    (`fallback` says why)."""

    sentence: str
    planner: PlannerKind
    champion: str | None
    fallback: PlanFallback | None
    plan: PlanBody


class ConfirmRequest(msgspec.Struct, forbid_unknown_fields=True):
    """The plan as proposed (or edited): it is checked again against the catalog and the
    registry as they are now. `sentence`, `planner` and `champion` go to the audit trail."""

    sentence: Sentence
    planner: PlannerKind
    models: Annotated[list[ModelRef], msgspec.Meta(max_length=20)] = []
    baselines: Annotated[list[Baseline], msgspec.Meta(max_length=2)] = []
    filter: PlanFilter = msgspec.field(default_factory=PlanFilter)
    samples: Annotated[int, msgspec.Meta(ge=1, le=runs.MAX_SAMPLES)] = 1
    champion: Annotated[str, msgspec.Meta(max_length=80, pattern=NO_NUL)] | None = None
    problems_hash: Hash | None = None


class ConfirmedBody(msgspec.Struct):
    run: int
    problem_set: str
    problems: int
    total_samples: int


def plan_body(plan: Checked) -> PlanBody:
    return PlanBody(
        models=[PlannedModel(m.name, m.version, m.key, m.alias) for m in plan.models],
        baselines=list(plan.baselines),
        filter=PlanFilter(
            list(plan.difficulties), list(plan.tags), list(plan.slugs), plan.all_problems
        ),
        problems=[
            PlannedProblem(p.slug, p.title, p.difficulty, list(p.tags), p.version)
            for p in plan.problems
        ],
        problem_count=len(plan.problems),
        problems_hash=service.selection_hash(plan),
        samples=plan.samples,
        total_samples=plan.total_samples,
        issues=[PlanIssueItem(i.level, i.code, i.subject, i.message) for i in plan.issues],
        ok=plan.ok,
    )


def proposal_body(proposal: Proposal) -> ProposalBody:
    fallback = proposal.fallback
    return ProposalBody(
        proposal.sentence,
        proposal.planner,
        proposal.champion,
        None if fallback is None else PlanFallback(fallback.reason, fallback.detail),
        plan_body(proposal.plan),
    )


@post(
    "/api/v1/evaluations/plan",
    status_code=HTTP_200_OK,
    responses=errors(400, 401, 403, 422, 503),
)
async def plan_evaluation(
    data: JSONBody[PlanRequest],
    request: Request[Any, Any, Any],
    state: State,
    settings: Config,
) -> ProposalBody:
    """The sentence as an evaluation plan checked against the published problems and the
    registry, for the admin to confirm; nothing is created. `plan.ok` is false when it has
    errors (an unknown model, no problem selected, ...)."""
    # Not the request's pooled connection (Db, CurrentUser): that one would be held while
    # the champion thinks, up to the model timeout. A short one reads, then goes back.
    async with state.db_slots:
        found, version = await anyio.to_thread.run_sync(
            _read_for_planning, state.pool, request.headers.get("authorization")
        )
    proposal = await anyio.to_thread.run_sync(
        service.plan_sentence, settings, data.sentence, found, version
    )
    return proposal_body(proposal)


def _read_for_planning(
    pool: ConnectionPool[Connection], authorization: str | None
) -> tuple[Facts, Row | None]:
    with pool.connection(timeout=CONNECTION_WAIT_S) as conn:
        require_admin(authenticate(conn, authorization))
        return service.planning_facts(conn)


@post(
    "/api/v1/evaluations/plan/confirm",
    status_code=HTTP_201_CREATED,
    sync_to_thread=True,
    responses=errors(400, 401, 403, 404, 409, 422),
)
def confirm_plan(
    data: JSONBody[ConfirmRequest],
    user: CurrentUser,
    conn: Db,
    broker: Broker,
    settings: Config,
    request: Request[Any, Any, Any],
) -> ConfirmedBody:
    """Freeze the plan's problems as a new problem set and start its run (422 when the plan
    does not pass the check now, 409 when its problems are no longer `problems_hash`)."""
    by = admin_actor(user, request)
    chosen = data.filter
    draft = Draft(
        models=tuple(m.name if m.version is None else f"{m.name}@{m.version}" for m in data.models),
        baselines=tuple(data.baselines),
        difficulties=tuple(chosen.difficulties),
        tags=tuple(chosen.tags),
        slugs=tuple(chosen.slugs),
        all_problems=chosen.all_problems,
        samples=data.samples,
    )
    origin = Origin(data.sentence, data.planner, data.champion)
    done = service.confirm(conn, broker, settings, by, draft, origin, data.problems_hash)
    return ConfirmedBody(
        done.run_id, done.problem_set, len(done.plan.problems), done.plan.total_samples
    )


handlers = [plan_evaluation, confirm_plan]
