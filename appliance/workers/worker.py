"""The worker process: one RQ worker that judges in Docker, with a heartbeat thread that
tells PostgreSQL it lives and whether Docker and the judge image are there.

Every job function takes the worker's context as its first argument; the worker hands it
over (`ContextJob`), so no job reaches for process-global state."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import docker
import psycopg
import redis
from rq import SimpleWorker
from rq.job import Job
from rq.queue import Queue

from appliance import db, queue
from appliance.errors import InfrastructureError
from appliance.judging import sandbox
from appliance.settings import Settings
from appliance.workers import queries

log = logging.getLogger(__name__)
# How long a job (or the heartbeat) waits for PostgreSQL to accept connections again.
RECONNECT_TIMEOUT_S = 60.0
# The pause before working again after Redis went away under the worker.
REDIS_RETRY_S = 2.0


@dataclass
class WorkerContext:
    """What a job runs with: this worker's settings, connection, sandboxes and name."""

    settings: Settings
    conn: db.Connection
    sandboxes: sandbox.Sandboxes
    name: str

    @property
    def docker(self) -> docker.DockerClient:
        return self.sandboxes.client

    @property
    def instance(self) -> str:
        """The appliance's id, which every one of its sandboxes carries."""
        return self.sandboxes.labels[sandbox.INSTANCE_LABEL]


def make_context(
    settings: Settings, conn: db.Connection, client: docker.DockerClient, name: str
) -> WorkerContext:
    """A worker's context; its sandboxes carry its appliance's id and its name, so the
    reaper knows whose they are."""
    labels = {sandbox.INSTANCE_LABEL: queries.instance_id(conn), sandbox.WORKER_LABEL: name}
    sandboxes = sandbox.Sandboxes(client, settings, labels)
    return WorkerContext(settings, conn, sandboxes, name)


def open_context(settings: Settings, client: docker.DockerClient, name: str) -> WorkerContext:
    """The context of a process that judges, once PostgreSQL accepts connections."""
    conn = db.wait_for_database(settings.database_url, timeout_s=120)
    return make_context(settings, conn, client, name)


def close(ctx: WorkerContext) -> None:
    """Remove the prepared sandbox and the heartbeat row, and close the connection: this
    process judges no more."""
    ctx.sandboxes.close()
    try:
        refresh(ctx, timeout_s=5)
        queries.forget(ctx.conn, ctx.name)
    except (psycopg.Error, InfrastructureError) as exc:  # the row ages out as dead instead
        log.warning("worker %s not removed from the workers table: %s", ctx.name, exc)
    finally:
        ctx.conn.close()


def refresh(ctx: WorkerContext, timeout_s: float = RECONNECT_TIMEOUT_S) -> None:
    """Give `ctx` a working connection: the same one if it still works, else a new one once
    PostgreSQL accepts connections again (InfrastructureError after `timeout_s`: the job
    fails before its claim, and the scheduler queues the row again)."""
    ctx.conn = db.reconnected(ctx.conn, ctx.settings.database_url, timeout_s)


class ContextJob(Job):
    """A job called as `func(context, *args)`. The context is set by the worker that
    performs it and is never stored in Redis."""

    context: WorkerContext | None = None

    def _execute(self) -> Any:  # rq 2.12 (pinned) calls this to run the function
        assert self.context is not None, "a ContextJob runs only in a ContextWorker"
        refresh(self.context)  # the job boundary: PostgreSQL may have restarted meanwhile
        return self.func(self.context, *self.args, **self.kwargs)


class ContextWorker(SimpleWorker):
    """An RQ worker (jobs run in this process) that hands its context to every job."""

    job_class = ContextJob

    def __init__(self, queues: list[Queue], connection: redis.Redis, context: WorkerContext):
        super().__init__(queues, connection=connection, name=context.name)
        self.context = context

    def perform_job(self, job: Job, queue: Queue) -> bool:
        assert isinstance(job, ContextJob)
        job.context = self.context
        return bool(super().perform_job(job, queue))


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


def beat_once(conn: db.Connection, client: docker.DockerClient, name: str, image: str) -> None:
    try:
        client.ping()
        image_id, docker_ok = sandbox.image_id(client, image), True
    except sandbox.DOCKER_ERRORS:  # Docker is away, the worker is not: beat, saying so
        image_id, docker_ok = None, False
    queries.beat(conn, name, socket.gethostname(), os.getpid(), docker_ok, image_id)


def _heartbeat_loop(ctx: WorkerContext, stop: threading.Event) -> None:
    """Beat on a connection of its own, renewed before a beat whenever it stopped working
    (PostgreSQL restarted), so the beats resume as soon as the server is back."""
    conn: db.Connection | None = None
    client = sandbox.docker_client()
    while not stop.wait(ctx.settings.heartbeat_seconds):
        try:
            conn = _beat_connection(ctx.settings, conn)
            beat_once(conn, client, ctx.name, ctx.settings.judge_image)
        except Exception:  # a missed beat must not end the thread; the next one retries
            log.exception("heartbeat failed")
    if conn is not None:
        conn.close()


def _beat_connection(settings: Settings, conn: db.Connection | None) -> db.Connection:
    wait_s = min(settings.heartbeat_seconds, RECONNECT_TIMEOUT_S)
    if conn is None:
        return db.wait_for_database(settings.database_url, wait_s)
    return db.reconnected(conn, settings.database_url, wait_s)


def start_heartbeat(ctx: WorkerContext) -> threading.Event:
    """Beat now and then every few seconds until the returned event is set. Any process
    that runs sandboxes beats, so the reaper leaves its containers alone."""
    beat_once(ctx.conn, ctx.docker, ctx.name, ctx.settings.judge_image)
    stop = threading.Event()
    threading.Thread(target=_heartbeat_loop, args=(ctx, stop), daemon=True).start()
    return stop


def run(settings: Settings) -> None:
    """Work the judge queue, then the evaluations queue, until SIGTERM (RQ finishes the job
    under way first). Learners' submissions come first: RQ takes the queues in order."""
    ctx = open_context(settings, sandbox.docker_client(), worker_name())
    stop = start_heartbeat(ctx)
    ctx.sandboxes.refill()
    connection = queue.connect(settings.redis_url)
    try:
        while not _work(connection, ctx):
            time.sleep(REDIS_RETRY_S)
    finally:
        stop.set()
        close(ctx)


def _work(connection: redis.Redis, ctx: WorkerContext) -> bool:
    """Work the queue: True once RQ stops (SIGTERM); False when Redis went away while RQ
    kept its books around a job, which RQ does not survive. The job itself stored its
    outcome, or never claimed its row, which the scheduler then queues again."""
    try:
        worker = ContextWorker(queue.worker_queues(connection), connection, ctx)
        connection.delete(worker.key)  # this name's registration, if Redis kept it
        worker.work(logging_level="INFO")
    except redis.exceptions.ConnectionError as exc:
        log.warning("Redis went away under the worker; working again: %s", exc)
        return False
    return True
