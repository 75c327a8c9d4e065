"""The leaderboard and the paired comparison of a run, over the API: the baselines judged
for real order themselves with intervals, per difficulty and tag; a finished run's answers
come from the cache the second time, a running one's are computed afresh and say so."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
import redis
from litestar.testing import TestClient

from appliance import db
from appliance.audit.trail import Actor
from appliance.errors import Invalid
from appliance.evaluations import leaderboard, runs
from appliance.evaluations.runs import Plan
from appliance.models import problem_sets
from appliance.models.problem_sets import SetFilter
from appliance.settings import Settings
from tests.conftest import FAST_PROBLEM, HIDDEN_PROBLEM, PROBLEM, bearer

CLAMPS = "all-clamps"


@pytest.fixture
def baseline_run(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    admin: Actor,
    drain: Callable[[], None],
) -> int:
    """The reference and examples baselines on the three test problems, judged."""
    problem_sets.create(conn, CLAMPS, SetFilter(slugs=[PROBLEM, FAST_PROBLEM, HIDDEN_PROBLEM]))
    plan = Plan(CLAMPS, baselines=["reference", "examples"], seed=5)
    run_id = runs.create(conn, broker, settings, admin, plan)
    drain()
    return run_id


def get(api: TestClient[Any], token: str, path: str) -> Any:
    answer = api.get(path, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return answer.json()


def cache_rows(conn: db.Connection) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT cache_key, run_id, created_at FROM leaderboard_cache ORDER BY created_at"
    ).fetchall()


def row(
    status: str, score: int | None = None, killed: int = 0, latency: int | None = None
) -> dict[str, Any]:
    return {
        "subject": "strong@1",
        "baseline": None,
        "problem": "clamp",
        "problem_version": 2,
        "difficulty": "Easy",
        "tags": ["boundaries"],
        "sample_index": 0,
        "status": status,
        "score": score,
        "killed_weight": killed,
        "total_weight": 4,
        "latency_ms": latency,
    }


def test_a_stored_sample_becomes_a_statistics_sample() -> None:
    success = leaderboard.to_sample(row("SUCCESS", 82, killed=3, latency=120))
    assert (success.model, success.problem, success.tags) == (
        "strong@1",
        "clamp@2",
        ("boundaries",),
    )
    assert (success.score, success.mutation_score, success.golden_passed) == (82, 0.75, True)
    failure = leaderboard.to_sample(row("FAILURE", 0))
    assert (failure.score, failure.mutation_score, failure.golden_passed) == (0, 0.0, False)
    error = leaderboard.to_sample(row("ERROR"))
    assert (error.score, error.mutation_score, error.errored) == (None, None, True)
    baseline = leaderboard.to_sample(row("SUCCESS", 100, 4) | {"baseline": "reference"})
    assert baseline.model == "reference"
    assert leaderboard.latencies([row("ERROR", latency=7), row("ERROR")]) == {"strong@1": [7.0]}


def test_the_default_k_is_the_samples_every_problem_has() -> None:
    samples = [
        leaderboard.to_sample(row("SUCCESS", 82, 3) | {"sample_index": i, "problem": p})
        for p, count in (("a", 3), ("b", 2))
        for i in range(count)
    ]
    assert leaderboard.default_k(samples) == 2
    assert leaderboard.default_k([]) == 1
    with pytest.raises(Invalid, match="best-of-3"):
        leaderboard.table(samples, k=3, seed=0, resamples=10)


def test_the_leaderboard_ranks_reference_above_examples_with_intervals(
    api: TestClient[Any], admin_token: str, baseline_run: int
) -> None:
    board = get(api, admin_token, f"/api/v1/evaluations/{baseline_run}/leaderboard?resamples=200")
    assert (board["status"], board["partial"], board["k"], board["seed"]) == (
        "finished",
        False,
        1,
        0,
    )
    assert [r["model"] for r in board["rows"]] == ["reference", "examples"]
    reference, examples = board["rows"]
    assert reference["problems"] == 3 and reference["samples"] == 3
    assert reference["mean_score"] == {"estimate": 100.0, "low": 100.0, "high": 100.0}
    assert reference["golden_pass_rate"]["estimate"] == 1.0
    assert reference["mutation_score"]["estimate"] == 1.0
    # The test problems have no examples: the examples suite fails (no tests) everywhere.
    assert examples["mean_score"] == {"estimate": 0.0, "low": 0.0, "high": 0.0}
    assert examples["golden_pass_rate"]["estimate"] == 0.0 and examples["error_rate"] == 0.0
    for summary in (reference, examples):
        for name in ("mean_score", "mutation_score", "golden_pass_rate", "best_of_k"):
            interval = summary[name]
            assert interval["low"] <= interval["estimate"] <= interval["high"]
    assert [g["name"] for g in board["by_difficulty"]] == ["Easy"]
    assert [g["name"] for g in board["by_tag"]] == ["boundaries"]
    assert [r["model"] for r in board["by_tag"][0]["rows"]] == ["reference", "examples"]
    assert board["by_difficulty"][0]["rows"] == board["rows"]
    too_many = api.get(
        f"/api/v1/evaluations/{baseline_run}/leaderboard?k=2", headers=bearer(admin_token)
    )
    assert too_many.status_code == 422 and "best-of-2" in too_many.json()["detail"]


def test_a_finished_runs_leaderboard_is_cached_and_served_as_stored(
    api: TestClient[Any], conn: db.Connection, admin_token: str, baseline_run: int
) -> None:
    path = f"/api/v1/evaluations/{baseline_run}/leaderboard?resamples=300&seed=4"
    first = get(api, admin_token, path)
    stored = cache_rows(conn)
    assert first["cached"] is False and len(stored) == 1
    second = get(api, admin_token, path)
    assert second["cached"] is True
    assert first | {"cached": True} == second
    assert cache_rows(conn) == stored  # not computed and stored again
    get(api, admin_token, path.replace("seed=4", "seed=5"))
    assert len(cache_rows(conn)) == 2  # other parameters, another entry
    with pytest.raises(psycopg.errors.RestrictViolation, match="immutable"):
        conn.execute("UPDATE leaderboard_cache SET result = '{}'")


def test_compare_gives_the_paired_difference_of_reference_over_examples(
    api: TestClient[Any], conn: db.Connection, admin_token: str, baseline_run: int
) -> None:
    path = f"/api/v1/evaluations/{baseline_run}/compare?a=examples&b=reference&resamples=200"
    compared = get(api, admin_token, path)
    assert (compared["a"], compared["b"], compared["problems"]) == ("examples", "reference", 3)
    assert compared["difference"] == {"estimate": 100.0, "low": 100.0, "high": 100.0}
    assert (compared["wins"], compared["losses"], compared["ties"]) == (3, 0, 0)
    assert compared["cached"] is False and get(api, admin_token, path)["cached"] is True
    unknown = api.get(path.replace("a=examples", "a=nobody@1"), headers=bearer(admin_token))
    assert unknown.status_code == 404 and "not a subject" in unknown.json()["detail"]
    same = api.get(path.replace("a=examples", "a=reference"), headers=bearer(admin_token))
    assert same.status_code == 422


def test_a_running_run_is_computed_afresh_and_says_it_is_partial(
    api: TestClient[Any],
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    admin: Actor,
    admin_token: str,
    problem_set: str,
) -> None:
    run_id = runs.create(conn, broker, settings, admin, Plan(problem_set, baselines=["reference"]))
    board = get(api, admin_token, f"/api/v1/evaluations/{run_id}/leaderboard")
    assert (board["status"], board["partial"], board["cached"]) == ("running", True, False)
    assert board["rows"] == [] and board["k"] == 1
    assert get(api, admin_token, f"/api/v1/evaluations/{run_id}/leaderboard")["cached"] is False
    assert cache_rows(conn) == []


def test_the_leaderboard_is_for_admins_and_checks_its_parameters(
    api: TestClient[Any], admin_token: str, learner_token: str
) -> None:
    board = "/api/v1/evaluations/1/leaderboard"
    assert api.get(board, headers=bearer(learner_token)).status_code == 403
    compare = "/api/v1/evaluations/1/compare?a=examples&b=reference"
    assert api.get(compare, headers=bearer(learner_token)).status_code == 403
    assert api.get(board + "?resamples=0", headers=bearer(admin_token)).status_code == 400
    assert api.get(board + "?k=0", headers=bearer(admin_token)).status_code == 400
    assert api.get(compare, headers=bearer(admin_token)).status_code == 404  # no run 1
