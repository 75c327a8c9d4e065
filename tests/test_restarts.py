"""Services may restart (issue 7, item 4): PostgreSQL, Redis, the Docker daemon, workers and
schedulers go away under real `python -m appliance worker|scheduler` processes, and every
submission still ends, none lost, none left PENDING or RUNNING. PostgreSQL is the truth:
whatever Redis loses, the scheduler queues again from it."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import docker
import pytest
import redis
from litestar.testing import TestClient

from appliance import db, queue
from appliance.judging import sandbox
from appliance.scheduler import MAX_ATTEMPTS
from appliance.settings import Settings
from appliance.workers import queries as worker_queries
from tests import services
from tests.bundles import STRONG_SUITE
from tests.conftest import PROBLEM, make_settings
from tests.programs import Start, appliance_programs, scheduler_lock_holder, wait_for
from tests.submissions.helpers import submit

TERMINAL = ("SUCCESS", "FAILURE", "ERROR")
# Passes on golden, twin and every mutant: cheap, for the burst of 200. Judged on mini-clamp
# (5 s wall), not mini-clamp-fast: a passing suite costs the same on both, and under a
# loaded 2-core machine its 1 s wall ended a few of the 200 as FAILURE.
TINY_SUITE = "from target import clamp\n\ndef test_inside():\n    assert clamp(1, 0, 2) == 1\n"
# The same after a pause in every run, so that a judge is surely under way when Docker goes.
PAUSED_SUITE = (
    "import time\nfrom target import clamp\n\n"
    "def test_slowly():\n    time.sleep(0.5)\n    assert clamp(1, 0, 2) == 1\n"
)


@pytest.fixture
def settings(database_url: str, redis_url: str) -> Settings:
    """The learner submits hundreds within minutes here; the rate limit is tested elsewhere."""
    return make_settings(database_url, redis_url, ARENA_RATE_LIMIT_PER_MINUTE="1000")


@pytest.fixture
def spawn(settings: Settings, tmp_path: Path) -> Iterator[Start]:
    """Real programs, each logging to a file in tmp_path; a worker counts as dead after 4 s
    without a heartbeat (the default 15 s only makes the tests slower)."""
    with appliance_programs(settings, logs=tmp_path, ARENA_WORKER_DEAD_AFTER_SECONDS="4") as start:
        yield start


def submissions(database_url: str) -> dict[str, dict[str, Any]]:
    """Every submission by id, read on a connection of its own."""
    with db.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT id, status, reason, score, attempts, claimed_by, error_detail FROM submissions"
        ).fetchall()
    return {str(row["id"]): row for row in rows}


def counts(database_url: str) -> collections.Counter[str]:
    return collections.Counter(row["status"] for row in submissions(database_url).values())


def wait_until_all_end(
    database_url: str,
    expected: int,
    timeout_s: float,
    alive: Sequence[subprocess.Popen[bytes]] = (),
) -> dict[str, Any]:
    """Every submission, once all `expected` of them are terminal; the `alive` programs must
    keep running meanwhile (none of them may have to be restarted to get there)."""

    def ended() -> dict[str, Any] | None:
        died = [p.args for p in alive if p.poll() is not None]
        assert not died, f"programs ended: {died}"
        rows = submissions(database_url)
        done = len(rows) == expected and all(r["status"] in TERMINAL for r in rows.values())
        return rows if done else None

    try:
        rows: dict[str, Any] = wait_for(ended, timeout_s, f"all {expected} submissions to end")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; by status: {dict(counts(database_url))}") from None
    return rows


def submit_many(api: TestClient[Any], token: str, n: int, code: str, problem: str) -> list[str]:
    return [submit(api, token, code, problem)["id"] for _ in range(n)]


def kill(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


# -- PostgreSQL ------------------------------------------------------------------------


@pytest.fixture
def restart_postgres(pg_admin_url: str) -> Iterator[Callable[[], None]]:
    """Restart the session's PostgreSQL; whatever the test does, it is up when it ends."""
    yield lambda: services.restart_postgres(pg_admin_url)
    services.ensure_postgres(pg_admin_url)


