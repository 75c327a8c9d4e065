"""HTTP edge of the model registry, for admins: the aliases, an alias's history, a manual
promote and a rollback (each with a required reason, audited), and the policy's decision
from a finished evaluation run."""

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
from appliance.registry import decisions, queries, store
from appliance.registry.policy import Policy
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


class DecideRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Apply the promotion policy to `challenger` ("name@number") with the evidence of a
    finished run: `margin` in score points, `max_p95_ms` a latency budget (none when left
    out)."""

    run: Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]
    challenger: Annotated[str, msgspec.Meta(min_length=3, max_length=80, pattern=NO_NUL)]
    margin: Annotated[float, msgspec.Meta(ge=0, le=100)]
    max_p95_ms: Annotated[float, msgspec.Meta(gt=0, le=3_600_000)] | None = None


class DecisionResult(msgspec.Struct):
    """The policy's decision as stored in the champion's history (row `move_id`);
    `moved` says whether feedback-champion now names the challenger."""

    run: int
    champion: str | None  # null: there was no champion, a first one was decided on
    challenger: str
    promote: bool
    moved: bool
    reasons: list[str]
    numbers: dict[str, float]
    move_id: int


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


@post(
    "/api/v1/registry/decide",
    status_code=HTTP_200_OK,
    sync_to_thread=True,
    responses=errors(400, 401, 403, 404, 409, 422),
)
def decide_promotion(
    data: JSONBody[DecideRequest], user: CurrentUser, conn: Db, request: Request[Any, Any, Any]
) -> DecisionResult:
    """Whether the challenger takes feedback-champion by the policy, from a finished run in
    which both are subjects (409 when the run is not finished or the champion is not in it);
    the decision is kept in the history with its reasons and numbers either way."""
    by = admin_actor(user, request)
    policy = Policy(margin=data.margin, max_p95_ms=data.max_p95_ms)
    stored, champion = decisions.decide(conn, data.run, data.challenger, policy, by)
    move = queries.move(conn, stored.move_id)
    assert move is not None, "decide_and_store wrote it"
    decision = stored.decision
    return DecisionResult(
        run=data.run,
        champion=champion,
        challenger=data.challenger,
        promote=decision.promote,
        moved=bool(move["moved"]),
        reasons=list(decision.reasons),
        numbers=decision.numbers,
        move_id=stored.move_id,
    )


handlers = [list_aliases, alias_history, promote_alias, rollback_alias, decide_promotion]
