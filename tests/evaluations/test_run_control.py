"""Cancel, hold, resume and retry-failed stop and start samples for real: queued jobs leave
the queue, a sample being judged loses its sandbox container, and learners' submissions are
always taken before evaluation samples."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import docker
import pytest
import redis

from appliance import db, queue
from appliance.accounts.users import create_user
from appliance.audit.trail import Actor
from appliance.errors import Conflict
from appliance.evaluations import jobs, queries, runs
from appliance.evaluations.runs import ModelChoice, Plan
from appliance.judging import sandbox
from appliance.models import endpoints
from appliance.models.endpoints import DEFAULT_PROMPT_TEMPLATE, Registration, Sampling
from appliance.settings import Settings
from appliance.submissions import intake
from appliance.workers import queries as worker_queries
from appliance.workers.worker import beat_once, close, make_context
from tests.bundles import STRONG_SUITE, WEAK_SUITE
from tests.conftest import PROBLEM
from tests.evaluations.conftest import SIGNATURE
from tests.llm_server import KnownProblem, ScriptedServer

# Every run of this suite sleeps: judging it takes seconds, long enough to cancel it midway.
SLOW_SUITE = STRONG_SUITE + "\n\ndef test_slowly():\n    import time\n    time.sleep(1.0)\n"
WAIT_S = 120.0


def statuses(conn: db.Connection, run_id: int) -> list[str]:
    return [s["status"] for s in queries.samples(conn, run_id, None, 0)]


def run_containers(conn: db.Connection, client: docker.DockerClient, run_id: int) -> list[object]:
    instance = worker_queries.instance_id(conn)
    return list(sandbox.sandbox_containers(client, instance, f"{jobs.RUN_LABEL}={run_id}"))


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.05)


@contextmanager
def sample_in_flight(
    settings: Settings, client: docker.DockerClient, sample_id: int
) -> Iterator[threading.Thread]:
    """The sample's job running in a thread of its own, as another worker process would."""
    conn = db.connect(settings.database_url)
    ctx = make_context(settings, conn, client, "other-worker")
    beat_once(conn, client, ctx.name, settings.judge_image)
    thread = threading.Thread(target=jobs.run_sample, args=(ctx, sample_id))
    thread.start()
    try:
        yield thread
    finally:
        thread.join(WAIT_S)
        close(ctx)


def test_cancel_takes_queued_jobs_off_the_queue(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    admin: Actor,
    problem_set: str,
    drain: Callable[[], None],
) -> None:
    plan = Plan(problem_set, baselines=["reference"], samples=3)
    run_id = runs.create(conn, broker, settings, admin, plan)
    assert queue.evaluations_queue(broker).count == 3
    runs.cancel(conn, broker, admin, run_id)
    assert queue.evaluations_queue(broker).count == 0
    drain()
    assert statuses(conn, run_id) == ["CANCELLED"] * 3
    assert conn.execute("SELECT count(*) AS n FROM submissions").fetchone() == {"n": 0}
    with pytest.raises(Conflict):
        runs.cancel(conn, broker, admin, run_id)


def test_cancel_while_a_slow_model_answers_cancels_its_sample(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    admin: Actor,
    problem_set: str,
    register: Callable[[str], str],
    docker_engine: docker.DockerClient,
) -> None:
    run_id = runs.create(
        conn, broker, settings, admin, Plan(problem_set, [ModelChoice(register("slow"))])
    )
    (sample_id,) = queries.pending_ids(conn, run_id)
    with sample_in_flight(settings, docker_engine, sample_id):
        wait_until(lambda: statuses(conn, run_id) == ["RUNNING"])
        runs.cancel(conn, broker, admin, run_id)
    assert statuses(conn, run_id) == ["CANCELLED"]
    assert queries.run(conn, run_id)["status"] == "cancelled"  # type: ignore[index]
    assert run_containers(conn, docker_engine, run_id) == []
    assert queue.evaluations_queue(broker).count == 0


def test_cancel_while_judging_removes_the_sandbox_container(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    admin: Actor,
    problem_set: str,
    docker_engine: docker.DockerClient,
) -> None:
    server = ScriptedServer([KnownProblem(SIGNATURE, SLOW_SUITE, WEAK_SUITE)]).start()
    try:
        reg = Registration(
            "strong", server.base_url, "strong", None, Sampling(), DEFAULT_PROMPT_TEMPLATE
        )
        endpoints.register(conn, settings, reg)
        plan = Plan(problem_set, [ModelChoice("strong")])
        run_id = runs.create(conn, broker, settings, admin, plan)
        (sample_id,) = queries.pending_ids(conn, run_id)
        with sample_in_flight(settings, docker_engine, sample_id):
            wait_until(lambda: run_containers(conn, docker_engine, run_id) != [])
            runs.cancel(conn, broker, admin, run_id)
    finally:
        server.stop()
    assert statuses(conn, run_id) == ["CANCELLED"]
    assert run_containers(conn, docker_engine, run_id) == []
    judged = conn.execute("SELECT status, error_detail FROM submissions").fetchone()
    assert judged is not None and judged["status"] == "ERROR"


