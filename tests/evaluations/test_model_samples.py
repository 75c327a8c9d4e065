"""Models of known quality (tests/llm_server.py on loopback) write suites that the real
judge grades: the scores order them, and each sample keeps its evidence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import redis

from appliance import db
from appliance.audit.trail import Actor
from appliance.evaluations import queries, runs
from appliance.evaluations.runs import ModelChoice, Plan
from appliance.settings import Settings
from tests.bundles import GOLDEN
from tests.conftest import HIDDEN_PROBLEM
from tests.llm_server import GARBAGE, ScriptedServer


def by_subject(conn: db.Connection, run_id: int) -> dict[str, dict[str, Any]]:
    return {s["subject"]: s for s in queries.samples(conn, run_id, None, 0)}


def test_strong_beats_weak_beats_garbage_and_slow_times_out(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    admin: Actor,
    problem_set: str,
    register: Callable[[str], str],
    drain: Callable[[], None],
) -> None:
    models = [ModelChoice(register(name)) for name in ("strong", "weak", "garbage", "slow")]
    run_id = runs.create(conn, broker, settings, admin, Plan(problem_set, models, seed=3))
    drain()
    samples = by_subject(conn, run_id)
    strong, weak, garbage, slow = (samples[f"{n}@1"] for n in ("strong", "weak", "garbage", "slow"))
    assert (strong["status"], strong["score"]) == ("SUCCESS", 100)
    assert (weak["status"], weak["score"]) == ("SUCCESS", 41)  # kills one mutant of weight 1
    assert (garbage["status"], garbage["reason"], garbage["score"]) == ("FAILURE", "no_suite", 0)
    assert garbage["response"] == GARBAGE and garbage["suite"] is None
    assert garbage["submission_id"] is None  # nothing to judge
    assert slow["status"] == "ERROR" and slow["error"].startswith("timeout:")
    assert slow["score"] is None and slow["response"] is None and slow["prompt"]
    assert queries.run(conn, run_id)["status"] == "finished"  # type: ignore[index]


def test_a_sample_keeps_prompt_response_suite_latency_and_tokens(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    admin: Actor,
    problem_set: str,
    register: Callable[[str], str],
    drain: Callable[[], None],
    llm_server: ScriptedServer,
) -> None:
    run_id = runs.create(
        conn, broker, settings, admin, Plan(problem_set, [ModelChoice(register("strong"))])
    )
    drain()
    sample = by_subject(conn, run_id)["strong@1"]
    asked = [r.body for r in llm_server.requests if r.path.endswith("/chat/completions")]
    assert asked[-1]["messages"][0]["content"] == sample["prompt"]
    assert asked[-1]["seed"] == sample["seed"]  # the version has no seed: the sample's
    assert "```python" in sample["response"] and sample["suite"] in sample["response"]
    assert sample["latency_ms"] >= 0
    assert sample["prompt_tokens"] > 0 and sample["completion_tokens"] > 0
    source = conn.execute(
        "SELECT source, code FROM submissions WHERE id = %s", (sample["submission_id"],)
    ).fetchone()
    assert source == {"source": "model", "code": sample["suite"]}


def test_a_leaky_model_gets_no_hidden_golden_to_echo(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    admin: Actor,
    register: Callable[[str], str],
    drain: Callable[[], None],
) -> None:
    from appliance.models import problem_sets
    from appliance.models.problem_sets import SetFilter

    problem_sets.create(conn, "hidden", SetFilter(slugs=[HIDDEN_PROBLEM]))
    run_id = runs.create(
        conn, broker, settings, admin, Plan("hidden", [ModelChoice(register("leaky"))])
    )
    drain()
    sample = by_subject(conn, run_id)["leaky@1"]
    assert sample["response"] == sample["prompt"]
    assert "max(lo, min(x, hi))" not in sample["response"]
    assert GOLDEN not in sample["prompt"]
