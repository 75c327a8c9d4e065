"""SQL of the learner's workspace: the published catalog seen by one user (best score,
attempts, state, bookmark), drafts, bookmarks, history, progress and leaderboards.

A learner's standing on a problem spans every version of it: a suite judged against an
older version still counts. Only SUCCESS carries a score worth showing (a FAILURE's 0 says
nothing the state does not), and rejudges are not attempts: an admin sent them. A model's
suites (source 'model', evaluation runs) are nobody's attempts: every read here skips them."""

from __future__ import annotations

from typing import Any

from appliance.db import Connection, Row
from appliance.vocabulary import DIFFICULTIES

# One user's standing per problem, from their own submissions (an index-only scan of
# submissions_user_version_idx, migration 0008).
_MINE = (
    "WITH mine AS (SELECT v.problem_id,"
    " max(s.score) FILTER (WHERE s.status = 'SUCCESS') AS best_score,"
    " count(*) FILTER (WHERE s.rejudge_of IS NULL) AS attempts,"
    " bool_or(s.status = 'SUCCESS' AND s.score = 100) AS solved"
    " FROM submissions s JOIN problem_versions v ON v.id = s.version_id"
    " WHERE s.user_id = %(user)s AND s.source = 'learner' GROUP BY v.problem_id)"
)
# vocabulary.ProblemState from `mine` (no row: never submitted).
_STATE = (
    "CASE WHEN mine.solved THEN 'solved' WHEN mine.problem_id IS NOT NULL THEN 'tried'"
    " ELSE 'new' END"
)
# Published problems (their current version) with the user's standing and bookmark.
_PUBLISHED = (
    " FROM problems p JOIN problem_versions v ON v.id = p.current_version_id"
    " LEFT JOIN mine ON mine.problem_id = p.id"
    " LEFT JOIN bookmarks b ON b.user_id = %(user)s AND b.problem_id = p.id"
)
# The browser's filters; each is no filter when its parameter is null (or false).
# %(pattern)s is already a LIKE pattern with its wildcards escaped.
_BROWSE_WHERE = (
    " WHERE (%(difficulty)s::text IS NULL OR v.difficulty = %(difficulty)s)"
    " AND (%(tag)s::text IS NULL OR %(tag)s = ANY (v.tags))"
    " AND (%(pattern)s::text IS NULL OR v.title ILIKE %(pattern)s OR p.slug ILIKE %(pattern)s"
    "  OR EXISTS (SELECT 1 FROM unnest(v.tags) AS t (tag) WHERE t.tag ILIKE %(pattern)s))"
    f" AND (%(state)s::text IS NULL OR {_STATE} = %(state)s)"
    " AND (NOT %(bookmarked)s OR b.user_id IS NOT NULL)"
)


def count_browse(conn: Connection, filters: dict[str, Any]) -> int:
    """`filters`: user, difficulty, tag, pattern, state, bookmarked."""
    row = conn.execute(
        _MINE + " SELECT count(*) AS n" + _PUBLISHED + _BROWSE_WHERE, filters
    ).fetchone()
    return int(row["n"]) if row else 0


def page_browse(conn: Connection, filters: dict[str, Any], limit: int, offset: int) -> list[Row]:
    """Easiest first (the vocabulary's order of difficulties), then by title."""
    return conn.execute(
        _MINE + " SELECT p.slug, v.title, v.difficulty, v.tags,"
        " (SELECT count(*) FROM mutants m WHERE m.version_id = v.id) AS mutant_count,"
        " mine.best_score, coalesce(mine.attempts, 0) AS attempts,"
        f" {_STATE} AS state, b.user_id IS NOT NULL AS bookmarked"
        + _PUBLISHED
        + _BROWSE_WHERE
        + " ORDER BY array_position(%(order)s::text[], v.difficulty), v.title, p.slug"
        " LIMIT %(limit)s OFFSET %(offset)s",
        {**filters, "order": list(DIFFICULTIES), "limit": limit, "offset": offset},
    ).fetchall()


def published_tags(conn: Connection) -> list[str]:
    rows = conn.execute(
        "SELECT t.tag FROM problems p JOIN problem_versions v"
        " ON v.id = p.current_version_id CROSS JOIN unnest(v.tags) AS t (tag)"
        ' GROUP BY t.tag ORDER BY t.tag COLLATE "C"'
    ).fetchall()
    return [row["tag"] for row in rows]


