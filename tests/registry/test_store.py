"""The registry kept in PostgreSQL: manual promotes with a reason, rollbacks that undo one
move at a time, policy decisions stored whether they move the alias or not, and a history
that cannot be rewritten."""

from __future__ import annotations

import itertools

import psycopg
import pytest

from appliance.accounts.users import create_user
from appliance.audit.trail import Actor
from appliance.db import Connection
from appliance.errors import Conflict, Invalid, NotFound
from appliance.evaluations import queries as evaluation_queries
from appliance.evaluations.statistics import Interval, ModelSummary, PairedComparison
from appliance.models import endpoints, problem_sets
from appliance.models.endpoints import DEFAULT_PROMPT_TEMPLATE, Registration, Sampling
from appliance.models.problem_sets import SetFilter
from appliance.registry import store
from appliance.registry.policy import Evidence, Policy
from appliance.settings import Settings
from appliance.vocabulary import Alias
from tests.conftest import PROBLEM

POLICY = Policy(margin=5.0, max_p95_ms=2000.0)


def register(conn: Connection, settings: Settings, name: str, model: str = "strong") -> str:
    """A model version on a loopback URL (nothing is asked of it here): its "name@number"."""
    reg = Registration(name, "http://127.0.0.1:9", model, None, Sampling(), DEFAULT_PROMPT_TEMPLATE)
    return f"{name}@{endpoints.register(conn, settings, reg).number}"


def summary(model: str, mean: float, golden: float = 0.9) -> ModelSummary:
    def point(value: float) -> Interval:
        return Interval(value, value - 3, value + 3)

    return ModelSummary(
        model, 20, 60, point(mean), point(mean / 100), point(golden), point(mean), 0.0, 1
    )


def against(champion: str, challenger: str, low: float = 2.5) -> Evidence:
    return Evidence(
        champion=summary(champion, 60.0),
        challenger=summary(challenger, 68.0),
        paired=PairedComparison(champion, challenger, 20, Interval(8.0, low, 13.5), 14, 4, 2),
        champion_p95_ms=1500.0,
        challenger_p95_ms=1800.0,
    )


def first(challenger: str, golden: float = 0.9) -> Evidence:
    return Evidence(None, summary(challenger, 68.0, golden), None, None, 1800.0)


_runs = itertools.count()


def a_run(conn: Connection) -> int:
    """An evaluation run for a decision to name (its evidence is given to the policy)."""
    number = next(_runs)
    by = create_user(conn, f"runner{number}", "admin")[0]
    frozen = problem_sets.create(conn, f"set-{number}", SetFilter(slugs=[PROBLEM]))
    return evaluation_queries.insert_run(conn, frozen["id"], 1, 7, {}, by.id, None)


@pytest.fixture
def admin(conn: Connection) -> Actor:
    return Actor(create_user(conn, "root", "admin")[0], "10.0.0.7")


def named(conn: Connection, alias: Alias) -> str | None:
    view = next(v for v in store.aliases(conn) if v.alias == alias)
    return None if view.model is None else f"{view.model}@{view.version}"


def audit_rows(conn: Connection) -> list[tuple[str, str, dict[str, object]]]:
    rows = conn.execute(
        "SELECT action, target, detail FROM audit_events WHERE action LIKE 'model.%%'"
        " AND action <> 'model.register' ORDER BY id"
    ).fetchall()
    return [(r["action"], r["target"], r["detail"]) for r in rows]


def test_both_aliases_exist_and_name_nothing_at_first(conn: Connection) -> None:
    views = store.aliases(conn)
    assert [(v.alias, v.model, v.version) for v in views] == [
        ("challenger", None, None),
        ("feedback-champion", None, None),
    ]
    assert store.champion_version_id(conn) is None


def test_a_manual_promote_moves_the_alias_keeps_the_reason_and_is_audited(
    conn: Connection, settings: Settings, admin: Actor
) -> None:
    register(conn, settings, "alpha")
    move = store.promote(conn, "feedback-champion", "alpha", 1, " strong on boundaries ", admin)
    assert named(conn, "feedback-champion") == "alpha@1"
    assert (move.kind, move.moved, move.from_model, move.to_model, move.to_version) == (
        "manual",
        True,
        None,
        "alpha",
        1,
    )
    assert (move.actor, move.reason) == ("root", "strong on boundaries")
    assert store.history(conn, "feedback-champion") == [move]
    assert audit_rows(conn) == [
        (
            "model.promote",
            "feedback-champion",
            {"version": "alpha@1", "evaluation_run_id": None, "reason": "strong on boundaries"},
        )
    ]


