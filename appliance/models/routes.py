"""HTTP edge of models, for admins: model endpoints (register, list, show, check) and
problem sets (create, list, show). An API key goes in and never comes out: a version says
only whether it has one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from appliance.accounts.routes import admin_actor, require_admin
from appliance.db import Row
from appliance.injected import Config, CurrentUser, Db
from appliance.models import endpoints, problem_sets
from appliance.models.endpoints import DEFAULT_PROMPT_TEMPLATE, Registration, Sampling
from appliance.models.problem_sets import SetFilter
from appliance.problems.bundle import NO_NUL, SLUG, Tag
from appliance.responses import errors
from appliance.vocabulary import DIFFICULTIES, Difficulty

NAME = "^[a-z0-9][a-z0-9._-]{0,63}$"
Name = Annotated[str, msgspec.Meta(pattern=NAME)]
NamePath = Annotated[str, PathParameter(pattern=NAME)]
# Printable ASCII: a key travels in an HTTP header.
ApiKey = Annotated[str, msgspec.Meta(min_length=1, max_length=4096, pattern="^[!-~]+$")]
Slug = Annotated[str, msgspec.Meta(pattern=SLUG.pattern)]


class NewModel(msgspec.Struct, forbid_unknown_fields=True):
    """An endpoint's new content: a new version of `name` when anything differs from each
    of its versions, else the identical one again. `base_url` is the server's root or its
    /v1 root (appliance/models/chat.py), inside the air gap (urls.py)."""

    name: Name
    base_url: Annotated[str, msgspec.Meta(min_length=1, max_length=2048, pattern=NO_NUL)]
    model: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NO_NUL)]
    api_key: ApiKey | None = None
    sampling: Sampling = msgspec.field(default_factory=Sampling)
    prompt_template: Annotated[
        str, msgspec.Meta(min_length=1, max_length=20_000, pattern=NO_NUL)
    ] = DEFAULT_PROMPT_TEMPLATE


class ModelVersion(msgspec.Struct):
    number: int
    base_url: str
    model: str
    has_api_key: bool
    sampling: Sampling
    prompt_template: str
    content_hash: str
    created_at: datetime
    created_by: str | None


class RegisteredModel(msgspec.Struct):
    """`created` is false when the content was that of an existing version (now current)."""

    name: str
    created: bool
    version: ModelVersion


class ModelSummary(msgspec.Struct):
    name: str
    created_at: datetime
    version_count: int
    current: ModelVersion


class ModelDetail(msgspec.Struct):
    name: str
    created_at: datetime
    current_version: int
    versions: list[ModelVersion]  # newest first


class ModelCheck(msgspec.Struct):
    """`ok` when a one-token chat answered; `detail` says how it went, in words."""

    name: str
    version: int
    ok: bool
    detail: str
    models_latency_ms: int | None
    chat_latency_ms: int | None
    model_listed: bool | None


class NewProblemSet(msgspec.Struct, forbid_unknown_fields=True):
    """The currently published versions matching every given facet: any of `difficulties`,
    any of `tags`, exactly `slugs` (each must be published); an empty facet matches all."""

    name: Name
    difficulties: Annotated[list[Difficulty], msgspec.Meta(max_length=len(DIFFICULTIES))] = []
    tags: Annotated[list[Tag], msgspec.Meta(max_length=50)] = []
    slugs: Annotated[list[Slug], msgspec.Meta(max_length=1000)] = []


class ProblemSetFilter(msgspec.Struct):
    difficulties: list[Difficulty]
    tags: list[str]
    slugs: list[str]


class ProblemSetItem(msgspec.Struct):
    slug: str
    version: int
    title: str
    difficulty: Difficulty
    tags: list[str]
    content_hash: str


class ProblemSetSummary(msgspec.Struct):
    name: str
    item_count: int
    content_hash: str
    filter: ProblemSetFilter
    created_at: datetime
    created_by: str | None


class ProblemSet(msgspec.Struct):
    name: str
    item_count: int
    content_hash: str
    filter: ProblemSetFilter
    created_at: datetime
    created_by: str | None
    items: list[ProblemSetItem]


def _version(row: Row) -> ModelVersion:
    return ModelVersion(
        row["number"],
        row["base_url"],
        row["model"],
        row["has_api_key"],
        msgspec.convert(row["sampling"], Sampling),
        row["prompt_template"],
        row["content_hash"],
        row["created_at"],
        row["created_by"],
    )


@post(
    "/api/v1/models",
    status_code=HTTP_201_CREATED,
    sync_to_thread=True,
    responses=errors(400, 401, 403, 409, 413, 422),
)
def register_model(
    data: JSONBody[NewModel],
    user: CurrentUser,
    conn: Db,
    settings: Config,
    request: Request[Any, Any, Any],
) -> RegisteredModel:
    """Register an endpoint's content as its current version (409 when an API key is given
    and the appliance has no ARENA_MODEL_KEY to encrypt it with)."""
    by = admin_actor(user, request)
    reg = Registration(
        data.name, data.base_url, data.model, data.api_key, data.sampling, data.prompt_template
    )
    registered = endpoints.register(conn, settings, reg, by)
    _, versions = endpoints.endpoint_with_versions(conn, data.name)
    version = next(v for v in versions if v["number"] == registered.number)
    return RegisteredModel(data.name, registered.created, _version(version))


@get("/api/v1/models", sync_to_thread=True, responses=errors(401, 403))
def list_models(user: CurrentUser, conn: Db) -> list[ModelSummary]:
    """Every endpoint by name, with its current version."""
    require_admin(user)
    return [
        ModelSummary(row["name"], row["created_at"], row["version_count"], _version(row))
        for row in endpoints.all_endpoints(conn)
    ]


@get("/api/v1/models/{name:str}", sync_to_thread=True, responses=errors(400, 401, 403, 404))
def show_model(name: NamePath, user: CurrentUser, conn: Db) -> ModelDetail:
    """An endpoint and all its versions."""
    require_admin(user)
    found, versions = endpoints.endpoint_with_versions(conn, name)
    return ModelDetail(
        found["name"],
        found["created_at"],
        found["current_version"],
        [_version(v) for v in versions],
    )


@post(
    "/api/v1/models/{name:str}/check",
    status_code=HTTP_200_OK,
    sync_to_thread=True,
    responses=errors(400, 401, 403, 404, 409, 422),
)
def check_model(name: NamePath, user: CurrentUser, conn: Db, settings: Config) -> ModelCheck:
    """Ask the endpoint's current version for its model list and a one-token chat (each
    waits at most ARENA_MODEL_TIMEOUT_SECONDS, and 30 s at most); a fault of the server
    is `ok: false`."""
    require_admin(user)
    result = endpoints.check(conn, settings, name)
    return ModelCheck(
        result.name,
        result.version,
        result.ok,
        result.detail,
        result.models_latency_ms,
        result.chat_latency_ms,
        result.model_listed,
    )


def _set_summary(row: Row) -> ProblemSetSummary:
    return ProblemSetSummary(
        row["name"],
        row["item_count"],
        row["content_hash"],
        msgspec.convert(row["filter"], ProblemSetFilter),
        row["created_at"],
        row["created_by"],
    )


def _set(row: Row) -> ProblemSet:
    items = [
        ProblemSetItem(
            i["slug"], i["number"], i["title"], i["difficulty"], i["tags"], i["content_hash"]
        )
        for i in row["items"]
    ]
    summary = _set_summary(row)
    return ProblemSet(**msgspec.structs.asdict(summary), items=items)


@post(
    "/api/v1/problem-sets",
    status_code=HTTP_201_CREATED,
    sync_to_thread=True,
    responses=errors(400, 401, 403, 409, 413, 422),
)
def create_problem_set(
    data: JSONBody[NewProblemSet], user: CurrentUser, conn: Db, request: Request[Any, Any, Any]
) -> ProblemSet:
    """Freeze the currently published versions the filter matches under a new name."""
    by = admin_actor(user, request)
    chosen = SetFilter(data.difficulties, data.tags, data.slugs)
    return _set(problem_sets.create(conn, data.name, chosen, by))


@get("/api/v1/problem-sets", sync_to_thread=True, responses=errors(401, 403))
def list_problem_sets(user: CurrentUser, conn: Db) -> list[ProblemSetSummary]:
    require_admin(user)
    return [_set_summary(row) for row in problem_sets.all_sets(conn)]


@get(
    "/api/v1/problem-sets/{name:str}",
    sync_to_thread=True,
    responses=errors(400, 401, 403, 404),
)
def show_problem_set(name: NamePath, user: CurrentUser, conn: Db) -> ProblemSet:
    """A set and its frozen items."""
    require_admin(user)
    return _set(problem_sets.show(conn, name))


handlers = [
    register_model,
    list_models,
    show_model,
    check_model,
    create_problem_set,
    list_problem_sets,
    show_problem_set,
]
