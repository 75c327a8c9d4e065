"""HTTP edge of problems: the published catalog for everyone, versions for authors."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from appliance.audit.trail import Actor
from appliance.db import Row
from appliance.errors import Forbidden, NotFound
from appliance.injected import Broker, CurrentUser, Db
from appliance.learning import workspace
from appliance.problems import queries, versions
from appliance.problems.bundle import NO_NUL, SLUG, BundleBody, from_body
from appliance.problems.examples import Example
from appliance.responses import errors
from appliance.vocabulary import Difficulty, RunKind, Verdict, VersionStatus

MAX_PAGE_SIZE = 100
# Parameters are checked at the edge (a bad one is a 400, api.py): no NUL, bounded lengths,
# and a page whose offset PostgreSQL can hold. The submissions endpoints share them.
MAX_PAGE = 100_000
MAX_WORD = 64
SlugPath = Annotated[str, PathParameter(pattern=SLUG.pattern)]
SlugQuery = Annotated[str | None, QueryParameter(pattern=SLUG.pattern)]
WordQuery = Annotated[str | None, QueryParameter(max_length=MAX_WORD, pattern=NO_NUL)]
Page = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE)]
VersionNumber = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]


class ProblemSummary(msgspec.Struct):
    slug: str
    title: str
    difficulty: Difficulty
    tags: list[str]
    mutant_count: int
    version: int


class ProblemPage(msgspec.Struct):
    items: list[ProblemSummary]
    total: int
    page: int
    page_size: int


class Limits(msgspec.Struct):
    wall_seconds: float


class ExampleView(msgspec.Struct, omit_defaults=True):
    """An example as problem.toml writes it: absent keys are left out."""

    call: str
    setup: str = ""
    result: str | None = None
    raises: str | None = None


class ProblemView(msgspec.Struct):
    """The current version of a problem as learners see it."""

    slug: str
    title: str
    description_md: str
    examples: list[ExampleView]
    function_signature: str
    difficulty: Difficulty
    tags: list[str]
    version: int
    mutant_count: int
    golden_code: str | None  # only where the problem shows it
    limits: Limits


class VersionSummary(msgspec.Struct):
    slug: str
    version: int
    status: VersionStatus


class CreatedVersion(VersionSummary):
    created: bool  # false when this exact content was an existing version


class VariantVerdict(msgspec.Struct):
    """How one variant fared against the reference suite."""

    name: str
    kind: RunKind
    verdict: Verdict
    duration_ms: int
    failed_tests: list[str]
    refused: str | None


class Validation(msgspec.Struct):
    """The validation gate's findings (DESIGN.md 4.5); `reasons` is empty when it passed."""

    ok: bool
    reasons: list[str]
    variants: list[VariantVerdict]
    examples_score: int | None = None
    smallest_killing_suite: list[str] | None = None


class MutantDetail(msgspec.Struct):
    name: str
    label: str
    weight: int
    hint: str
    code: str


class VersionDetail(msgspec.Struct):
    """A version with everything an author needs, validation included."""

    slug: str
    version: int
    status: VersionStatus
    validation: Validation | None  # None while it is validating
    title: str
    difficulty: Difficulty
    tags: list[str]
    function_signature: str
    show_golden: bool
    limits: Limits
    description_md: str
    examples: list[ExampleView]
    golden_code: str
    reference_tests: str
    mutants: list[MutantDetail]
    created_at: datetime
    validated_at: datetime | None
    published_at: datetime | None


def require_author(user: CurrentUser) -> None:
    if user.role not in ("admin", "author"):
        raise Forbidden("this needs the author or admin role")


def author_actor(user: CurrentUser, request: Request[Any, Any, Any]) -> Actor:
    """The author or admin making the request, as the audit trail records them."""
    require_author(user)
    return Actor(user, request.client.host if request.client else "unknown")


