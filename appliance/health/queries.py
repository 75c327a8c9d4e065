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


# -- the console's overview ----------------------------------------------------------------


def workers(conn: Connection, limit: int) -> list[Row]:
    """Every worker that beat lately, dead ones too (the sweep forgets them after a day)."""
    return conn.execute(
        "SELECT name, hostname, pid, started_at, heartbeat_at, docker_ok, judge_image_id"
        " FROM workers ORDER BY name LIMIT %s",
        (limit,),
    ).fetchall()


def unfinished(conn: Connection) -> Row:
    """pending, running and the oldest PENDING's created_at (the partial index of
    unfinished submissions answers it whatever the table's size)."""
    row = conn.execute(
        "SELECT count(*) FILTER (WHERE status = 'PENDING') AS pending,"
        " count(*) FILTER (WHERE status = 'RUNNING') AS running,"
        " min(created_at) FILTER (WHERE status = 'PENDING') AS oldest_pending"
        " FROM submissions WHERE status IN ('PENDING', 'RUNNING')"
    ).fetchone()
    assert row is not None, "an aggregate always gives a row"
    return row


def running(conn: Connection, limit: int) -> list[Row]:
    """RUNNING submissions, the longest running first: id, problem, user, worker,
    attempts, started_at."""
    return conn.execute(
        "SELECT s.id, p.slug AS problem, u.name AS user_name, s.claimed_by, s.attempts,"
        " s.started_at FROM submissions s JOIN problem_versions v ON v.id = s.version_id"
        " JOIN problems p ON p.id = v.problem_id JOIN users u ON u.id = s.user_id"
        " WHERE s.status = 'RUNNING' ORDER BY s.started_at NULLS LAST, s.id LIMIT %s",
        (limit,),
    ).fetchall()


def recent_errors(conn: Connection, limit: int) -> list[Row]:
    """The newest ERROR submissions: id, problem, user, error_detail, finished_at."""
    return conn.execute(
        "SELECT s.id, p.slug AS problem, u.name AS user_name, s.error_detail, s.finished_at"
        " FROM submissions s JOIN problem_versions v ON v.id = s.version_id"
        " JOIN problems p ON p.id = v.problem_id JOIN users u ON u.id = s.user_id"
        " WHERE s.status = 'ERROR' AND s.finished_at IS NOT NULL"
        " ORDER BY s.finished_at DESC LIMIT %s",
        (limit,),
    ).fetchall()


def latest_runs(conn: Connection, jobs: list[str]) -> list[Row]:
    """Each job's newest run (job, started_at, finished_at, rows, error; None for a job
    that never ran), one index probe per job."""
    return conn.execute(
        "SELECT j.job, r.started_at, r.finished_at, r.rows, r.error"
        " FROM unnest(%s::text[]) WITH ORDINALITY AS j(job, n) LEFT JOIN LATERAL"
        " (SELECT started_at, finished_at, rows, error FROM job_runs WHERE job = j.job"
        " ORDER BY started_at DESC LIMIT 1) r ON true ORDER BY j.n",
        (jobs,),
    ).fetchall()


def failed_runs(conn: Connection, limit: int) -> list[Row]:
    """The newest job runs that ended in an error: job, started_at, finished_at, error."""
    return conn.execute(
        "SELECT job, started_at, finished_at, error FROM job_runs"
        " WHERE error IS NOT NULL AND finished_at IS NOT NULL"
        " ORDER BY finished_at DESC LIMIT %s",
        (limit,),
    ).fetchall()


def failed_collections(conn: Connection, limit: int) -> list[Row]:
    """The newest metric buckets that could not be collected: metric, granularity,
    bucket_start, attempts, error, failed_at."""
    return conn.execute(
        "SELECT metric, granularity, bucket_start, attempts, error, failed_at"
        " FROM metric_collection_failures ORDER BY failed_at DESC LIMIT %s",
        (limit,),
    ).fetchall()