def standing(conn: Connection, user_id: int, problem_id: int) -> Row:
    """The user's best score, state and bookmark on one problem."""
    row = conn.execute(
        _MINE + " SELECT mine.best_score, coalesce(mine.attempts, 0) AS attempts,"
        f" {_STATE} AS state, b.user_id IS NOT NULL AS bookmarked"
        " FROM problems p LEFT JOIN mine ON mine.problem_id = p.id"
        " LEFT JOIN bookmarks b ON b.user_id = %(user)s AND b.problem_id = p.id"
        " WHERE p.id = %(problem)s",
        {"user": user_id, "problem": problem_id},
    ).fetchone()
    assert row is not None  # the caller read the problem
    return row


def published_problem_id(conn: Connection, slug: str) -> int | None:
    row = conn.execute(
        "SELECT id FROM problems WHERE slug = %s AND current_version_id IS NOT NULL", (slug,)
    ).fetchone()
    return int(row["id"]) if row else None


# -- drafts and bookmarks ------------------------------------------------------------------


def draft(conn: Connection, user_id: int, slug: str) -> str | None:
    row = conn.execute(
        "SELECT d.code FROM drafts d JOIN problems p ON p.id = d.problem_id"
        " WHERE d.user_id = %s AND p.slug = %s",
        (user_id, slug),
    ).fetchone()
    return row["code"] if row else None


def upsert_draft(conn: Connection, user_id: int, problem_id: int, code: str) -> None:
    conn.execute(
        "INSERT INTO drafts (user_id, problem_id, code) VALUES (%s, %s, %s)"
        " ON CONFLICT (user_id, problem_id) DO UPDATE SET code = excluded.code,"
        " updated_at = now()",
        (user_id, problem_id, code),
    )


def insert_bookmark(conn: Connection, user_id: int, problem_id: int) -> None:
    conn.execute(
        "INSERT INTO bookmarks (user_id, problem_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (user_id, problem_id),
    )


def delete_bookmark(conn: Connection, user_id: int, problem_id: int) -> None:
    conn.execute(
        "DELETE FROM bookmarks WHERE user_id = %s AND problem_id = %s", (user_id, problem_id)
    )


# -- history -------------------------------------------------------------------------------

# The user's submissions, optionally on one problem (%(slug)s null: every problem).
_ATTEMPTS_WHERE = (
    " WHERE s.user_id = %(user)s AND s.source = 'learner'"
    " AND (%(slug)s::text IS NULL OR s.version_id IN"
    " (SELECT pv.id FROM problem_versions pv JOIN problems pp ON pp.id = pv.problem_id"
    "  WHERE pp.slug = %(slug)s))"
)


def count_attempts(conn: Connection, user_id: int, slug: str | None) -> int:
    row = conn.execute(
        "SELECT count(*) AS n FROM submissions s" + _ATTEMPTS_WHERE,
        {"user": user_id, "slug": slug},
    ).fetchone()
    return int(row["n"]) if row else 0


def page_attempts(
    conn: Connection, user_id: int, slug: str | None, limit: int, offset: int
) -> list[Row]:
    """Newest first, each with the attempt before it on the same problem (`previous_id`,
    `previous_code`), read for the rows of the page only. A rejudge's previous attempt is
    the one it judges again; an attempt's is the user's latest earlier one on the problem
    that is not a rejudge (an admin's rejudge is no step of the learner's), found per
    version of the problem by one descent of submissions_user_version_idx each."""
    return conn.execute(
        "SELECT s.*, pr.id AS previous_id, pr.code AS previous_code FROM ("
        " SELECT s.id, s.user_id, s.version_id, v.problem_id, p.slug AS problem, v.title,"
        " v.number AS version, s.status, s.reason, s.score, s.created_at, s.finished_at,"
        " s.code, s.rejudge_of FROM submissions s"
        " JOIN problem_versions v ON v.id = s.version_id JOIN problems p ON p.id = v.problem_id"
        + _ATTEMPTS_WHERE
        + " ORDER BY s.created_at DESC, s.id DESC LIMIT %(limit)s OFFSET %(offset)s) s"
        " LEFT JOIN LATERAL ("
        "  SELECT o.id, o.code FROM submissions o WHERE o.id = s.rejudge_of"
        "  UNION ALL ("
        "  SELECT o.id, o.code FROM problem_versions pv CROSS JOIN LATERAL ("
        "   SELECT o.id, o.code, o.created_at FROM submissions o"
        "   WHERE o.user_id = s.user_id AND o.version_id = pv.id AND o.rejudge_of IS NULL"
        "   AND o.source = 'learner'"
        "   AND (o.created_at, o.id) < (s.created_at, s.id)"
        "   ORDER BY o.created_at DESC, o.id DESC LIMIT 1) o"
        "  WHERE s.rejudge_of IS NULL AND pv.problem_id = s.problem_id"
        "  ORDER BY o.created_at DESC, o.id DESC LIMIT 1)"
        "  LIMIT 1) pr ON true"
        " ORDER BY s.created_at DESC, s.id DESC",
        {"user": user_id, "slug": slug, "limit": limit, "offset": offset},
    ).fetchall()


