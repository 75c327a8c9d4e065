"""Problems and judged submissions written straight into the test database: the learner's
pages read what the judge stores, so a test sets up exactly the rows it needs."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from appliance import db
from appliance.accounts.users import User, create_user
from appliance.submissions import queries as submission_queries
from tests.conftest import PROBLEM

# Submissions are dated from here on, one minute apart unless a test says otherwise.
EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def user(conn: db.Connection, name: str, role: str = "learner") -> User:
    return create_user(conn, name, role)[0]


def version_id(conn: db.Connection, slug: str = PROBLEM) -> int:
    row = conn.execute(
        "SELECT current_version_id AS id FROM problems WHERE slug = %s", (slug,)
    ).fetchone()
    assert row is not None and row["id"] is not None
    return int(row["id"])


def add_problem(
    conn: db.Connection,
    slug: str,
    title: str,
    difficulty: str = "Easy",
    tags: tuple[str, ...] = (),
    published: bool = True,
) -> int:
    """A problem whose one version copies mini-clamp's (its mutants too), published unless
    told otherwise; the version's id."""
    problem = conn.execute(
        "INSERT INTO problems (slug) VALUES (%s) RETURNING id", (slug,)
    ).fetchone()
    assert problem is not None
    row = conn.execute(
        "INSERT INTO problem_versions (problem_id, number, title, description_md, difficulty,"
        " tags, function_signature, show_golden, wall_seconds, golden_code, reference_tests,"
        " content_hash, status, examples)"
        " SELECT %s, 1, %s, description_md, %s, %s, function_signature, show_golden,"
        " wall_seconds, golden_code, reference_tests, content_hash, %s, examples"
        " FROM problem_versions WHERE id = %s RETURNING id",
        (
            problem["id"],
            title,
            difficulty,
            list(tags),
            "published" if published else "valid",
            version_id(conn),
        ),
    ).fetchone()
    assert row is not None
    _copy_mutants(conn, version_id(conn), row["id"])
    if published:
        conn.execute(
            "UPDATE problems SET current_version_id = %s WHERE id = %s", (row["id"], problem["id"])
        )
    return int(row["id"])


def new_version(conn: db.Connection, slug: str = PROBLEM) -> int:
    """Version 2 of a published problem, a copy of its current one, now published."""
    old = version_id(conn, slug)
    row = conn.execute(
        "INSERT INTO problem_versions (problem_id, number, title, description_md, difficulty,"
        " tags, function_signature, show_golden, wall_seconds, golden_code, reference_tests,"
        " content_hash, status, examples)"
        " SELECT problem_id, number + 1, title, description_md, difficulty, tags,"
        " function_signature, show_golden, wall_seconds, golden_code, reference_tests,"
        " content_hash || '-2', 'published', examples FROM problem_versions WHERE id = %s"
        " RETURNING id, problem_id",
        (old,),
    ).fetchone()
    assert row is not None
    _copy_mutants(conn, old, row["id"])
    conn.execute(
        "UPDATE problems SET current_version_id = %s WHERE id = %s", (row["id"], row["problem_id"])
    )
    return int(row["id"])


def _copy_mutants(conn: db.Connection, source: int, target: int) -> None:
    conn.execute(
        "INSERT INTO mutants (version_id, position, name, code, weight, hint, label)"
        " SELECT %s, position, name, code, weight, hint, label FROM mutants"
        " WHERE version_id = %s",
        (target, source),
    )


def judged(
    conn: db.Connection,
    who: User,
    version: int,
    status: str = "SUCCESS",
    score: int | None = 100,
    code: str = "def test_x():\n    pass\n",
    minute: int = 0,
    rejudge_of: str | None = None,
) -> str:
    """A submission of `code` judged with `status` and `score`, made `minute` minutes after
    EPOCH; its id."""
    digest = hashlib.sha256(code.encode()).hexdigest()
    row = submission_queries.insert(conn, who.id, version, code, digest, None)
    assert row is not None
    fields: dict[str, Any] = {
        "id": row["id"],
        "status": status,
        "score": score if status != "FAILURE" else 0,
        "reason": "golden_failed" if status == "FAILURE" else None,
        "created": EPOCH + timedelta(minutes=minute),
        "rejudge_of": rejudge_of,
    }
    conn.execute(
        "UPDATE submissions SET status = %(status)s, score = %(score)s, reason = %(reason)s,"
        " created_at = %(created)s, started_at = %(created)s,"
        " finished_at = CASE WHEN %(status)s IN ('PENDING', 'RUNNING') THEN NULL"
        " ELSE %(created)s + interval '5 seconds' END, rejudge_of = %(rejudge_of)s"
        " WHERE id = %(id)s",
        fields,
    )
    return str(row["id"])
