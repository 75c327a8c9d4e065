"""Runs of the built-in baselines, judged for real: manifests, scores, reproduction, and the
model submissions kept out of what learners see."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import redis

from appliance import __version__, db
from appliance.audit.trail import Actor
from appliance.evaluations import queries, runs
from appliance.evaluations.runs import Plan
from appliance.learning import queries as learning_queries
from appliance.metrics import queries as metric_queries
from appliance.settings import Settings
from appliance.submissions import queries as submission_queries
from tests.conftest import PROBLEM


def scores(conn: db.Connection, run_id: int) -> dict[tuple[str, str, int], int | None]:
    return {
        (s["subject"], s["problem"], s["sample_index"]): s["score"]
        for s in queries.samples(conn, run_id, None, 0)
    }


def test_baselines_are_judged_by_the_real_judge_reference_at_the_ceiling(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    admin: Actor,
    problem_set: str,
    drain: Callable[[], None],
) -> None:
    plan = Plan(problem_set, baselines=["examples", "reference"], samples=2, seed=7)
    run_id = runs.create(conn, broker, settings, admin, plan)
    drain()
    samples = queries.samples(conn, run_id, None, 0)
    assert len(samples) == 4
    reference = [s for s in samples if s["baseline"] == "reference"]
    examples = [s for s in samples if s["baseline"] == "examples"]
    assert [(s["status"], s["score"]) for s in reference] == [("SUCCESS", 100)] * 2
    # The test problem has no examples: its examples suite has no test.
    assert [(s["status"], s["reason"], s["score"]) for s in examples] == [
        ("FAILURE", "no_tests", 0)
    ] * 2
    assert all(s["submission_id"] is not None and s["suite"] for s in samples)
    assert all(s["prompt"] is None and s["latency_ms"] is None for s in samples)
    assert queries.run(conn, run_id)["status"] == "finished"  # type: ignore[index]
    verdicts = queries.verdicts(conn, [str(s["submission_id"]) for s in reference])
    assert {v["verdict"] for v in verdicts if v["kind"] == "mutant"} == {"killed"}


def test_the_manifest_says_what_the_run_was_made_of(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    admin: Actor,
    problem_set: str,
    worker_ctx: object,
) -> None:
    run_id = runs.create(conn, broker, settings, admin, Plan(problem_set, baselines=["reference"]))
    manifest = queries.run(conn, run_id)["manifest"]  # type: ignore[index]
    found_set = conn.execute(
        "SELECT content_hash FROM problem_sets WHERE name = %s", (problem_set,)
    ).fetchone()
    assert manifest["problem_set"]["content_hash"] == found_set["content_hash"]  # type: ignore[index]
    assert [i["slug"] for i in manifest["problem_set"]["items"]] == [PROBLEM]
    assert manifest["app_version"] == __version__
    assert manifest["git_sha"] == "unknown"  # ARENA_GIT_SHA is not set in the tests
    assert manifest["judge_image_id"].startswith("sha256:")  # from the live worker's beat
    assert manifest["baselines"] == ["reference"] and manifest["models"] == []
    assert isinstance(manifest["seed"], int) and manifest["samples"] == 1


def test_rerunning_a_manifest_reproduces_the_baselines_scores_exactly(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    admin: Actor,
    problem_set: str,
    drain: Callable[[], None],
) -> None:
    plan = Plan(problem_set, baselines=["examples", "reference"], samples=2)
    first = runs.create(conn, broker, settings, admin, plan)
    drain()
    second = runs.rerun(conn, broker, settings, admin, first)
    drain()
    assert scores(conn, first) == scores(conn, second)
    assert set(scores(conn, first).values()) == {0, 100}
    one, two = queries.run(conn, first), queries.run(conn, second)
    assert one is not None and two is not None
    assert two["rerun_of"] == first and two["seed"] == one["seed"]
    seeds = [[s["seed"] for s in queries.samples(conn, r, None, 0)] for r in (first, second)]
    assert seeds[0] == seeds[1]


def test_model_submissions_are_in_no_learner_list_and_no_learner_metric(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    admin: Actor,
    problem_set: str,
    drain: Callable[[], None],
) -> None:
    runs.create(conn, broker, settings, admin, Plan(problem_set, baselines=["reference"]))
    drain()
    stored = conn.execute("SELECT user_id, source FROM submissions").fetchall()
    assert stored == [{"user_id": admin.user.id, "source": "model"}]
    assert submission_queries.count_visible(conn, None, None, None) == 0
    assert submission_queries.list_visible(conn, admin.user.id, None, None, 10, 0) == []
    assert learning_queries.count_attempts(conn, admin.user.id, None) == 0
    assert learning_queries.standings(conn, admin.user.id, PROBLEM, 10) == []
    assert submission_queries.count_matching(conn, {"source": "learner"}) == 0
    assert submission_queries.count_matching(conn, {"source": "model"}) == 1
    now = datetime.now(UTC)
    start, end = now - timedelta(days=1), now + timedelta(days=1)
    assert metric_queries.created_stats(conn, start, end)["n"] == 0
    assert metric_queries.active_user_stats(conn, start, end)["n"] == 0
    assert metric_queries.score_stats(conn, start, end)["n"] == 0