@pytest.mark.timeout(900)
def test_postgresql_restarted_during_a_burst_of_20_loses_none(
    api: TestClient[Any],
    learner_token: str,
    settings: Settings,
    spawn: Start,
    restart_postgres: Callable[[], None],
) -> None:
    """The report's case: every job failed with "the connection is closed" for minutes."""
    programs = [spawn("scheduler"), spawn("worker"), spawn("worker")]
    url = settings.database_url
    first = submit_many(api, learner_token, 10, STRONG_SUITE, PROBLEM)

    def judging_under_way() -> bool:
        by_status = counts(url)
        return by_status["SUCCESS"] >= 2 and by_status["RUNNING"] >= 1

    wait_for(judging_under_way, 300, "the burst's first verdicts, with more judging")
    restart_postgres()
    second = submit_many(api, learner_token, 10, STRONG_SUITE, PROBLEM)  # a new session
    rows = wait_until_all_end(url, 20, 600, alive=programs)
    assert sorted(rows) == sorted(first + second)
    assert {(r["status"], r["score"]) for r in rows.values()} == {("SUCCESS", 100)}


# -- Redis -----------------------------------------------------------------------------


@pytest.fixture
def restart_redis(redis_url: str) -> Iterator[Callable[[float], None]]:
    """Restart the session's Redis (every key lost); it is up when the test ends."""
    yield lambda down_s: services.restart_redis(redis_url, down_s)
    services.ensure_redis(redis_url)


def _with_submissions_pending(api: TestClient[Any], token: str, url: str) -> list[str]:
    """Eight submissions for one worker: once it has judged one, it judges the next while
    the rest wait in Redis."""
    ids = submit_many(api, token, 8, STRONG_SUITE, PROBLEM)

    def some_judged_more_waiting() -> bool:
        by_status = counts(url)
        return by_status["SUCCESS"] >= 1 and by_status["RUNNING"] == 1 and by_status["PENDING"] >= 3

    wait_for(some_judged_more_waiting, 300, "a verdict, a judge under way, more pending")
    return ids


@pytest.mark.timeout(600)
def test_flushall_with_pending_submissions_loses_none(
    api: TestClient[Any], learner_token: str, settings: Settings, broker: redis.Redis, spawn: Start
) -> None:
    scheduler, worker = spawn("scheduler"), spawn("worker")
    ids = _with_submissions_pending(api, learner_token, settings.database_url)
    broker.flushall()
    assert queue.judge_queue(broker).count == 0  # only PostgreSQL knows them now
    rows = wait_until_all_end(settings.database_url, len(ids), 480, alive=[scheduler, worker])
    assert sorted(rows) == sorted(ids)
    assert {(r["status"], r["score"]) for r in rows.values()} == {("SUCCESS", 100)}


@pytest.mark.timeout(600)
def test_redis_restarted_with_pending_submissions_loses_none(
    api: TestClient[Any],
    learner_token: str,
    settings: Settings,
    broker: redis.Redis,
    spawn: Start,
    restart_redis: Callable[[float], None],
) -> None:
    """A Redis that saves nothing comes back empty after 5 s, so the judge under way ends
    while it is away; the worker and the scheduler carry on, neither restarted."""
    scheduler, worker = spawn("scheduler"), spawn("worker")
    ids = _with_submissions_pending(api, learner_token, settings.database_url)
    restart_redis(5)
    assert queue.judge_queue(broker).count == 0  # the queue went with the server
    # Needs the worker fix proposed with these tests (/tmp/restarts-fixes.diff, issue 7):
    # RQ's worker quits on a Redis ConnectionError in its bookkeeping after a job.
    rows = wait_until_all_end(settings.database_url, len(ids), 480, alive=[scheduler, worker])
    assert sorted(rows) == sorted(ids)
    assert {(r["status"], r["score"]) for r in rows.values()} == {("SUCCESS", 100)}


# -- the Docker daemon -----------------------------------------------------------------


