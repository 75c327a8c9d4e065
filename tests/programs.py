"""Real appliance programs (`python -m appliance worker|scheduler`) started by a test
against its own services, and waiting for what they do."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from appliance import db
from appliance import queries as core_queries
from appliance.settings import Settings

Start = Callable[[str], "subprocess.Popen[bytes]"]


@contextmanager
def appliance_programs(settings: Settings, logs: Path | None = None, **env: str) -> Iterator[Start]:
    """start(program) runs one in its own session; every one is ended with SIGTERM after.
    With `logs`, each one's stderr (its log) goes to a file there, named for it."""
    environment = {
        **os.environ,
        "ARENA_DATABASE_URL": settings.database_url,
        "ARENA_REDIS_URL": settings.redis_url,
        "ARENA_JUDGE_IMAGE": settings.judge_image,
        "ARENA_HEARTBEAT_SECONDS": "1",
        **env,
    }
    started: list[subprocess.Popen[bytes]] = []

    def run(program: str, log: int | IO[bytes]) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-m", "appliance", program],
            env=environment,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        started.append(process)
        return process

    def start(program: str) -> subprocess.Popen[bytes]:
        if logs is None:
            return run(program, subprocess.DEVNULL)
        with open(logs / f"{program}-{len(started)}.log", "wb") as log:
            return run(program, log)  # the program keeps its own copy of the file

    try:
        yield start
    finally:
        for process in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=60)


def wait_for(condition: Callable[[], Any], timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def scheduler_lock_holder(database_url: str) -> int | None:
    """The backend pid holding the scheduler's lock in this database, if any."""
    with db.connect(database_url) as conn:
        row = conn.execute(
            "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
            " WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()"
            " AND ((l.classid::bigint << 32) | l.objid::bigint) = %s",
            (core_queries.SCHEDULER_LOCK,),
        ).fetchone()
    return None if row is None else int(row["pid"])
