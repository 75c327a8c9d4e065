"""SQL of AI feedback (migrations/0012_registry_feedback.sql)."""

from __future__ import annotations

from typing import Any

from appliance.db import Connection, Row

# A feedback row as the API reads it, with the model version that wrote it.
_FEEDBACK_SELECT = (
    "SELECT f.id, f.status, f.text, f.reason, f.requested_at, f.finished_at,"
    " e.name || '@' || v.number AS model FROM feedback f"
    " JOIN model_versions v ON v.id = f.model_version_id"
    " JOIN model_endpoints e ON e.id = v.endpoint_id"
)


def submission(conn: Connection, submission_id: str) -> Row | None:
    return conn.execute(
        "SELECT id, user_id, status, source, code_sha256, version_id FROM submissions"
        " WHERE id = %s",
        (submission_id,),
    ).fetchone()


def cached(
    conn: Connection, code_sha256: str, version_id: int, model_version_id: int
) -> Row | None:
    """Locked: a retry of a failed one and a second request wait for each other."""
    return conn.execute(
        "SELECT id, status FROM feedback"
        " WHERE code_sha256 = %s AND version_id = %s AND model_version_id = %s FOR UPDATE",
        (code_sha256, version_id, model_version_id),
    ).fetchone()


def insert(
    conn: Connection,
    code_sha256: str,
    version_id: int,
    model_version_id: int,
    submission_id: str,
) -> Row | None:
    """None when a concurrent request made it first."""
    return conn.execute(
        "INSERT INTO feedback (code_sha256, version_id, model_version_id, submission_id)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id, status",
        (code_sha256, version_id, model_version_id, submission_id),
    ).fetchone()


def retry(conn: Connection, feedback_id: int, submission_id: str) -> Row | None:
    """A failed one written again, from this submission's results; None unless failed."""
    return conn.execute(
        "UPDATE feedback SET status = 'pending', reason = NULL, detail = NULL,"
        " submission_id = %s, attempts = attempts + 1, requested_at = now(),"
        " finished_at = NULL WHERE id = %s AND status = 'failed' RETURNING id, status",
        (submission_id, feedback_id),
    ).fetchone()


def link(conn: Connection, submission_id: str, feedback_id: int) -> None:
    conn.execute(
        "INSERT INTO feedback_requests (submission_id, feedback_id) VALUES (%s, %s)"
        " ON CONFLICT (submission_id) DO UPDATE"
        " SET feedback_id = EXCLUDED.feedback_id, requested_at = now()",
        (submission_id, feedback_id),
    )


def for_submission(conn: Connection, submission_id: str) -> Row | None:
    """The feedback the submission asked for last."""
    return conn.execute(
        _FEEDBACK_SELECT + " JOIN feedback_requests r ON r.feedback_id = f.id"
        " WHERE r.submission_id = %s",
        (submission_id,),
    ).fetchone()


def by_id(conn: Connection, feedback_id: int) -> Row | None:
    return conn.execute(_FEEDBACK_SELECT + " WHERE f.id = %s", (feedback_id,)).fetchone()


def pending_since(conn: Connection, older_than_s: float) -> list[Row]:
    """Feedback asked for more than `older_than_s` ago and still not written."""
    return conn.execute(
        "SELECT id FROM feedback WHERE status = 'pending'"
        " AND requested_at < now() - make_interval(secs => %s) ORDER BY id",
        (older_than_s,),
    ).fetchall()


def fail_pending(
    conn: Connection, feedback_ids: list[int], older_than_s: float, reason: str
) -> list[Row]:
    """End as failed those of `feedback_ids` still pending for more than `older_than_s`."""
    return conn.execute(
        "UPDATE feedback SET status = 'failed', reason = %s, finished_at = now()"
        " WHERE id = ANY(%s) AND status = 'pending'"
        " AND requested_at < now() - make_interval(secs => %s) RETURNING id",
        (reason, feedback_ids, older_than_s),
    ).fetchall()


def job(conn: Connection, feedback_id: int) -> Row | None:
    """What writing it needs: the submission it is written from and how to ask the model
    (its sealed key included)."""
    return conn.execute(
        "SELECT f.id, f.status, f.submission_id, e.name AS endpoint, v.base_url, v.model,"
        " v.api_key_encrypted, v.sampling FROM feedback f"
        " JOIN model_versions v ON v.id = f.model_version_id"
        " JOIN model_endpoints e ON e.id = v.endpoint_id WHERE f.id = %s",
        (feedback_id,),
    ).fetchone()


def finish(conn: Connection, feedback_id: int, fields: dict[str, Any]) -> Row | None:
    """Its end, if it is still pending: status, text, withheld, reason, detail, prompt,
    latency_ms, prompt_tokens, completion_tokens."""
    return conn.execute(
        "UPDATE feedback SET status = %(status)s, text = %(text)s, withheld = %(withheld)s,"
        " reason = %(reason)s, detail = %(detail)s, prompt = %(prompt)s,"
        " latency_ms = %(latency_ms)s, prompt_tokens = %(prompt_tokens)s,"
        " completion_tokens = %(completion_tokens)s, finished_at = now()"
        " WHERE id = %(id)s AND status = 'pending' RETURNING id",
        {**fields, "id": feedback_id},
    ).fetchone()
