"""SQL of problems, their immutable versions and mutants."""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from appliance.db import Connection, Row
from appliance.problems.bundle import MutantSpec, ProblemBundle
from appliance.problems.examples import as_mapping
from appliance.vocabulary import DIFFICULTIES, Difficulty, VersionStatus

VERSION_COLUMNS = (
    "v.id, v.problem_id, v.number, v.title, v.description_md, v.difficulty, v.tags,"
    " v.function_signature, v.show_golden, v.wall_seconds, v.golden_code, v.reference_tests,"
    " v.content_hash, v.status, v.validation, v.created_at, v.validated_at, v.published_at,"
    " v.examples, p.slug, (SELECT count(*) FROM mutants m WHERE m.version_id = v.id) AS mutant_count"
)


def ensure_problem(conn: Connection, slug: str) -> int:
    """The problem's id, creating it when new; locks the row so versions number in order."""
    conn.execute("INSERT INTO problems (slug) VALUES (%s) ON CONFLICT (slug) DO NOTHING", (slug,))
    row = conn.execute("SELECT id FROM problems WHERE slug = %s FOR UPDATE", (slug,)).fetchone()
    assert row is not None
    return int(row["id"])


def version_by_hash(conn: Connection, problem_id: int, content_hash: str) -> Row | None:
    return conn.execute(
        "SELECT id, number, status, validation FROM problem_versions"
        " WHERE problem_id = %s AND content_hash = %s",
        (problem_id, content_hash),
    ).fetchone()


def revalidate(conn: Connection, version_id: int) -> Row | None:
    """Back to validating, for a version whose validation the appliance itself failed."""
    return conn.execute(
        "UPDATE problem_versions SET status = 'validating', validation = NULL,"
        " validated_at = NULL WHERE id = %s AND status = 'invalid' RETURNING id, number, status",
        (version_id,),
    ).fetchone()


def insert_version(
    conn: Connection, problem_id: int, bundle: ProblemBundle, created_by: int | None
) -> Row:
    row = conn.execute(
        "INSERT INTO problem_versions (problem_id, number, title, description_md, difficulty,"
        " tags, function_signature, show_golden, wall_seconds, golden_code, reference_tests,"
        " content_hash, created_by, examples)"
        " SELECT %(problem_id)s, coalesce(max(number), 0) + 1, %(title)s, %(description_md)s,"
        " %(difficulty)s, %(tags)s, %(function_signature)s, %(show_golden)s, %(wall_seconds)s,"
        " %(golden_code)s, %(reference_tests)s, %(content_hash)s, %(created_by)s, %(examples)s"
        " FROM problem_versions WHERE problem_id = %(problem_id)s"
        " RETURNING id, number, status",
        {
            "problem_id": problem_id,
            "title": bundle.title,
            "description_md": bundle.description_md,
            "difficulty": bundle.difficulty,
            "tags": list(bundle.tags),
            "function_signature": bundle.function_signature,
            "show_golden": bundle.show_golden,
            "wall_seconds": bundle.wall_seconds,
            "golden_code": bundle.golden_code,
            "reference_tests": bundle.reference_tests,
            "content_hash": bundle.content_hash(),
            "created_by": created_by,
            "examples": Jsonb([as_mapping(example) for example in bundle.examples]),
        },
    ).fetchone()
    assert row is not None
    return row


def insert_mutants(
    conn: Connection, version_id: int, mutants: tuple[MutantSpec, ...], labels: list[int]
) -> None:
    """`labels[i]` is the neutral label learners see for mutant i."""
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO mutants (version_id, position, name, code, weight, hint, label)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [
                (version_id, i, m.name, m.code, m.weight, m.hint, label)
                for (i, m), label in zip(enumerate(mutants), labels, strict=True)
            ],
        )


def version(conn: Connection, slug: str, number: int) -> Row | None:
    return conn.execute(
        f"SELECT {VERSION_COLUMNS} FROM problem_versions v JOIN problems p ON p.id = v.problem_id"
        " WHERE p.slug = %s AND v.number = %s",
        (slug, number),
    ).fetchone()


def version_by_id(conn: Connection, version_id: int) -> Row | None:
    return conn.execute(
        f"SELECT {VERSION_COLUMNS} FROM problem_versions v JOIN problems p ON p.id = v.problem_id"
        " WHERE v.id = %s",
        (version_id,),
    ).fetchone()


def current_version(conn: Connection, slug: str) -> Row | None:
    return conn.execute(
        f"SELECT {VERSION_COLUMNS} FROM problems p JOIN problem_versions v"
        " ON v.id = p.current_version_id WHERE p.slug = %s",
        (slug,),
    ).fetchone()


def mutants_of(conn: Connection, version_id: int) -> list[Row]:
    return conn.execute(
        "SELECT position, name, code, weight, hint, label FROM mutants"
        " WHERE version_id = %s ORDER BY position",
        (version_id,),
    ).fetchall()


def set_validation(
    conn: Connection, version_id: int, status: VersionStatus, validation: Any
) -> Row | None:
    """Record a validation result; only a version still validating changes."""
    return conn.execute(
        "UPDATE problem_versions SET status = %s, validation = %s, validated_at = now()"
        " WHERE id = %s AND status = 'validating' RETURNING id",
        (status, Jsonb(validation), version_id),
    ).fetchone()


def mark_published(conn: Connection, version_id: int) -> Row | None:
    return conn.execute(
        "UPDATE problem_versions SET status = 'published', published_at = now()"
        " WHERE id = %s AND status IN ('valid', 'retired') RETURNING id, problem_id, number",
        (version_id,),
    ).fetchone()


