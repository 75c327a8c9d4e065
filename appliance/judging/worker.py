"""The worker process: one RQ worker that judges in Docker, with a heartbeat thread that
tells PostgreSQL it lives and whether Docker and the judge image are there."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass

import docker
import psycopg
from rq import SimpleWorker

from appliance import db, queue
from appliance.errors import InfrastructureError
from appliance.judging import queries, sandbox
from appliance.settings import Settings, load

log = logging.getLogger(__name__)
# How long a job (or the heartbeat) waits for PostgreSQL to accept connections again.
RECONNECT_TIMEOUT_S = 60.0


@dataclass
class WorkerContext:
    settings: Settings
    conn: db.Connection
    docker: docker.DockerClient
    name: str
    ready: sandbox.Sandbox | None = None


def take_ready(ctx: WorkerContext) -> sandbox.Sandbox | None:
    """The sandbox started for the next submission, if it is still running."""
    box, ctx.ready = ctx.ready, None
    if box is not None and not sandbox.is_running(ctx.docker, box):
        sandbox.discard(ctx.docker, box)
        return None
    return box


def prepare_next(ctx: WorkerContext) -> None:
    """Start the sandbox for the next submission now, so its start-up (container, Python,
    pytest) is off the next submission's path. Best effort: without it, the next
    submission starts its own."""
    if ctx.ready is not None:
        return
    try:
        ctx.ready = sandbox.start(ctx.docker, ctx.settings, {sandbox.WORKER_LABEL: ctx.name})
    except InfrastructureError as exc:
        log.warning("no sandbox prepared for the next submission: %s", exc.detail)


def close(ctx: WorkerContext) -> None:
    """Remove the prepared sandbox and the heartbeat row, and close the connection: this
    process judges no more."""
    if ctx.ready is not None:
        sandbox.discard(ctx.docker, ctx.ready)
        ctx.ready = None
    try:
        refresh(ctx, timeout_s=5)
        queries.forget(ctx.conn, ctx.name)
    except (psycopg.Error, InfrastructureError) as exc:  # the row ages out as dead instead
        log.warning("worker %s not removed from the workers table: %s", ctx.name, exc)
    finally:
        ctx.conn.close()


_context: WorkerContext | None = None


def context() -> WorkerContext:
    """This process's context, made on first use (jobs run in the worker process itself).
    Every later call is a job boundary: the connection is renewed if PostgreSQL restarted."""
    global _context
    if _context is None:
        settings = load()
        _context = WorkerContext(
            settings,
            db.wait_for_database(settings.database_url, timeout_s=120),
            sandbox.docker_client(),
            worker_name(),
        )
    else:
        refresh(_context)
    return _context


def refresh(ctx: WorkerContext, timeout_s: float = RECONNECT_TIMEOUT_S) -> None:
    """Give `ctx` a working connection: the same one if it still works, else a new one once
    PostgreSQL accepts connections again (InfrastructureError after `timeout_s`: the job
    fails before its claim, and the scheduler queues the row again)."""
    ctx.conn = db.reconnected(ctx.conn, ctx.settings.database_url, timeout_s)


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


def beat_once(conn: db.Connection, client: docker.DockerClient, name: str, image: str) -> None:
    try:
        client.ping()
        image_id, docker_ok = sandbox.image_id(client, image), True
    except docker.errors.DockerException:
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
    """Work the judge queue until SIGTERM (RQ finishes the job under way first)."""
    ctx = context()
    stop = start_heartbeat(ctx)
    prepare_next(ctx)
    connection = queue.connect(settings.redis_url)
    worker = SimpleWorker([queue.judge_queue(connection)], connection=connection, name=ctx.name)
    try:
        worker.work(logging_level="INFO")
    finally:
        stop.set()
        close(ctx)
