"""What /registry changes, off the event loop: a manual promote and a rollback (through
registry/store.py, which audits them); the policy applied to a finished evaluation run is
registry/decisions.decide, as the API's. Each refusal has a reason code the page says in
the admin's language; one it does not know keeps the appliance's words."""

from __future__ import annotations

from dataclasses import dataclass

from appliance.audit.trail import Actor
from appliance.db import Connection, Row
from appliance.errors import ArenaError, Conflict, Invalid, NotFound
from appliance.evaluations import queries as evaluation_queries
from appliance.registry import queries, store
from appliance.registry.decisions import DecisionRefused
from appliance.registry.store import Move
from appliance.vocabulary import Alias
from ui.i18n import Translate

# The runs a decision is offered on: the newest ones, of which the finished.
RECENT_RUNS = 50


class Refused(ArenaError):
    """A refusal the page words itself: `reason` names its message."""

    def __init__(self, reason: str, **values: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values


@dataclass(frozen=True)
class RunChoice:
    id: int
    models: list[str]  # its model versions as name@number (baselines cannot be promoted)
    label: str


def version_keys(conn: Connection) -> list[str]:
    """Every model version as name@number: each endpoint's, newest first (one query)."""
    return queries.version_keys(conn)


def finished_runs(conn: Connection) -> list[RunChoice]:
    rows = evaluation_queries.runs(conn, RECENT_RUNS, 0)
    return [_choice(row) for row in rows if row["status"] == "finished"]


def _choice(row: Row) -> RunChoice:
    models = [f"{m['name']}@{m['version']}" for m in row["manifest"]["models"]]
    label = f"#{row['id']} · {row['problem_set']} · {', '.join(models) or '-'}"
    return RunChoice(row["id"], models, label)


def undo_target(conn: Connection, alias: Alias) -> Move | None:
    """The move a rollback would undo now (its `from_*` is where the alias goes back)."""
    last = queries.last_undoable_move(conn, alias)
    if last is None:
        return None
    return next((m for m in store.history(conn, alias) if m.id == last["id"]), None)


def promote(conn: Connection, alias: Alias, key: str, reason: str, by: Actor) -> Move:
    name, _, number = key.rpartition("@")
    if not reason.strip():
        raise Refused("reason")
    try:
        return store.promote(conn, alias, name, int(number), reason, by)
    except Conflict as exc:
        raise Refused("already", alias=alias, version=key) from exc
    except NotFound as exc:
        raise Refused("no_version", version=key) from exc


def rollback(conn: Connection, alias: Alias, reason: str, expected: int | None, by: Actor) -> Move:
    """Undo move `expected`, the one the confirmation named; refused when another move
    came last since (or, with None, when a move appeared where the dialog saw none)."""
    if not reason.strip():
        raise Refused("reason")
    if expected is None:
        code = "nothing_to_undo" if queries.last_undoable_move(conn, alias) is None else "moved_on"
        raise Refused(code, alias=alias)
    try:
        return store.rollback(conn, alias, reason, by, expected=expected)
    except Conflict as exc:
        raise Refused(_rollback_conflict(exc.detail), alias=alias) from exc


def _rollback_conflict(detail: str) -> str:
    if "no move left" in detail:
        return "nothing_to_undo"
    if "moved since" in detail:
        return "moved_on"
    return "moved_since"


def refusal_words(t: Translate, exc: ArenaError) -> str:
    """A refusal in the admin's language; one without a code is said by its kind (the
    appliance's own detail is English, so it is not shown on a Korean page)."""
    if isinstance(exc, Refused):
        return t(f"registry.refused.{exc.reason}", **exc.values)
    if isinstance(exc, DecisionRefused):
        return t(f"registry.refused.{exc.code}", **exc.values)
    return t(f"registry.refused.{_KINDS.get(type(exc), 'other')}")


_KINDS: dict[type[ArenaError], str] = {
    NotFound: "not_found",
    Conflict: "conflict",
    Invalid: "invalid",
}
