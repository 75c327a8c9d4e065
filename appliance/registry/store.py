"""The registry's aliases, kept: which model version each alias names, every move of it
(by the policy, by an admin, or a rollback) with who, why and the decision's numbers, and
the policy's refusals too, so that the history shows why a challenger did not move.

Each move locks its alias's row, checks where the alias stands, writes the history row and
moves the alias in one transaction: the history never disagrees with the alias."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from appliance.audit import trail
from appliance.audit.trail import Actor
from appliance.db import Connection, Row
from appliance.errors import Conflict, Invalid, NotFound
from appliance.registry import queries
from appliance.registry.policy import Decision, Evidence, Policy, decide
from appliance.vocabulary import ALIASES, Alias, AuditAction, MoveKind

CHAMPION: Alias = "feedback-champion"
# Who moved an alias when no user did (a job applying the policy); the parentheses keep it
# apart from every user name, as the audit trail's "(command line)" does.
THE_POLICY = "(policy)"
HISTORY_LIMIT = 200
# A model version as evaluations name it: "endpoint@number".
_MODEL_KEY = re.compile(r"^(?P<name>[a-z0-9][a-z0-9._-]{0,63})@(?P<number>[1-9][0-9]{0,8})$")


@dataclass(frozen=True)
class AliasView:
    alias: str
    model: str | None  # None: the alias names no version
    version: int | None
    moved_at: datetime | None


@dataclass(frozen=True)
class Move:
    id: int
    alias: str
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


@dataclass(frozen=True)
class Stored:
    """A policy decision as kept: `move_id` is its history row, moved or not."""

    decision: Decision
    move_id: int


def checked_alias(name: str) -> Alias:
    for alias in ALIASES:
        if alias == name:
            return alias
    raise NotFound(f"no alias {name!r}; the aliases are {', '.join(ALIASES)}")


def aliases(conn: Connection) -> list[AliasView]:
    return [_alias_view(row) for row in queries.aliases(conn)]


def champion_version_id(conn: Connection) -> int | None:
    """The model version that writes feedback; None when there is no champion."""
    row = queries.alias(conn, CHAMPION)
    return None if row is None or row["version_id"] is None else int(row["version_id"])


def history(conn: Connection, alias: Alias, limit: int = HISTORY_LIMIT) -> list[Move]:
    """Newest first: moves, rollbacks and the policy's refusals."""
    return [_move(row) for row in queries.history(conn, alias, limit)]


def decide_and_store(
    conn: Connection, policy: Policy, evidence: Evidence, run_id: int | None, actor: Actor | None
) -> Stored:
    """Decide whether evidence.challenger takes the champion alias, keep the decision with
    all its reasons and numbers, and move the alias when it says promote. Conflict when the
    evidence's champion is not the alias's version (the alias moved since the run): a
    decision against a former champion proves nothing against the current one."""
    decision = decide(policy, evidence)
    challenger = _version_of_key(conn, evidence.challenger.model)
    with conn.transaction():
        current = _locked(conn, CHAMPION)
        _check_champion(conn, current, evidence)
        words = "promoted by the policy" if decision.promote else "refused by the policy"
        move_id = queries.insert_move(
            conn,
            _move_row(CHAMPION, "policy", current, challenger, actor, words)
            | {
                "moved": decision.promote,
                "decision_reasons": list(decision.reasons),
                "decision_numbers": decision.numbers,
                "evaluation_run_id": run_id,
            },
        )
        if decision.promote:
            queries.point_alias(conn, CHAMPION, challenger)
            _audit(conn, actor, "model.promote", CHAMPION, evidence.challenger.model, run_id)
    return Stored(decision, move_id)


def promote(
    conn: Connection, alias: Alias, model: str, number: int, reason: str, by: Actor
) -> Move:
    """An admin points `alias` at version `number` of endpoint `model`, saying why."""
    target = queries.version_id(conn, model, number)
    if target is None:
        raise NotFound(f"no version {number} of model {model!r}")
    reason = _checked_reason(reason)
    with conn.transaction():
        current = _locked(conn, alias)
        if current == target:
            raise Conflict(f"{alias} already names {model}@{number}")
        move_id = queries.insert_move(conn, _move_row(alias, "manual", current, target, by, reason))
        queries.point_alias(conn, alias, target)
        _audit(conn, by, "model.promote", alias, f"{model}@{number}", None, reason=reason)
    return _stored_move(conn, move_id)


