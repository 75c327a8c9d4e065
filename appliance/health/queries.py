"""SQL of the health checks."""

from __future__ import annotations

from appliance.db import Connection, Row


def ping(conn: Connection) -> None:
    conn.execute("SELECT 1")


def last_finished_run(conn: Connection, job: str) -> Row | None:
    return conn.execute(
        "SELECT finished_at, rows, error FROM job_runs WHERE job = %s AND finished_at IS NOT NULL"
        " ORDER BY started_at DESC LIMIT 1",
        (job,),
    ).fetchone()


def scheduler_alive(conn: Connection, lock_key: int) -> bool:
    """Whether some session holds the scheduler's advisory lock."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND ((classid::bigint << 32) | objid::bigint) = %s) AS held",
        (lock_key,),
    ).fetchone()
    return bool(row and row["held"])