def test_a_promote_needs_a_reason_an_existing_version_and_a_change(
    conn: Connection, settings: Settings, admin: Actor
) -> None:
    register(conn, settings, "alpha")
    with pytest.raises(Invalid):
        store.promote(conn, "challenger", "alpha", 1, "   ", admin)
    with pytest.raises(NotFound):
        store.promote(conn, "challenger", "alpha", 2, "no such version", admin)
    store.promote(conn, "challenger", "alpha", 1, "try it", admin)
    with pytest.raises(Conflict):
        store.promote(conn, "challenger", "alpha", 1, "again", admin)
    assert len(store.history(conn, "challenger")) == 1


def test_rollback_undoes_one_move_at_a_time_back_to_no_version(
    conn: Connection, settings: Settings, admin: Actor
) -> None:
    for name in ("alpha", "beta", "gamma"):
        register(conn, settings, name)
        store.promote(conn, "feedback-champion", name, 1, f"{name} is better", admin)
    first_back = store.rollback(conn, "feedback-champion", "gamma writes nonsense", admin)
    assert named(conn, "feedback-champion") == "beta@1"
    assert (first_back.kind, first_back.from_model, first_back.to_model) == (
        "rollback",
        "gamma",
        "beta",
    )
    store.rollback(conn, "feedback-champion", "beta too", admin)
    assert named(conn, "feedback-champion") == "alpha@1"
    store.rollback(conn, "feedback-champion", "no champion for now", admin)
    assert named(conn, "feedback-champion") is None
    with pytest.raises(Conflict):
        store.rollback(conn, "feedback-champion", "nothing left", admin)
    kinds = [m.kind for m in store.history(conn, "feedback-champion")]
    assert kinds == ["rollback", "rollback", "rollback", "manual", "manual", "manual"]
    assert [a for a, _, _ in audit_rows(conn)][-3:] == ["model.rollback"] * 3


def test_a_promote_after_a_rollback_is_what_the_next_rollback_undoes(
    conn: Connection, settings: Settings, admin: Actor
) -> None:
    for name in ("alpha", "beta", "delta"):
        register(conn, settings, name)
    store.promote(conn, "feedback-champion", "alpha", 1, "first", admin)
    store.promote(conn, "feedback-champion", "beta", 1, "second", admin)
    store.rollback(conn, "feedback-champion", "beta regressed", admin)
    store.promote(conn, "feedback-champion", "delta", 1, "third", admin)
    store.rollback(conn, "feedback-champion", "delta regressed", admin)
    assert named(conn, "feedback-champion") == "alpha@1"


def test_a_rollback_of_a_move_that_is_no_longer_the_last_is_refused_and_moves_nothing(
    conn: Connection, settings: Settings, admin: Actor
) -> None:
    for name in ("alpha", "beta", "gamma"):
        register(conn, settings, name)
    store.promote(conn, "feedback-champion", "alpha", 1, "first", admin)
    seen = store.promote(conn, "feedback-champion", "beta", 1, "second", admin)
    # The admin looks at move `seen`; another move comes last before they confirm.
    came = store.promote(conn, "feedback-champion", "gamma", 1, "in between", admin)
    with pytest.raises(Conflict, match="moved since"):
        store.rollback(conn, "feedback-champion", "beta regressed", admin, expected=seen.id)
    assert named(conn, "feedback-champion") == "gamma@1"
    assert store.history(conn, "feedback-champion")[0].id == came.id
    assert "model.rollback" not in [a for a, _, _ in audit_rows(conn)]
    back = store.rollback(conn, "feedback-champion", "gamma regressed", admin, expected=came.id)
    assert (back.undoes, named(conn, "feedback-champion")) == (came.id, "beta@1")


def test_a_rollback_expecting_a_move_when_none_is_left_is_refused(
    conn: Connection, admin: Actor
) -> None:
    with pytest.raises(Conflict, match="no move left"):
        store.rollback(conn, "challenger", "undo", admin, expected=1)