def rollback(
    conn: Connection, alias: Alias, reason: str, by: Actor, expected: int | None = None
) -> Move:
    """Move `alias` back to where it was before its last move that is not undone yet;
    Conflict when nothing is left to undo. `expected` is the move the admin saw and chose
    to undo (the console's dialog names it): when another move came last since, the
    rollback is refused rather than undoing a move nobody looked at."""
    reason = _checked_reason(reason)
    with conn.transaction():
        current = _locked(conn, alias)
        last = queries.last_undoable_move(conn, alias)
        if last is None:
            raise Conflict(f"{alias} has no move left to roll back")
        if expected is not None and last["id"] != expected:
            raise Conflict(
                f"{alias} moved since: its last move is #{last['id']}, not #{expected}; "
                "not rolled back"
            )
        if last["to_version_id"] != current:
            raise Conflict(f"{alias} does not name the version its last move set; not rolled back")
        back = last["from_version_id"]
        row = _move_row(alias, "rollback", current, back, by, reason) | {"undoes": last["id"]}
        move_id = queries.insert_move(conn, row)
        queries.point_alias(conn, alias, back)
        _audit(conn, by, "model.rollback", alias, _key(conn, back), None, reason=reason)
    return _stored_move(conn, move_id)


def _locked(conn: Connection, alias: Alias) -> int | None:
    row = queries.lock_alias(conn, alias)
    assert row is not None, "migration 0012 creates every alias's row"
    return None if row["version_id"] is None else int(row["version_id"])


def _check_champion(conn: Connection, current: int | None, evidence: Evidence) -> None:
    named = None if evidence.champion is None else _version_of_key(conn, evidence.champion.model)
    if named != current:
        said = "no champion" if evidence.champion is None else evidence.champion.model
        raise Conflict(
            f"the evidence compares against {said}, but {CHAMPION} names "
            f"{_key(conn, current) or 'no version'}: evaluate against the current champion"
        )


def _version_of_key(conn: Connection, key: str) -> int:
    match = _MODEL_KEY.match(key)
    if match is None:
        raise Invalid(
            f"{key!r} is not a model version (name@number); a baseline cannot be promoted"
        )
    found = queries.version_id(conn, match["name"], int(match["number"]))
    if found is None:
        raise NotFound(f"no model version {key!r}")
    return found


def _key(conn: Connection, version_id: int | None) -> str | None:
    return None if version_id is None else queries.version_key(conn, version_id)


def _checked_reason(reason: str) -> str:
    stripped = reason.strip()
    if not stripped:
        raise Invalid("a reason is required: say why the alias moves")
    return stripped


def _move_row(
    alias: Alias,
    kind: MoveKind,
    current: int | None,
    target: int | None,
    actor: Actor | None,
    reason: str,
) -> dict[str, Any]:
    return {
        "alias": alias,
        "kind": kind,
        "moved": True,
        "from_version_id": current,
        "to_version_id": target,
        "undoes": None,
        "actor_id": actor.user.id if actor else None,
        "actor_name": actor.user.name if actor else THE_POLICY,
        "reason": reason,
        "decision_reasons": [],
        "decision_numbers": {},
        "evaluation_run_id": None,
    }


def _audit(
    conn: Connection,
    actor: Actor | None,
    action: AuditAction,
    alias: Alias,
    version: str | None,
    run_id: int | None,
    **detail: Any,
) -> None:
    """A move by an admin; a move by the policy alone has no actor and is in the alias's
    history only."""
    if actor is None:
        return
    trail.record_by(conn, actor, action, alias, version=version, evaluation_run_id=run_id, **detail)


def _stored_move(conn: Connection, move_id: int) -> Move:
    row = queries.move(conn, move_id)
    assert row is not None, "written in this transaction"
    return _move(row)


def _alias_view(row: Row) -> AliasView:
    return AliasView(row["alias"], row["model"], row["version"], row["moved_at"])


def _move(row: Row) -> Move:
    return Move(
        id=row["id"],
        alias=row["alias"],
        kind=row["kind"],
        moved=row["moved"],
        from_model=row["from_model"],
        from_version=row["from_version"],
        to_model=row["to_model"],
        to_version=row["to_version"],
        undoes=row["undoes"],
        actor=row["actor_name"],
        reason=row["reason"],
        decision_reasons=list(row["decision_reasons"]),
        decision_numbers=dict(row["decision_numbers"]),
        evaluation_run_id=row["evaluation_run_id"],
        at=row["at"],
    )
