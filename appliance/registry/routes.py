"""HTTP edge of the model registry, for admins: the aliases, an alias's history, a manual
promote and a rollback (each with a required reason, audited)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import HTTP_200_OK

from appliance.accounts.routes import admin_actor, require_admin
from appliance.injected import CurrentUser, Db
from appliance.problems.bundle import NO_NUL
from appliance.registry import store
from appliance.registry.store import AliasView, Move
from appliance.responses import errors
from appliance.vocabulary import Alias, MoveKind

AliasPath = Annotated[str, PathParameter(max_length=64)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=NO_NUL)]


class AliasState(msgspec.Struct):
    alias: Alias
    model: str | None  # null: the alias names no version
    version: int | None
    moved_at: datetime | None


class AliasMove(msgspec.Struct):
    """One row of an alias's history. `moved` is false for a policy decision that refused:
    `to_*` is then the challenger that stayed out. `undoes` is the move a rollback undid."""

    id: int
    alias: Alias
    kind: MoveKind
    moved: bool
    from_model: str | None
    from_version: int | None
    to_model: str | None
    to_version: int | None
    undoes: int | None
    actor: str
    reason: str
    decision_reasons: list[str]
    decision_numbers: dict[str, float]
    evaluation_run_id: int | None
    at: datetime


class PromoteRequest(msgspec.Struct, forbid_unknown_fields=True):
    model: Annotated[str, msgspec.Meta(pattern="^[a-z0-9][a-z0-9._-]{0,63}$")]
    version: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
    reason: Reason


class RollbackRequest(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason


def _state(view: AliasView) -> AliasState:
    return msgspec.convert(view, AliasState, from_attributes=True)


def _move(move: Move) -> AliasMove:
    return msgspec.convert(move, AliasMove, from_attributes=True)


@get("/api/v1/registry", sync_to_thread=True, responses=errors(401, 403))
def list_aliases(user: CurrentUser, conn: Db) -> list[AliasState]:
    """Every alias and the model version it names."""
    require_admin(user)
    return [_state(view) for view in store.aliases(conn)]


@get(
    "/api/v1/registry/{alias:str}/history",
    sync_to_thread=True,
    responses=errors(400, 401, 403, 404),
)
def alias_history(alias: AliasPath, user: CurrentUser, conn: Db) -> list[AliasMove]:
    """The alias's moves, rollbacks and the policy's decisions, newest first."""
    require_admin(user)
    return [_move(m) for m in store.history(conn, store.checked_alias(alias))]


@post(
    "/api/v1/registry/{alias:str}/promote",
    status_code=HTTP_200_OK,
    sync_to_thread=True,
    responses=errors(400, 401, 403, 404, 409, 422),
)
def promote_alias(
    alias: AliasPath,
    data: JSONBody[PromoteRequest],
    user: CurrentUser,
    conn: Db,
    request: Request[Any, Any, Any],
) -> AliasMove:
    """Point the alias at a model version by hand (409 when it names it already)."""
    by = admin_actor(user, request)
    name = store.checked_alias(alias)
    return _move(store.promote(conn, name, data.model, data.version, data.reason, by))


@post(
    "/api/v1/registry/{alias:str}/rollback",
    status_code=HTTP_200_OK,
    sync_to_thread=True,
    responses=errors(400, 401, 403, 404, 409, 422),
)
def rollback_alias(
    alias: AliasPath,
    data: JSONBody[RollbackRequest],
    user: CurrentUser,
    conn: Db,
    request: Request[Any, Any, Any],
) -> AliasMove:
    """Move the alias back to where its last move (not yet undone) took it from; 409 when
    there is nothing to undo."""
    by = admin_actor(user, request)
    return _move(store.rollback(conn, store.checked_alias(alias), data.reason, by))


handlers = [list_aliases, alias_history, promote_alias, rollback_alias]
