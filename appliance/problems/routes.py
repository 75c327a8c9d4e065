"""HTTP edge of problems: the published catalog for everyone, versions for authors."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import get, post
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from appliance import queue
from appliance.db import Row
from appliance.errors import Forbidden, Invalid, NotFound
from appliance.injected import Broker, CurrentUser, Db
from appliance.problems import queries, versions
from appliance.problems.bundle import DIFFICULTIES, SLUG, from_mapping
from appliance.problems.examples import Example, as_mapping, parse_examples, render_examples_md

MAX_PAGE_SIZE = 100
# Parameters are checked at the edge (a bad one is a 400, api.py): no NUL, bounded lengths,
# and a page whose offset PostgreSQL can hold. The submissions endpoints share them.
MAX_PAGE = 100_000
MAX_WORD = 64
NO_NUL = "^[^\x00]*$"
SlugPath = Annotated[str, PathParameter(pattern=SLUG.pattern)]
SlugQuery = Annotated[str | None, QueryParameter(pattern=SLUG.pattern)]
WordQuery = Annotated[str | None, QueryParameter(max_length=MAX_WORD, pattern=NO_NUL)]
Page = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE)]
VersionNumber = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]


def require_author(user: CurrentUser) -> None:
    if user.role not in ("admin", "author"):
        raise Forbidden("this needs the author or admin role")


@get("/api/v1/problems", sync_to_thread=True)
def list_problems(
    user: CurrentUser,
    conn: Db,
    difficulty: WordQuery = None,
    tag: WordQuery = None,
    page: Page = 1,
    page_size: PageSize = 20,
) -> dict[str, Any]:
    """Published problems, easiest first, filtered by difficulty and tag."""
    if difficulty is not None and difficulty not in DIFFICULTIES:
        raise Invalid(f"difficulty must be one of {', '.join(DIFFICULTIES)}")
    rows = queries.list_published(conn, difficulty, tag, page_size, (page - 1) * page_size)
    return {
        "items": [{**row, "tags": list(row["tags"])} for row in rows],
        "total": queries.count_published(conn, difficulty, tag),
        "page": page,
        "page_size": page_size,
    }


@get("/api/v1/problems/{slug:str}", sync_to_thread=True)
def problem_detail(slug: SlugPath, user: CurrentUser, conn: Db) -> dict[str, Any]:
    """The current version of a problem as learners see it."""
    version = queries.current_version(conn, slug)
    if version is None:
        raise NotFound(f"no published problem {slug!r}")
    examples = parse_examples(version["examples"])
    return {
        "slug": version["slug"],
        "title": version["title"],
        "description_md": _statement(version["description_md"], examples),
        "examples": [as_mapping(example) for example in examples],
        "function_signature": version["function_signature"],
        "difficulty": version["difficulty"],
        "tags": list(version["tags"]),
        "version": version["number"],
        "mutant_count": version["mutant_count"],
        "golden_code": version["golden_code"] if version["show_golden"] else None,
        "limits": {"wall_seconds": version["wall_seconds"]},
    }


def _statement(description_md: str, examples: tuple[Example, ...]) -> str:
    """The statement with its examples rendered below it (DESIGN.md 5)."""
    if not examples:
        return description_md
    return description_md.rstrip("\n") + "\n\n" + render_examples_md(examples)


@post("/api/v1/problems", status_code=HTTP_201_CREATED, sync_to_thread=True)
def create_problem(
    data: JSONBody[dict[str, Any]], user: CurrentUser, conn: Db, broker: Broker
) -> dict[str, Any]:
    """A new problem, or a new version of one whose content changed; validation is queued."""
    require_author(user)
    refuse_nul(data)
    ref = versions.add_version(conn, from_mapping(data), created_by=user.id)
    if ref.status == "validating":
        queue.enqueue_validation(broker, ref.id)
    return {"slug": ref.slug, "version": ref.number, "status": ref.status, "created": ref.created}


def refuse_nul(value: Any) -> None:
    """PostgreSQL text holds no NUL: a bundle with one anywhere is a 422, not a 500."""
    if isinstance(value, str) and "\x00" in value:
        raise Invalid("the bundle contains a NUL character")
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list):
        for item in value:
            refuse_nul(item)


@get("/api/v1/problems/{slug:str}/versions/{number:int}", sync_to_thread=True)
def version_detail(
    slug: SlugPath, number: VersionNumber, user: CurrentUser, conn: Db
) -> dict[str, Any]:
    """A version with its status, validation verdicts and mutants, for authors."""
    require_author(user)
    version = queries.version(conn, slug, number)
    if version is None:
        raise NotFound(f"problem {slug!r} has no version {number}")
    return _version_view(version, queries.mutants_of(conn, version["id"]))


def _version_view(version: Row, mutants: list[Row]) -> dict[str, Any]:
    return {
        "slug": version["slug"],
        "version": version["number"],
        "status": version["status"],
        "validation": version["validation"],
        "title": version["title"],
        "difficulty": version["difficulty"],
        "tags": list(version["tags"]),
        "function_signature": version["function_signature"],
        "show_golden": version["show_golden"],
        "limits": {"wall_seconds": version["wall_seconds"]},
        "description_md": version["description_md"],
        "examples": version["examples"],
        "golden_code": version["golden_code"],
        "reference_tests": version["reference_tests"],
        "mutants": [
            {
                "name": m["name"],
                "label": f"mutant {m['label']}",
                "weight": m["weight"],
                "hint": m["hint"],
                "code": m["code"],
            }
            for m in mutants
        ],
        "created_at": version["created_at"],
        "validated_at": version["validated_at"],
        "published_at": version["published_at"],
    }


@post(
    "/api/v1/problems/{slug:str}/versions/{number:int}/publish",
    status_code=HTTP_200_OK,
    sync_to_thread=True,
)
def publish_version(
    slug: SlugPath, number: VersionNumber, user: CurrentUser, conn: Db
) -> dict[str, Any]:
    """Make a valid version current; 409 unless it is valid."""
    require_author(user)
    versions.publish(conn, slug, number)
    return {"slug": slug, "version": number, "status": "published"}


handlers = [list_problems, problem_detail, create_problem, version_detail, publish_version]
