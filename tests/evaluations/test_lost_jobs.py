"""PostgreSQL is the truth for samples as for submissions: what Redis lost, or a dead worker
held, is queued again by the scheduler's sweep."""

from __future__ import annotations

from collections.abc import Callable

import redis

from appliance import db, queue
from appliance.audit.trail import Actor
from appliance.evaluations import queries, runs
from appliance.evaluations.runs import Plan
from appliance.settings import Settings


def test_samples_redis_lost_are_queued_again_and_judged(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    admin: Actor,
    problem_set: str,
    drain: Callable[[], None],
) -> None:
    run_id = runs.create(conn, broker, settings, admin, Plan(problem_set, baselines=["reference"]))
    broker.flushdb()  # Redis restarted without its data
    assert runs.requeue_lost(conn, broker, settings.worker_dead_after_seconds, 0) == 1
    assert runs.requeue_lost(conn, broker, settings.worker_dead_after_seconds, 0) == 0  # waiting
    drain()
    assert [s["score"] for s in queries.samples(conn, run_id, None, 0)] == [100]


def test_a_sample_of_a_dead_worker_is_run_again_then_ends_as_error(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    admin: Actor,
    problem_set: str,
) -> None:
    run_id = runs.create(conn, broker, settings, admin, Plan(problem_set, baselines=["reference"]))
    (sample_id,) = queries.pending_ids(conn, run_id)
    dead = settings.worker_dead_after_seconds
    for _ in range(runs.MAX_ATTEMPTS):
        assert queries.claim(conn, sample_id, "a-worker-that-died") is not None
        runs.requeue_lost(conn, broker, dead, 0)
    (sample,) = queries.samples(conn, run_id, None, 0)
    assert (sample["status"], sample["attempts"]) == ("ERROR", runs.MAX_ATTEMPTS)
    assert "its worker stopped" in sample["error"]
    assert queries.run(conn, run_id)["status"] == "finished"  # type: ignore[index]
    assert queue.evaluations_queue(broker).count == 1  # the first job, never taken
