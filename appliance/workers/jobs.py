"""Queue edge of the workers feature: removing sandbox containers left by dead workers."""

from __future__ import annotations

import logging

import docker

from appliance.db import Connection
from appliance.judging import sandbox
from appliance.workers import queries
from appliance.workers.worker import WorkerContext

log = logging.getLogger(__name__)
# A live worker reads its sandbox's output the moment it stops; one stopped this long ago
# is left over (Docker was away when its worker removed it).
LEFT_OVER_AFTER_S = 60.0


def reap_containers(ctx: WorkerContext) -> int:
    """RQ job: remove every sandbox container whose worker no longer beats, and every
    one left over by a live worker."""
    return reap(ctx.conn, ctx.docker, ctx.settings.worker_dead_after_seconds)


def reap(conn: Connection, client: docker.DockerClient, dead_after_s: float) -> int:
    live = {row["name"] for row in queries.live_workers(conn, dead_after_s)}
    removed = 0
    ours = sandbox.sandbox_containers(client, queries.instance_id(conn))
    for container in ours + sandbox.unclaimed_sandbox_containers(client):
        labels = container.get("Labels") or {}
        assert isinstance(labels, dict)
        dead = labels.get(sandbox.WORKER_LABEL) not in live
        if dead or sandbox.ended_before(client, container, LEFT_OVER_AFTER_S):
            sandbox.remove(client, str(container["Id"]))
            removed += 1
    if removed:
        log.info("removed %d sandbox containers of dead workers or left over", removed)
    return removed
