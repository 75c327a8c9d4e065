"""registry/decisions.py, which the API and the console both decide with: each refusal
carries a code and the facts its words name, and is still the Conflict (409), Invalid (422)
or NotFound (404) the API answers; the evidence pairs both sides from the same samples; a
decision is stored and moves the champion when the policy says promote. The runs are
written here with judged samples (nothing is judged for real: the policy only reads them)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import get_args

import pytest

from appliance.accounts.users import create_user
from appliance.audit.trail import Actor
from appliance.db import Connection
from appliance.errors import Conflict, Invalid, NotFound
from appliance.evaluations import leaderboard
from appliance.evaluations import queries as evaluation_queries
from appliance.evaluations.leaderboard import RunSamples
from appliance.models import endpoints, problem_sets
from appliance.models.endpoints import DEFAULT_PROMPT_TEMPLATE, Registration, Sampling
from appliance.models.problem_sets import SetFilter
from appliance.registry import decisions, queries, store
from appliance.registry.decisions import DecisionRefused
from appliance.registry.policy import Policy
from appliance.settings import Settings
from appliance.vocabulary import DecisionRefusal, Locale
from tests.conftest import FAST_PROBLEM, PROBLEM
from ui.i18n import CATALOGS

POLICY = Policy(margin=5.0)
_runs = itertools.count()


@pytest.fixture
def admin(conn: Connection) -> Actor:
    return Actor(create_user(conn, "root", "admin")[0], "10.0.0.7")


@pytest.fixture
def models(conn: Connection, settings: Settings) -> list[str]:
    """alpha@1, beta@1 and gamma@1 on a loopback URL (nothing is asked of them)."""
    found = []
    for name in ("alpha", "beta", "gamma"):
        reg = Registration(
            name, "http://127.0.0.1:9", "strong", None, Sampling(), DEFAULT_PROMPT_TEMPLATE
        )
        found.append(f"{name}@{endpoints.register(conn, settings, reg).number}")
    return found


def a_run(conn: Connection, scores: dict[str, int], finished: bool = True) -> int:
    """A run of alpha@1 and beta@1 on the test problem, each model's one sample judged
    with its score (a model left out has no judged sample)."""
    number = next(_runs)
    by = create_user(conn, f"runner{number}", "admin")[0]
    frozen = problem_sets.create(conn, f"set-{number}", SetFilter(slugs=[PROBLEM]))
    manifest = {
        "models": [{"name": "alpha", "version": 1}, {"name": "beta", "version": 1}],
        "baselines": [],
        "problem_set": {"content_hash": frozen["content_hash"]},
    }
    run_id = evaluation_queries.insert_run(conn, frozen["id"], 1, 7, manifest, by.id, None)
    problem = conn.execute(
        "SELECT current_version_id AS id FROM problems WHERE slug = %s", (PROBLEM,)
    ).fetchone()
    assert problem is not None
    for subject, score in scores.items():
        name, _, version = subject.partition("@")
        [sample] = evaluation_queries.insert_samples(
            conn,
            [
                {
                    "run_id": run_id,
                    "model_version_id": queries.version_id(conn, name, int(version)),
                    "baseline": None,
                    "subject": subject,
                    "version_id": problem["id"],
                    "sample_index": 0,
                    "seed": 7,
                }
            ],
        )
        conn.execute(
            "UPDATE evaluation_samples SET status = 'SUCCESS', score = %s, killed_weight = %s,"
            " total_weight = 100, latency_ms = 900 WHERE id = %s",
            (score, score, sample),
        )
    if finished:
        conn.execute(
            "UPDATE evaluation_runs SET status = 'finished', finished_at = %s WHERE id = %s",
            (datetime.now(UTC), run_id),
        )
    return run_id


def refusal(exc: BaseException) -> tuple[DecisionRefusal, dict[str, object], int]:
    """What the console words (code, values) and what the API answers (status)."""
    assert isinstance(exc, DecisionRefused)
    return exc.code, exc.values, exc.status_code


def policy_moves(conn: Connection) -> list[store.Move]:
    return [m for m in store.history(conn, store.CHAMPION) if m.kind == "policy"]


def test_a_run_is_checked_in_the_apis_order_each_refusal_with_its_code_and_status(
    conn: Connection, models: list[str], admin: Actor
) -> None:
    alpha, beta, gamma = models
    running = a_run(conn, {}, finished=False)
    with pytest.raises(Conflict) as unfinished:
        decisions.checked_run(conn, running, None, beta)
    assert refusal(unfinished.value) == ("not_finished", {"run": running}, 409)
    assert "decide on a finished run" in unfinished.value.detail

    run_id = a_run(conn, {})
    with pytest.raises(Conflict) as absent:
        decisions.checked_run(conn, run_id, gamma, gamma)  # absent first, as the API said
    assert refusal(absent.value) == ("champion_absent", {"champion": gamma, "run": run_id}, 409)
    with pytest.raises(Invalid) as outsider:
        decisions.checked_run(conn, run_id, alpha, gamma)
    assert refusal(outsider.value) == ("not_subject", {"challenger": gamma, "run": run_id}, 422)
    assert "not a subject" in outsider.value.detail
    with pytest.raises(Invalid) as same:
        decisions.checked_run(conn, run_id, alpha, alpha)
    assert refusal(same.value) == ("is_champion", {"challenger": alpha}, 422)
    assert decisions.checked_run(conn, run_id, alpha, beta).subjects == (alpha, beta)
    assert decisions.checked_run(conn, run_id, None, beta).run_id == run_id


def sample_row(subject: str, problem: str, score: int) -> dict[str, object]:
    return {
        "subject": subject,
        "baseline": None,
        "problem": problem,
        "problem_version": 1,
        "difficulty": "Easy",
        "tags": [],
        "sample_index": 0,
        "status": "SUCCESS",
        "score": score,
        "killed_weight": score,
        "total_weight": 100,
        "latency_ms": 900,
    }


def samples_of(*rows: dict[str, object]) -> RunSamples:
    return RunSamples(
        run_id=1,
        status="finished",
        finished_at=None,
        subjects=("alpha@1", "beta@1"),
        problem_set_hash="0" * 64,
        samples=[leaderboard.to_sample(row) for row in rows],
        latencies=leaderboard.latencies(list(rows)),
    )


def test_the_evidence_pairs_both_sides_on_their_shared_problems() -> None:
    run = samples_of(sample_row("alpha@1", PROBLEM, 40), sample_row("beta@1", PROBLEM, 90))
    found = decisions.evidence(run, "alpha@1", "beta@1")
    assert found.champion is not None and found.paired is not None
    assert (found.champion.model, found.challenger.model) == ("alpha@1", "beta@1")
    assert (found.paired.a, found.paired.b, found.paired.problems) == ("alpha@1", "beta@1", 1)
    assert (found.champion_p95_ms, found.challenger_p95_ms) == (900.0, 900.0)
    first = decisions.evidence(run, None, "beta@1")
    assert (first.champion, first.paired, first.champion_p95_ms) == (None, None, None)


def test_evidence_without_a_sample_or_a_shared_problem_is_refused_with_a_code() -> None:
    apart = samples_of(sample_row("alpha@1", PROBLEM, 40), sample_row("beta@1", FAST_PROBLEM, 90))
    with pytest.raises(Invalid) as unshared:
        decisions.evidence(apart, "alpha@1", "beta@1")
    assert refusal(unshared.value) == (
        "no_shared",
        {"challenger": "beta@1", "champion": "alpha@1"},
        422,
    )
    lonely = samples_of(sample_row("alpha@1", PROBLEM, 40))
    with pytest.raises(NotFound) as challenger:
        decisions.evidence(lonely, None, "beta@1")
    assert refusal(challenger.value) == ("no_samples", {"challenger": "beta@1"}, 404)
    with pytest.raises(NotFound) as champion:  # the words name whichever side has none
        decisions.evidence(samples_of(sample_row("beta@1", PROBLEM, 90)), "alpha@1", "beta@1")
    assert refusal(champion.value)[1] == {"challenger": "alpha@1"}


def test_a_decision_is_stored_and_moves_the_champion_only_when_the_policy_says_promote(
    conn: Connection, models: list[str], admin: Actor
) -> None:
    alpha, beta, _ = models
    store.promote(conn, store.CHAMPION, "alpha", 1, "the first one", admin)
    run_id = a_run(conn, {alpha: 40, beta: 90})
    stored, champion = decisions.decide(conn, run_id, beta, POLICY, admin)
    assert (stored.decision.promote, champion) == (True, alpha)
    assert decisions.champion_key(conn) == beta
    lost, champion = decisions.decide(conn, run_id, alpha, POLICY, admin)
    assert (lost.decision.promote, champion) == (False, beta)
    assert decisions.champion_key(conn) == beta
    assert [(m.id, m.moved, m.evaluation_run_id) for m in policy_moves(conn)] == [
        (lost.move_id, False, run_id),
        (stored.move_id, True, run_id),
    ]


def test_a_refused_decision_is_not_stored(
    conn: Connection, models: list[str], admin: Actor
) -> None:
    alpha, beta, _ = models
    run_id = a_run(conn, {alpha: 40})
    with pytest.raises(NotFound) as nothing:
        decisions.decide(conn, run_id, beta, POLICY, admin)
    assert refusal(nothing.value) == ("no_samples", {"challenger": beta}, 404)
    assert decisions.champion_key(conn) is None
    assert policy_moves(conn) == []


@pytest.mark.parametrize("locale", ["en", "ko"])
@pytest.mark.parametrize("code", get_args(DecisionRefusal))
def test_every_refusal_has_words_in_both_languages(locale: Locale, code: str) -> None:
    assert f"registry.refused.{code}" in CATALOGS[locale]