def test_a_held_run_starts_nothing_until_resumed(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    admin: Actor,
    problem_set: str,
    drain: Callable[[], None],
) -> None:
    run_id = runs.create(
        conn, broker, settings, admin, Plan(problem_set, baselines=["reference"], samples=2)
    )
    runs.hold(conn, broker, admin, run_id)
    assert queue.evaluations_queue(broker).count == 0
    drain()
    assert statuses(conn, run_id) == ["PENDING"] * 2
    with pytest.raises(Conflict):
        runs.hold(conn, broker, admin, run_id)
    runs.resume(conn, broker, admin, run_id)
    drain()
    assert statuses(conn, run_id) == ["SUCCESS"] * 2
    assert queries.run(conn, run_id)["status"] == "finished"  # type: ignore[index]


def test_retry_failed_runs_the_error_samples_again(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    admin: Actor,
    problem_set: str,
    register: Callable[[str], str],
    llm_server: ScriptedServer,
    drain: Callable[[], None],
) -> None:
    models = [ModelChoice(register("slow")), ModelChoice(register("garbage"))]
    run_id = runs.create(conn, broker, settings, admin, Plan(problem_set, models))
    drain()
    assert statuses(conn, run_id) == ["FAILURE", "ERROR"]  # garbage@1, slow@1
    llm_server.slow_seconds = 0  # the model server is fast again
    assert runs.retry_failed(conn, broker, admin, run_id) == 1
    assert queries.run(conn, run_id)["status"] == "running"  # type: ignore[index]
    drain()
    assert statuses(conn, run_id) == ["FAILURE", "SUCCESS"]  # a FAILURE is a verdict: kept
    slow = queries.samples(conn, run_id, None, 0)[1]
    assert (slow["score"], slow["attempts"], slow["error"]) == (100, 2, None)
    assert queries.run(conn, run_id)["status"] == "finished"  # type: ignore[index]


def test_a_learners_submission_is_judged_before_waiting_evaluation_samples(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    admin: Actor,
    problem_set: str,
    drain: Callable[[], None],
) -> None:
    run_id = runs.create(
        conn, broker, settings, admin, Plan(problem_set, baselines=["reference"], samples=2)
    )
    learner, _ = create_user(conn, "ada", "learner")
    accepted = intake.submit(conn, broker, settings, learner, PROBLEM, STRONG_SUITE)
    drain()  # one worker, both queues: "judge" first
    learned = conn.execute(
        "SELECT finished_at FROM submissions WHERE id = %s", (accepted["id"],)
    ).fetchone()
    assert learned is not None
    started = [s["started_at"] for s in queries.samples(conn, run_id, None, 0)]
    assert all(learned["finished_at"] <= at for at in started)


def test_progress_estimates_the_time_left_from_finished_samples() -> None:
    assert runs.seconds_left(remaining=10, mean_duration_ms=2000, workers=2) == 10.0
    assert runs.seconds_left(remaining=3, mean_duration_ms=1500, workers=0) == 4.5
    assert runs.seconds_left(remaining=0, mean_duration_ms=1500, workers=1) is None
    assert runs.seconds_left(remaining=5, mean_duration_ms=None, workers=1) is None


def test_progress_counts_samples_and_estimates_when_some_ended(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    admin: Actor,
    problem_set: str,
    drain: Callable[[], None],
) -> None:
    run_id = runs.create(
        conn, broker, settings, admin, Plan(problem_set, baselines=["reference"], samples=2)
    )
    before = runs.progress(conn, settings, run_id)
    assert (before.total, before.pending, before.done, before.seconds_left) == (2, 2, 0, None)
    drain()
    after = runs.progress(conn, settings, run_id)
    assert (after.success, after.done, after.seconds_left) == (2, 2, None)


def test_holding_a_run_lets_the_sample_under_way_finish(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    admin: Actor,
    problem_set: str,
    register: Callable[[str], str],
    docker_engine: docker.DockerClient,
) -> None:
    plan = Plan(problem_set, [ModelChoice(register("slow"))], samples=2)
    run_id = runs.create(conn, broker, settings, admin, plan)
    first, _ = queries.pending_ids(conn, run_id)
    with sample_in_flight(settings, docker_engine, first):
        wait_until(lambda: "RUNNING" in statuses(conn, run_id))
        runs.hold(conn, broker, admin, run_id)
    assert sorted(statuses(conn, run_id)) == ["ERROR", "PENDING"]  # the slow model timed out
    assert queries.run(conn, run_id)["status"] == "held"  # type: ignore[index]
