"""Queue edge of the workers feature: removing sandbox containers left by dead workers."""

from __future__ import annotations

import logging

import docker

from appliance.db import Connection
from appliance.judging import sandbox
from appliance.workers import queries
from appliance.workers.worker import WorkerContext

log = logging.getLogger(__name__)


def reap_containers(ctx: WorkerContext) -> int:
    """RQ job: remove every sandbox container whose worker no longer beats."""
    return reap(ctx.conn, ctx.docker, ctx.settings.worker_dead_after_seconds)


def reap(conn: Connection, client: docker.DockerClient, dead_after_s: float) -> int:
    live = {row["name"] for row in queries.live_workers(conn, dead_after_s)}
    removed = 0
    for container in sandbox.sandbox_containers(client):
        labels = container.get("Labels") or {}
        assert isinstance(labels, dict)
        if labels.get(sandbox.WORKER_LABEL) not in live:
            sandbox.remove(client, str(container["Id"]))
            removed += 1
    if removed:
        log.info("removed %d sandbox containers of dead workers", removed)
    return removed