@pytest.fixture
def restart_docker() -> Iterator[Callable[[float], None]]:
    """Restart the host's Docker daemon; whatever the test does, it answers when it ends.
    Every test on the host loses its containers with it: such a test is marked `exclusive`
    and runs alone, after the parallel groups (ops/dev.sh test)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.fail("a test that restarts Docker must run alone: mark it exclusive")
    yield services.restart_docker
    services.ensure_docker()


def worker_names(url: str) -> set[str]:
    """The workers that beat in this test's database (other tests share the Docker host)."""
    with db.connect(url) as conn:
        return {row["name"] for row in conn.execute("SELECT name FROM workers").fetchall()}


def sandboxes_of(client: docker.DockerClient, url: str, workers: set[str]) -> list[dict[str, Any]]:
    """The test's sandbox containers, running or not, labelled with one of `workers`."""
    with db.connect(url) as conn:
        instance = worker_queries.instance_id(conn)
    containers = sandbox.sandbox_containers(client, instance)
    return [dict(c) for c in containers if _worker_of(c) in workers]


def _worker_of(container: dict[str, object]) -> object:
    labels = container.get("Labels") or {}
    assert isinstance(labels, dict)
    return labels.get(sandbox.WORKER_LABEL)


def _judging_in_docker(url: str, client: docker.DockerClient) -> bool:
    """Both workers have claimed a submission and one judges it in a running container."""
    names = {row["claimed_by"] for row in submissions(url).values() if row["status"] == "RUNNING"}
    containers = sandboxes_of(client, url, names)
    return len(names) == 2 and any(c.get("State") == "running" for c in containers)


@pytest.mark.exclusive
@pytest.mark.timeout(900)
def test_docker_restarted_mid_judge_ends_every_submission(
    api: TestClient[Any],
    learner_token: str,
    settings: Settings,
    docker_engine: docker.DockerClient,
    tmp_path: Path,
    restart_docker: Callable[[float], None],
) -> None:
    """Docker goes away for a while (8 s, twice a worker's dead-after here) under two
    judges. Their containers are gone: the infrastructure retries (delays that outlast the
    outage) judge them again or end them as ERROR, on the same worker, which kept beating
    (Docker away is not a dead worker). Later submissions are judged as if nothing
    happened, and the containers the outage left behind are reaped."""
    programs = appliance_programs(
        settings,
        logs=tmp_path,
        ARENA_INFRA_RETRY_DELAYS="5,20",
        ARENA_WORKER_DEAD_AFTER_SECONDS="4",
    )
    with programs as spawn:
        spawn("scheduler")
        workers = [spawn("worker"), spawn("worker")]
        url = settings.database_url
        in_flight = submit_many(api, learner_token, 2, PAUSED_SUITE, PROBLEM)
        wait_for(lambda: _judging_in_docker(url, docker_engine), 300, "both judges under way")
        restart_docker(8)
        later = submit_many(api, learner_token, 4, STRONG_SUITE, PROBLEM)
        rows = wait_until_all_end(url, 6, 600)
        assert {rows[i]["status"] for i in in_flight} <= {"SUCCESS", "ERROR"}, rows
        # Needs the heartbeat fix proposed with these tests (/tmp/restarts-fixes.diff, issue
        # 7): beat_once let docker-py's requests.ConnectionError escape, so a worker stopped
        # beating while Docker was away and the sweeper gave its submission to another.
        assert [rows[i]["attempts"] for i in in_flight] == [1, 1], rows
        assert {(rows[i]["status"], rows[i]["score"]) for i in later} == {("SUCCESS", 100)}
        names = worker_names(url)

        def left_over() -> list[dict[str, Any]]:
            return [c for c in sandboxes_of(docker_engine, url, names) if c["State"] != "running"]

        # Needs the reaper fix proposed with these tests (/tmp/restarts-fixes.diff, issue 7):
        # a container whose removal failed while Docker was away stays forever otherwise,
        # since the reaper only removes the containers of dead workers.
        wait_for(lambda: not left_over(), 240, "the containers the outage left to be reaped")
        assert all(w.poll() is None for w in workers)  # no worker had to restart


# -- workers ----------------------------------------------------------------------------


