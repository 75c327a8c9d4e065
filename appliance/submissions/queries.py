"""SQL of submissions and their per-variant and per-test results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from psycopg import sql

from appliance.db import Connection, Row
from appliance.vocabulary import Status

# Where migration 0009's trigger announces a submission's status change (payload: its id).
STATUS_CHANNEL = "submission_status"

DETAIL_COLUMNS = (
    "s.id, s.user_id, s.status, s.reason, s.error_detail, s.score, s.killed_weight,"
    " s.total_weight, s.killed_count, s.total_count, s.attempts, s.created_at, s.started_at,"
    " s.finished_at, s.version_id, s.rejudge_of, v.number AS version, p.slug AS problem"
)


def by_idempotency_key(conn: Connection, user_id: int, key: str) -> Row | None:
    return conn.execute(
        f"SELECT {DETAIL_COLUMNS}, s.code_sha256 FROM submissions s"
        " JOIN problem_versions v ON v.id = s.version_id JOIN problems p ON p.id = v.problem_id"
        " WHERE s.user_id = %s AND s.idempotency_key = %s",
        (user_id, key),
    ).fetchone()


def count_pending(conn: Connection) -> int:
    row = conn.execute("SELECT count(*) AS n FROM submissions WHERE status = 'PENDING'").fetchone()
    return int(row["n"]) if row else 0


def insert(
    conn: Connection,
    user_id: int,
    version_id: int,
    code: str,
    code_sha256: str,
    idempotency_key: str | None,
) -> Row | None:
    """The new submission; None when this user already used the idempotency key."""
    return conn.execute(
        "INSERT INTO submissions (user_id, version_id, code, code_sha256, idempotency_key)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (user_id, idempotency_key) DO NOTHING"
        " RETURNING id, status, created_at",
        (user_id, version_id, code, code_sha256, idempotency_key),
    ).fetchone()


def detail(conn: Connection, submission_id: str) -> Row | None:
    return conn.execute(
        f"SELECT {DETAIL_COLUMNS} FROM submissions s"
        " JOIN problem_versions v ON v.id = s.version_id JOIN problems p ON p.id = v.problem_id"
        " WHERE s.id = %s",
        (submission_id,),
    ).fetchone()


# The API's list (GET /api/v1/submissions) shows learners' suites only, to admins too: a
# model's suites are an evaluation run's evidence (GET /api/v1/evaluations/{id}/samples).


def count_visible(
    conn: Connection, user_id: int | None, problem: str | None, status: Status | None
) -> int:
    row = conn.execute(
        "SELECT count(*) AS n FROM submissions s"
        " JOIN problem_versions v ON v.id = s.version_id JOIN problems p ON p.id = v.problem_id"
        " WHERE s.source = 'learner' AND (%(user)s::bigint IS NULL OR s.user_id = %(user)s)"
        " AND (%(problem)s::text IS NULL OR p.slug = %(problem)s)"
        " AND (%(status)s::text IS NULL OR s.status = %(status)s)",
        {"user": user_id, "problem": problem, "status": status},
    ).fetchone()
    return int(row["n"]) if row else 0


def list_visible(
    conn: Connection,
    user_id: int | None,
    problem: str | None,
    status: Status | None,
    limit: int,
    offset: int,
) -> list[Row]:
    return conn.execute(
        "SELECT s.id, p.slug AS problem, v.number AS version, s.status, s.reason, s.score,"
        " s.created_at, s.finished_at FROM submissions s"
        " JOIN problem_versions v ON v.id = s.version_id JOIN problems p ON p.id = v.problem_id"
        " WHERE s.source = 'learner' AND (%(user)s::bigint IS NULL OR s.user_id = %(user)s)"
        " AND (%(problem)s::text IS NULL OR p.slug = %(problem)s)"
        " AND (%(status)s::text IS NULL OR s.status = %(status)s)"
        " ORDER BY s.created_at DESC, s.id LIMIT %(limit)s OFFSET %(offset)s",
        {"user": user_id, "problem": problem, "status": status, "limit": limit, "offset": offset},
    ).fetchall()


def variant_runs(conn: Connection, submission_id: str) -> list[Row]:
    return conn.execute(
        "SELECT position, name, kind, verdict, duration_ms, limit_ms, output, output_truncated,"
        " refused FROM variant_results WHERE submission_id = %s ORDER BY position",
        (submission_id,),
    ).fetchall()


def test_rows(conn: Connection, submission_id: str) -> list[Row]:
    return conn.execute(
        "SELECT position, test_name, outcome, duration_ms, message FROM test_results"
        " WHERE submission_id = %s ORDER BY position, test_name",
        (submission_id,),
    ).fetchall()


def claim(conn: Connection, submission_id: str, worker: str) -> Row | None:
    """PENDING -> RUNNING for exactly one worker; None when another has it or it is done."""
    return conn.execute(
        "UPDATE submissions SET status = 'RUNNING', claimed_by = %s, attempts = attempts + 1,"
        " started_at = now() WHERE id = %s AND status = 'PENDING'"
        " RETURNING id, version_id, code, attempts",
        (worker, submission_id),
    ).fetchone()


def release(conn: Connection, submission_id: str, worker: str) -> Row | None:
    """RUNNING -> PENDING again, only if this worker still holds the claim."""
    return conn.execute(
        "UPDATE submissions SET status = 'PENDING', claimed_by = NULL"
        " WHERE id = %s AND status = 'RUNNING' AND claimed_by = %s RETURNING id",
        (submission_id, worker),
    ).fetchone()


def finish(conn: Connection, submission_id: str, worker: str, fields: dict[str, Any]) -> Row | None:
    """RUNNING -> a terminal status, only if this worker still holds the claim."""
    return conn.execute(
        "UPDATE submissions SET status = %(status)s, reason = %(reason)s,"
        " error_detail = %(error_detail)s, score = %(score)s, killed_weight = %(killed_weight)s,"
        " total_weight = %(total_weight)s, killed_count = %(killed_count)s,"
        " total_count = %(total_count)s, sandbox_id = %(sandbox_id)s, finished_at = now()"
        " WHERE id = %(id)s AND status = 'RUNNING' AND claimed_by = %(worker)s RETURNING id",
        {**fields, "id": submission_id, "worker": worker},
    ).fetchone()


def insert_variant_runs(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO variant_results (submission_id, position, name, kind, verdict,"
            " duration_ms, limit_ms, output, output_truncated, refused)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )


def insert_test_rows(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO test_results (submission_id, position, test_name, outcome,"
            " duration_ms, message) VALUES (%s, %s, %s, %s, %s, %s)"
            " ON CONFLICT DO NOTHING",
            rows,
        )


# A RUNNING row is abandoned when its worker stopped beating, or when it was claimed longer
# ago than the judge's worst case for its version (every try of the container's budget,
# the backoff between tries and a margin), whatever the heartbeat says: a live worker may
# be stuck. %(start)s, %(runs)s and %(overhead)s mirror JudgeRequest.budget_seconds.
_ABANDONED = (
    "s.status = 'RUNNING' AND (NOT EXISTS ("
    "  SELECT 1 FROM workers w WHERE w.name = s.claimed_by"
    "  AND w.heartbeat_at > now() - make_interval(secs => %(dead)s))"
    " OR s.started_at < now() - make_interval(secs => ("
    "  SELECT %(tries)s * (%(start)s + (%(runs)s + count(m.*)) * (v.wall_seconds + %(overhead)s))"
    "   + %(slack)s"
    "  FROM problem_versions v LEFT JOIN mutants m ON m.version_id = v.id"
    "  WHERE v.id = s.version_id GROUP BY v.id)))"
)


def release_abandoned(
    conn: Connection, bounds: Mapping[str, float], max_attempts: int
) -> list[Row]:
    """Abandoned RUNNING submissions go back to PENDING while they have tries left."""
    return conn.execute(
        "UPDATE submissions s SET status = 'PENDING', claimed_by = NULL"
        f" WHERE s.attempts < %(max)s AND {_ABANDONED} RETURNING s.id",
        {**bounds, "max": max_attempts},
    ).fetchall()


def fail_abandoned(conn: Connection, bounds: Mapping[str, float], max_attempts: int) -> list[Row]:
    """Abandoned RUNNING submissions that used up their tries end as ERROR."""
    return conn.execute(
        "UPDATE submissions s SET status = 'ERROR', finished_at = now(),"
        " error_detail = 'its judging was abandoned ' || s.attempts || ' times'"
        " || ' (the worker stopped, or overran the judge''s worst case)'"
        f" WHERE s.attempts >= %(max)s AND {_ABANDONED} RETURNING s.id",
        {**bounds, "max": max_attempts},
    ).fetchall()


def pending_ids(conn: Connection, older_than_s: float) -> list[Row]:
    return conn.execute(
        "SELECT id FROM submissions WHERE status = 'PENDING'"
        " AND created_at < now() - make_interval(secs => %s) ORDER BY created_at",
        (older_than_s,),
    ).fetchall()


# The console's filters (reading.Filters), each a condition only when it is given, so that
# PostgreSQL plans every combination on the index that serves it (migration 0007). Problem
# and user resolve to ids in a subquery: a page and its count read submissions alone.
_FILTERS = {
    "status": "s.status = %(status)s",
    "reason": "s.reason = %(reason)s",
    "problem": "s.version_id IN (SELECT v.id FROM problem_versions v"
    " JOIN problems p ON p.id = v.problem_id WHERE p.slug = %(problem)s)",
    "user": "s.user_id IN (SELECT u.id FROM users u WHERE u.name ILIKE %(user)s)",
    "since": "s.created_at >= %(since)s",
    "until": "s.created_at < %(until)s",
    "source": "s.source = %(source)s",
}


def _where(filters: Mapping[str, Any]) -> str:
    given = [condition for key, condition in _FILTERS.items() if filters.get(key) is not None]
    return " WHERE " + " AND ".join(given) if given else ""


def count_matching(conn: Connection, filters: Mapping[str, Any]) -> int:
    row = conn.execute(
        "SELECT count(*) AS n FROM submissions s" + _where(filters), filters
    ).fetchone()
    return int(row["n"]) if row else 0


def page_matching(
    conn: Connection, filters: Mapping[str, Any], newest_first: bool, limit: int, offset: int
) -> list[Row]:
    order = "DESC" if newest_first else "ASC"
    return conn.execute(
        "SELECT s.id, u.name AS user_name, p.slug AS problem, v.number AS version, s.status,"
        " s.reason, s.score, s.killed_weight, s.total_weight, s.created_at, s.finished_at,"
        " s.rejudge_of FROM submissions s JOIN users u ON u.id = s.user_id"
        " JOIN problem_versions v ON v.id = s.version_id JOIN problems p ON p.id = v.problem_id"
        + _where(filters)
        + f" ORDER BY s.created_at {order}, s.id {order} LIMIT %(limit)s OFFSET %(offset)s",
        {**filters, "limit": limit, "offset": offset},
    ).fetchall()


def problem_slugs(conn: Connection) -> list[str]:
    rows = conn.execute("SELECT slug FROM problems ORDER BY slug").fetchall()
    return [row["slug"] for row in rows]


def review(conn: Connection, submission_id: str) -> Row | None:
    """The detail's columns, and what only an admin reads: who, the code, the attempts,
    and which submission this one judges again."""
    return conn.execute(
        f"SELECT {DETAIL_COLUMNS}, u.name AS user_name, s.code"
        " FROM submissions s JOIN users u ON u.id = s.user_id"
        " JOIN problem_versions v ON v.id = s.version_id JOIN problems p ON p.id = v.problem_id"
        " WHERE s.id = %s",
        (submission_id,),
    ).fetchone()


def rejudges_of(conn: Connection, submission_id: str) -> list[Row]:
    return conn.execute(
        "SELECT id, status, score, created_at FROM submissions WHERE rejudge_of = %s"
        " ORDER BY created_at, id",
        (submission_id,),
    ).fetchall()


def lock_judged(conn: Connection, submission_id: str) -> Row | None:
    """The submission, locked until the transaction ends: two rejudges of it queue up."""
    return conn.execute(
        "SELECT id, status, score, reason FROM submissions WHERE id = %s FOR UPDATE",
        (submission_id,),
    ).fetchone()


def rejudge_in_flight(conn: Connection, submission_id: str) -> Row | None:
    return conn.execute(
        "SELECT id FROM submissions WHERE rejudge_of = %s AND status IN ('PENDING', 'RUNNING')"
        " LIMIT 1",
        (submission_id,),
    ).fetchone()


def insert_rejudge(conn: Connection, submission_id: str) -> Row | None:
    """A new PENDING submission of the same suite, by the same user, to the same version."""
    return conn.execute(
        "INSERT INTO submissions (user_id, version_id, code, code_sha256, rejudge_of)"
        " SELECT user_id, version_id, code, code_sha256, id FROM submissions WHERE id = %s"
        " RETURNING id, created_at",
        (submission_id,),
    ).fetchone()


def status_of(conn: Connection, submission_id: str) -> Status | None:
    row = conn.execute("SELECT status FROM submissions WHERE id = %s", (submission_id,)).fetchone()
    return row["status"] if row else None


# -- the status announcements, on an async connection (the console's event loop) -----------


async def listen_for_status_changes(conn: psycopg.AsyncConnection[Any]) -> None:
    await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(STATUS_CHANNEL)))


async def round_trip(conn: psycopg.AsyncConnection[Any]) -> None:
    """A query that proves the server still answers on this connection."""
    await conn.execute("SELECT 1")
