"""The reaper removes the sandboxes of this appliance's dead workers, and never a sandbox of
another appliance that shares the Docker engine (an operator running two, or two test
sessions side by side), even one whose worker it has never heard of."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import docker
import psycopg
import pytest

from appliance import db
from appliance.judging import sandbox
from appliance.settings import Settings
from appliance.workers import jobs
from appliance.workers.worker import WorkerContext

DEAD_AFTER_S = 60.0


@pytest.fixture
def started(docker_engine: docker.DockerClient) -> Iterator[list[sandbox.Sandbox]]:
    """Sandboxes the test starts; whatever is left of them is removed at the end."""
    boxes: list[sandbox.Sandbox] = []
    yield boxes
    for box in boxes:
        sandbox.discard(docker_engine, box)


def exists(client: docker.DockerClient, box: sandbox.Sandbox) -> bool:
    return client.api.containers(all=True, filters={"id": box.container_id}) != []


def test_the_reaper_removes_only_its_own_appliances_dead_workers_sandboxes(
    conn: db.Connection,
    settings: Settings,
    docker_engine: docker.DockerClient,
    worker_ctx: WorkerContext,
    started: list[sandbox.Sandbox],
) -> None:
    def start(instance: str, worker: str) -> sandbox.Sandbox:
        labels = {sandbox.INSTANCE_LABEL: instance, sandbox.WORKER_LABEL: worker}
        started.append(sandbox.start(docker_engine, settings, labels))
        return started[-1]

    ours_orphan = start(worker_ctx.instance, "a-worker-that-died")
    ours_live = start(worker_ctx.instance, worker_ctx.name)
    theirs = start(str(uuid.uuid4()), "a-worker-this-appliance-never-knew")

    assert jobs.reap(conn, docker_engine, DEAD_AFTER_S) == 1
    assert not exists(docker_engine, ours_orphan)
    assert exists(docker_engine, ours_live)
    assert exists(docker_engine, theirs)
    listed = sandbox.sandbox_containers(docker_engine, worker_ctx.instance)
    assert [c["Id"] for c in listed] == [ours_live.container_id]


def test_a_sandbox_from_before_the_appliances_id_is_removed_once_its_worker_is_gone(
    conn: db.Connection,
    settings: Settings,
    docker_engine: docker.DockerClient,
    worker_ctx: WorkerContext,
    started: list[sandbox.Sandbox],
) -> None:
    """Left by a version that did not label sandboxes with an appliance's id (an upgrade
    replaced its worker): no appliance claims it, so every appliance's reaper may remove it."""
    unclaimed = sandbox.start(docker_engine, settings, {sandbox.WORKER_LABEL: "an-old-worker"})
    started.append(unclaimed)
    assert jobs.reap(conn, docker_engine, DEAD_AFTER_S) == 1
    assert not exists(docker_engine, unclaimed)


def test_each_database_knows_which_appliance_it_is(conn: db.Connection) -> None:
    (row,) = conn.execute("SELECT id FROM appliance_instance").fetchall()
    assert uuid.UUID(str(row["id"])).version == 4
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("INSERT INTO appliance_instance (only_row) VALUES (false)")
