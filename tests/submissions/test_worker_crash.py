"""A worker killed with SIGKILL in the middle of a judge run: the scheduler notices the
missing heartbeat, the submission is judged again by another worker, and the dead worker's
sandbox container is removed. Real processes, real signals."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import docker
import pytest
from litestar.testing import TestClient

from appliance import db
from appliance.judging import sandbox
from appliance.settings import Settings
from appliance.workers.queries import instance_id
from tests.programs import Start, appliance_programs, wait_for
from tests.submissions.helpers import result, submit

# Passes on golden, twin and every mutant after a pause, so the run lasts a while.
SLOW_SUITE = "import time\nfrom target import clamp\n\ndef test_slowly():\n    time.sleep(1.5)\n    assert clamp(1, 0, 2) == 1\n"


@pytest.fixture
def spawn(settings: Settings) -> Iterator[Start]:
    with appliance_programs(settings, ARENA_WORKER_DEAD_AFTER_SECONDS="4") as start:
        yield start


def test_a_submission_completes_after_its_worker_is_killed(
    api: TestClient[Any],
    learner_token: str,
    conn: db.Connection,
    docker_engine: docker.DockerClient,
    spawn: Callable[[str], subprocess.Popen[bytes]],
) -> None:
    accepted = submit(api, learner_token, SLOW_SUITE)
    first = spawn("worker")

    def running_container() -> Any:
        row = conn.execute(
            "SELECT status, claimed_by FROM submissions WHERE id = %s", (accepted["id"],)
        ).fetchone()
        containers = sandbox.sandbox_containers(docker_engine, instance_id(conn))
        return row if row and row["status"] == "RUNNING" and containers else None

    claimed = wait_for(running_container, 60, "the first worker to start judging")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    dead_worker = claimed["claimed_by"]

    spawn("scheduler")
    spawn("worker")
    done = wait_for(
        lambda: (
            result(api, learner_token, accepted["id"])["status"] in ("SUCCESS", "FAILURE", "ERROR")
        ),
        120,
        "the submission to finish",
    )
    assert done
    got = result(api, learner_token, accepted["id"])
    assert (got["status"], got["score"]) == ("SUCCESS", 41)  # only bounds_swapped dies
    row = conn.execute(
        "SELECT attempts, claimed_by FROM submissions WHERE id = %s", (accepted["id"],)
    ).fetchone()
    assert row is not None
    assert row["attempts"] == 2
    assert row["claimed_by"] != dead_worker

    def dead_workers_containers() -> list[Any]:
        return [
            c
            for c in sandbox.sandbox_containers(docker_engine, instance_id(conn))
            if (c.get("Labels") or {}).get(sandbox.WORKER_LABEL) == dead_worker
        ]

    wait_for(lambda: not dead_workers_containers(), 60, "the dead worker's container to go")