def _judging_worker(url: str, live: list[subprocess.Popen[bytes]]) -> Any:
    """(process, worker name) of one of `live` that holds a RUNNING submission, if any."""
    with db.connect(url) as conn:
        rows = conn.execute(
            "SELECT w.name, w.pid FROM submissions s JOIN workers w ON w.name = s.claimed_by"
            " WHERE s.status = 'RUNNING'"
        ).fetchall()
    by_pid = {process.pid: process for process in live}
    for row in rows:
        if row["pid"] in by_pid:
            return by_pid[row["pid"]], row["name"]
    return None


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_a_worker_killed_20_times_during_a_burst_of_200_loses_none(
    api: TestClient[Any],
    learner_token: str,
    settings: Settings,
    docker_engine: docker.DockerClient,
    spawn: Start,
) -> None:
    """Two workers judge a burst of 200; 20 times one of them is SIGKILLed mid-judge and a
    new one started. The sweeper gives the victims back to the queue (ERROR only for one
    abandoned three times); every other submission is SUCCESS, and the dead workers'
    sandbox containers are reaped."""
    url = settings.database_url
    scheduler = spawn("scheduler")
    live = [spawn("worker"), spawn("worker")]
    ids = submit_many(api, learner_token, 200, TINY_SUITE, PROBLEM)
    dead: set[str] = set()
    for n in range(20):  # a kill every 7 verdicts, so all 20 fall within the burst
        dead.add(_kill_a_judging_worker(url, live, spawn, after=7 * n))
    assert len(dead) == 20
    rows = wait_until_all_end(url, 200, 1500, alive=[scheduler, *live])
    assert sorted(rows) == sorted(ids)
    errors = {i: r for i, r in rows.items() if r["status"] != "SUCCESS"}
    assert all(r["status"] == "ERROR" and r["attempts"] >= MAX_ATTEMPTS for r in errors.values()), (
        errors
    )
    assert any(r["attempts"] > 1 for r in rows.values())  # the victims were judged again
    wait_for(lambda: not sandboxes_of(docker_engine, url, dead), 180, "the dead workers' sandboxes")


def _kill_a_judging_worker(
    url: str, live: list[subprocess.Popen[bytes]], spawn: Start, after: int
) -> str:
    """Once `after` submissions ended, SIGKILL one of `live` while it judges and start
    another in its place; the dead worker's name."""
    wait_for(lambda: _finished(url) >= after, 900, f"{after} verdicts")
    process, name = wait_for(lambda: _judging_worker(url, live), 300, "a worker judging")
    kill(process)
    live.remove(process)
    live.append(spawn("worker"))
    return str(name)


def _finished(url: str) -> int:
    by_status = counts(url)
    return sum(by_status[status] for status in TERMINAL)


# -- schedulers -------------------------------------------------------------------------


@pytest.mark.timeout(600)
def test_a_killed_scheduler_hands_its_lock_to_the_other_within_a_minute(
    api: TestClient[Any],
    learner_token: str,
    settings: Settings,
    broker: redis.Redis,
    spawn: Start,
    tmp_path: Path,
) -> None:
    """Two real schedulers: the second idles while the first holds the lock. The first is
    SIGKILLed with a PENDING submission that Redis lost; within a minute the second holds
    the lock and has queued the submission again, which a worker then judges."""
    url = settings.database_url
    first = spawn("scheduler")
    holder = wait_for(lambda: scheduler_lock_holder(url), 120, "the first scheduler's lock")
    second = spawn("scheduler")
    idling = tmp_path / "scheduler-1.log"
    wait_for(lambda: "idling" in idling.read_text(), 120, "the second scheduler to idle")
    accepted = submit(api, learner_token, STRONG_SUITE)
    broker.flushdb()  # Redis lost its job: only a sweep queues it again
    kill(first)
    killed_at = time.monotonic()
    wait_for(
        lambda: scheduler_lock_holder(url) not in (None, holder), 60, "the second to take the lock"
    )

    def queued_again() -> bool:
        return accepted["id"] in queue.judge_queue(broker).get_job_ids()

    remaining = 60 - (time.monotonic() - killed_at)
    wait_for(queued_again, remaining, "the second scheduler to queue the submission again")
    rows = wait_until_all_end(url, 1, 240, alive=[second, spawn("worker")])
    assert (rows[accepted["id"]]["status"], rows[accepted["id"]]["score"]) == ("SUCCESS", 100)