@get("/api/v1/problems", sync_to_thread=True, responses=errors(400, 401))
def list_problems(
    user: CurrentUser,
    conn: Db,
    difficulty: Annotated[Difficulty | None, QueryParameter()] = None,
    tag: WordQuery = None,
    page: Page = 1,
    page_size: PageSize = 20,
) -> ProblemPage:
    """Published problems, easiest first, filtered by difficulty and tag."""
    rows = queries.list_published(conn, difficulty, tag, page_size, (page - 1) * page_size)
    return ProblemPage(
        items=[msgspec.convert(row, ProblemSummary) for row in rows],
        total=queries.count_published(conn, difficulty, tag),
        page=page,
        page_size=page_size,
    )


@get("/api/v1/problems/{slug:str}", sync_to_thread=True, responses=errors(400, 401, 404))
def problem_detail(slug: SlugPath, user: CurrentUser, conn: Db) -> ProblemView:
    """The current version of a problem as learners see it."""
    page = workspace.problem_page(conn, user.id, slug)
    if page is None:
        raise NotFound(f"no published problem {slug!r}")
    return ProblemView(
        slug=page.slug,
        title=page.title,
        description_md=page.description_md,
        examples=[_example(example) for example in page.examples],
        function_signature=page.function_signature,
        difficulty=page.difficulty,
        tags=page.tags,
        version=page.version,
        mutant_count=page.mutant_count,
        golden_code=page.golden_code,
        limits=Limits(page.wall_seconds),
    )


def _example(example: Example) -> ExampleView:
    return ExampleView(example.call, example.setup, example.result, example.raises)


@post(
    "/api/v1/problems",
    status_code=HTTP_201_CREATED,
    sync_to_thread=True,
    responses=errors(400, 401, 403, 413, 422),
)
def create_problem(
    data: JSONBody[BundleBody],
    user: CurrentUser,
    conn: Db,
    broker: Broker,
    request: Request[Any, Any, Any],
) -> CreatedVersion:
    """A new problem, or a new version of one whose content changed; validation is queued."""
    by = author_actor(user, request)
    ref = versions.create(conn, broker, from_body(data), by)
    return CreatedVersion(ref.slug, ref.number, ref.status, ref.created)


@get(
    "/api/v1/problems/{slug:str}/versions/{number:int}",
    sync_to_thread=True,
    responses=errors(400, 401, 403, 404),
)
def version_detail(
    slug: SlugPath, number: VersionNumber, user: CurrentUser, conn: Db
) -> VersionDetail:
    """A version with its status, validation verdicts and mutants, for authors."""
    require_author(user)
    version = queries.version(conn, slug, number)
    if version is None:
        raise NotFound(f"problem {slug!r} has no version {number}")
    return _version_view(version, queries.mutants_of(conn, version["id"]))


def _version_view(version: Row, mutants: list[Row]) -> VersionDetail:
    return VersionDetail(
        slug=version["slug"],
        version=version["number"],
        status=version["status"],
        validation=msgspec.convert(version["validation"], Validation | None),
        title=version["title"],
        difficulty=version["difficulty"],
        tags=list(version["tags"]),
        function_signature=version["function_signature"],
        show_golden=version["show_golden"],
        limits=Limits(version["wall_seconds"]),
        description_md=version["description_md"],
        examples=msgspec.convert(version["examples"], list[ExampleView]),
        golden_code=version["golden_code"],
        reference_tests=version["reference_tests"],
        mutants=[_mutant(m) for m in mutants],
        created_at=version["created_at"],
        validated_at=version["validated_at"],
        published_at=version["published_at"],
    )


def _mutant(mutant: Row) -> MutantDetail:
    label = f"mutant {mutant['label']}"
    return MutantDetail(mutant["name"], label, mutant["weight"], mutant["hint"], mutant["code"])


@post(
    "/api/v1/problems/{slug:str}/versions/{number:int}/publish",
    status_code=HTTP_200_OK,
    sync_to_thread=True,
    responses=errors(400, 401, 403, 404, 409),
)
def publish_version(
    slug: SlugPath,
    number: VersionNumber,
    user: CurrentUser,
    conn: Db,
    request: Request[Any, Any, Any],
) -> VersionSummary:
    """Make a valid version current; 409 unless it is valid."""
    versions.publish_by(conn, slug, number, author_actor(user, request))
    return VersionSummary(slug, number, "published")


handlers = [list_problems, problem_detail, create_problem, version_detail, publish_version]