def retire_current(conn: Connection, problem_id: int) -> Row | None:
    """The problem's current version becomes retired; its number, None when there was none."""
    return conn.execute(
        "UPDATE problem_versions SET status = 'retired' WHERE id ="
        " (SELECT current_version_id FROM problems WHERE id = %s) RETURNING number",
        (problem_id,),
    ).fetchone()


def problem_for_update(conn: Connection, slug: str) -> Row | None:
    """The problem's id and current version, locked against a concurrent publish."""
    return conn.execute(
        "SELECT id, current_version_id FROM problems WHERE slug = %s FOR UPDATE", (slug,)
    ).fetchone()


def set_current(conn: Connection, problem_id: int, version_id: int | None) -> None:
    conn.execute(
        "UPDATE problems SET current_version_id = %s WHERE id = %s", (version_id, problem_id)
    )


def count_published(conn: Connection, difficulty: Difficulty | None, tag: str | None) -> int:
    row = conn.execute(
        "SELECT count(*) AS n FROM problems p JOIN problem_versions v"
        " ON v.id = p.current_version_id"
        " WHERE (%(difficulty)s::text IS NULL OR v.difficulty = %(difficulty)s)"
        " AND (%(tag)s::text IS NULL OR %(tag)s = ANY (v.tags))",
        {"difficulty": difficulty, "tag": tag},
    ).fetchone()
    return int(row["n"]) if row else 0


def list_published(
    conn: Connection, difficulty: Difficulty | None, tag: str | None, limit: int, offset: int
) -> list[Row]:
    """Easiest first, in the vocabulary's order of difficulties."""
    return conn.execute(
        "SELECT p.slug, v.title, v.difficulty, v.tags, v.number AS version,"
        " (SELECT count(*) FROM mutants m WHERE m.version_id = v.id) AS mutant_count"
        " FROM problems p JOIN problem_versions v ON v.id = p.current_version_id"
        " WHERE (%(difficulty)s::text IS NULL OR v.difficulty = %(difficulty)s)"
        " AND (%(tag)s::text IS NULL OR %(tag)s = ANY (v.tags))"
        " ORDER BY array_position(%(order)s::text[], v.difficulty),"
        " p.slug LIMIT %(limit)s OFFSET %(offset)s",
        {
            "difficulty": difficulty,
            "tag": tag,
            "limit": limit,
            "offset": offset,
            "order": list(DIFFICULTIES),
        },
    ).fetchall()


def versions_awaiting_validation(conn: Connection, older_than_s: float) -> list[Row]:
    return conn.execute(
        "SELECT id FROM problem_versions WHERE status = 'validating'"
        " AND created_at < now() - make_interval(secs => %s)",
        (older_than_s,),
    ).fetchall()


# Every problem with its latest version (the one authors work on) and its published one.
# The lateral subquery reads one row through the (problem_id, number) unique index.
_LATEST = (
    " FROM problems p CROSS JOIN LATERAL (SELECT v.id, v.number, v.title, v.difficulty,"
    " v.tags, v.status FROM problem_versions v WHERE v.problem_id = p.id"
    " ORDER BY v.number DESC LIMIT 1) v"
    " LEFT JOIN problem_versions c ON c.id = p.current_version_id"
    " WHERE (%(pattern)s::text IS NULL OR p.slug ILIKE %(pattern)s OR v.title ILIKE %(pattern)s)"
    " AND (%(difficulty)s::text IS NULL OR v.difficulty = %(difficulty)s)"
    " AND (%(status)s::text IS NULL OR v.status = %(status)s)"
)


def like_pattern(text: str | None) -> str | None:
    """`text` anywhere, its LIKE wildcards taken literally; None for no filter."""
    if not text or not text.strip():
        return None
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def count_problems(
    conn: Connection, text: str | None, difficulty: Difficulty | None, status: VersionStatus | None
) -> int:
    row = conn.execute(
        "SELECT count(*) AS n" + _LATEST,
        {"pattern": like_pattern(text), "difficulty": difficulty, "status": status},
    ).fetchone()
    return int(row["n"]) if row else 0


def list_problems(
    conn: Connection,
    text: str | None,
    difficulty: Difficulty | None,
    status: VersionStatus | None,
    limit: int,
    offset: int,
) -> list[Row]:
    """A page of every problem (published or not), by slug, for authors."""
    return conn.execute(
        "SELECT p.slug, v.title, v.difficulty, v.tags, v.status, v.number AS latest,"
        " c.number AS published,"
        " (SELECT count(*) FROM mutants m WHERE m.version_id = v.id) AS mutant_count"
        + _LATEST
        + " ORDER BY p.slug LIMIT %(limit)s OFFSET %(offset)s",
        {
            "pattern": like_pattern(text),
            "difficulty": difficulty,
            "status": status,
            "limit": limit,
            "offset": offset,
        },
    ).fetchall()


MAX_HISTORY = 500


def history(conn: Connection, slug: str) -> list[Row]:
    """The problem's versions, newest first, with who created each."""
    return conn.execute(
        "SELECT v.number, v.status, v.created_at, v.validated_at, v.published_at,"
        " u.name AS created_by FROM problem_versions v JOIN problems p ON p.id = v.problem_id"
        " LEFT JOIN users u ON u.id = v.created_by WHERE p.slug = %s"
        " ORDER BY v.number DESC LIMIT %s",
        (slug, MAX_HISTORY),
    ).fetchall()