# -- progress ------------------------------------------------------------------------------

_PROGRESS = (
    _MINE + ", published AS (SELECT v.difficulty, v.tags, mine.best_score,"
    f" {_STATE} AS state FROM problems p JOIN problem_versions v"
    " ON v.id = p.current_version_id LEFT JOIN mine ON mine.problem_id = p.id)"
)
_PROGRESS_COLUMNS = (
    "count(*) AS problems, count(*) FILTER (WHERE state = 'tried') AS tried,"
    " count(*) FILTER (WHERE state = 'solved') AS solved,"
    " avg(best_score)::double precision AS mean_best"
)


def progress_by_difficulty(conn: Connection, user_id: int) -> list[Row]:
    return conn.execute(
        _PROGRESS + f" SELECT difficulty AS name, {_PROGRESS_COLUMNS} FROM published"
        " GROUP BY difficulty ORDER BY array_position(%(order)s::text[], difficulty)",
        {"user": user_id, "order": list(DIFFICULTIES)},
    ).fetchall()


def progress_by_tag(conn: Connection, user_id: int) -> list[Row]:
    return conn.execute(
        _PROGRESS + f" SELECT t.tag AS name, {_PROGRESS_COLUMNS}"
        " FROM published CROSS JOIN unnest(published.tags) AS t (tag)"
        ' GROUP BY t.tag ORDER BY t.tag COLLATE "C"',
        {"user": user_id},
    ).fetchall()


# -- leaderboard ---------------------------------------------------------------------------


def standings(conn: Connection, viewer_id: int, slug: str, limit: int) -> list[Row]:
    """The top `limit` of a published problem and the viewer's row wherever it is: each
    user's best SUCCESS score on any version and the first submission that reached it
    (submissions_leaderboard_idx), ranked by score then that time, with the user's attempts
    (rejudges excluded) counted for the rows shown only."""
    return conn.execute(
        "WITH versions AS (SELECT v.id FROM problem_versions v"
        " JOIN problems p ON p.id = v.problem_id"
        " WHERE p.slug = %(slug)s AND p.current_version_id IS NOT NULL),"
        " best AS (SELECT DISTINCT ON (s.user_id) s.user_id, s.score, s.created_at"
        " FROM submissions s WHERE s.status = 'SUCCESS' AND s.source = 'learner'"
        " AND s.version_id IN (SELECT id FROM versions)"
        " ORDER BY s.user_id, s.score DESC, s.created_at),"
        " ranked AS (SELECT user_id, score, created_at,"
        " row_number() OVER (ORDER BY score DESC, created_at, user_id) AS rank FROM best)"
        " SELECT r.rank, r.user_id, u.name, u.leaderboard_name, r.score AS best_score,"
        " r.created_at AS reached_at,"
        " (SELECT count(*) FROM submissions a WHERE a.user_id = r.user_id"
        "  AND a.rejudge_of IS NULL AND a.source = 'learner' AND a.version_id IN (SELECT id FROM versions)) AS attempts"
        " FROM ranked r JOIN users u ON u.id = r.user_id"
        " WHERE r.rank <= %(limit)s OR r.user_id = %(viewer)s ORDER BY r.rank",
        {"slug": slug, "limit": limit, "viewer": viewer_id},
    ).fetchall()


def set_leaderboard_name(conn: Connection, user_id: int, shown: bool) -> Row | None:
    return conn.execute(
        "UPDATE users SET leaderboard_name = %s WHERE id = %s RETURNING id", (shown, user_id)
    ).fetchone()


def leaderboard_name(conn: Connection, user_id: int) -> bool | None:
    row = conn.execute("SELECT leaderboard_name FROM users WHERE id = %s", (user_id,)).fetchone()
    return bool(row["leaderboard_name"]) if row else None