def test_the_policy_makes_a_first_champion_and_stores_every_number_and_reason(
    conn: Connection, settings: Settings
) -> None:
    key = register(conn, settings, "alpha")
    run_id = a_run(conn)
    stored = store.decide_and_store(conn, POLICY, first(key), run_id, None)
    assert stored.decision.promote
    assert named(conn, "feedback-champion") == key
    [move] = store.history(conn, "feedback-champion")
    assert (move.id, move.kind, move.moved, move.actor) == (
        stored.move_id,
        "policy",
        True,
        "(policy)",
    )
    assert move.evaluation_run_id == run_id
    assert move.decision_reasons == list(stored.decision.reasons)
    assert move.decision_numbers == stored.decision.numbers
    assert audit_rows(conn) == []  # no user acted: the history holds it


def test_a_refusal_is_stored_with_its_reasons_and_moves_nothing(
    conn: Connection, settings: Settings, admin: Actor
) -> None:
    champion, challenger = register(conn, settings, "alpha"), register(conn, settings, "beta")
    store.promote(conn, "feedback-champion", "alpha", 1, "first", admin)
    stored = store.decide_and_store(
        conn, POLICY, against(champion, challenger, low=-1.0), a_run(conn), admin
    )
    assert not stored.decision.promote
    assert named(conn, "feedback-champion") == champion
    refusal = store.history(conn, "feedback-champion")[0]
    assert (refusal.moved, refusal.from_model, refusal.to_model) == (False, "alpha", "beta")
    assert any(r.startswith("lower bound: failed") for r in refusal.decision_reasons)
    assert refusal.decision_numbers["difference_low"] == -1.0
    # A refusal is not a move: a rollback undoes the manual promote before it.
    store.rollback(conn, "feedback-champion", "undo", admin)
    assert named(conn, "feedback-champion") is None


def test_the_policy_promotes_a_challenger_that_beats_the_champion(
    conn: Connection, settings: Settings, admin: Actor
) -> None:
    champion, challenger = register(conn, settings, "alpha"), register(conn, settings, "beta")
    store.promote(conn, "feedback-champion", "alpha", 1, "first", admin)
    run_id = a_run(conn)
    stored = store.decide_and_store(conn, POLICY, against(champion, challenger), run_id, admin)
    assert stored.decision.promote
    assert named(conn, "feedback-champion") == challenger
    assert audit_rows(conn)[-1] == (
        "model.promote",
        "feedback-champion",
        {"version": challenger, "evaluation_run_id": run_id},
    )


def test_evidence_against_a_former_champion_is_refused_and_nothing_is_stored(
    conn: Connection, settings: Settings, admin: Actor
) -> None:
    old, new, challenger = (register(conn, settings, n) for n in ("alpha", "beta", "gamma"))
    store.promote(conn, "feedback-champion", "alpha", 1, "first", admin)
    store.promote(conn, "feedback-champion", "beta", 1, "second", admin)
    with pytest.raises(Conflict):
        store.decide_and_store(conn, POLICY, against(old, challenger), 9, admin)
    with pytest.raises(Conflict):  # evidence for a first champion, but there is one
        store.decide_and_store(conn, POLICY, first(challenger), 9, admin)
    assert named(conn, "feedback-champion") == new
    assert len(store.history(conn, "feedback-champion")) == 2


def test_a_baseline_or_unknown_model_cannot_be_promoted(conn: Connection) -> None:
    with pytest.raises(Invalid):
        store.decide_and_store(conn, POLICY, first("baseline:reference"), None, None)
    with pytest.raises(NotFound):
        store.decide_and_store(conn, POLICY, first("nobody@1"), None, None)


def test_the_history_cannot_be_rewritten(
    conn: Connection, settings: Settings, admin: Actor
) -> None:
    register(conn, settings, "alpha")
    store.promote(conn, "challenger", "alpha", 1, "try it", admin)
    with pytest.raises(psycopg.errors.RestrictViolation):
        conn.execute("UPDATE alias_moves SET reason = 'rewritten'")
    with pytest.raises(psycopg.errors.RestrictViolation):
        conn.execute("DELETE FROM alias_moves")


def test_an_unknown_alias_is_not_found() -> None:
    with pytest.raises(NotFound):
        store.checked_alias("production")
