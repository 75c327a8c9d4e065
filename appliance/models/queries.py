"""SQL of model endpoints, their versions and problem sets (migrations/0010_models.sql)."""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from appliance.db import Connection, Row
from appliance.vocabulary import DIFFICULTIES

# A version as the API shows it: whether it has a key, never the key.
_VERSION_COLUMNS = (
    "v.id, v.number, v.base_url, v.model, v.api_key_encrypted IS NOT NULL AS has_api_key,"
    " v.sampling, v.prompt_template, v.content_hash, v.created_at, u.name AS created_by"
)


def ensure_endpoint(conn: Connection, name: str, created_by: int | None) -> None:
    conn.execute(
        "INSERT INTO model_endpoints (name, created_by) VALUES (%s, %s)"
        " ON CONFLICT (name) DO NOTHING",
        (name, created_by),
    )


def endpoint_for_update(conn: Connection, name: str) -> Row:
    """Locked, so that concurrent registrations number their versions one after another."""
    row = conn.execute(
        "SELECT id, current_version_id FROM model_endpoints WHERE name = %s FOR UPDATE", (name,)
    ).fetchone()
    assert row is not None, "ensure_endpoint made it in this transaction"
    return row


def version_by_hash(conn: Connection, endpoint_id: int, content_hash: str) -> Row | None:
    return conn.execute(
        "SELECT id, number FROM model_versions WHERE endpoint_id = %s AND content_hash = %s",
        (endpoint_id, content_hash),
    ).fetchone()


def insert_version(
    conn: Connection,
    endpoint_id: int,
    version: dict[str, Any],
    api_key_encrypted: bytes | None,
    created_by: int | None,
) -> Row:
    """The next number of the endpoint; `version` holds base_url, model, sampling,
    prompt_template and content_hash."""
    row = conn.execute(
        "INSERT INTO model_versions (endpoint_id, number, base_url, model, api_key_encrypted,"
        " sampling, prompt_template, content_hash, created_by)"
        " SELECT %(endpoint)s, coalesce(max(number), 0) + 1, %(base_url)s, %(model)s, %(key)s,"
        " %(sampling)s, %(prompt_template)s, %(content_hash)s, %(by)s"
        " FROM model_versions WHERE endpoint_id = %(endpoint)s"
        " RETURNING id, number",
        {
            **version,
            "sampling": Jsonb(version["sampling"]),
            "endpoint": endpoint_id,
            "key": api_key_encrypted,
            "by": created_by,
        },
    ).fetchone()
    assert row is not None
    return row


def set_current_version(conn: Connection, endpoint_id: int, version_id: int) -> None:
    conn.execute(
        "UPDATE model_endpoints SET current_version_id = %s WHERE id = %s",
        (version_id, endpoint_id),
    )


def endpoints(conn: Connection) -> list[Row]:
    """Every endpoint by name, with its current version and how many it has."""
    return conn.execute(
        "SELECT e.name, e.created_at, (SELECT count(*) FROM model_versions c"
        " WHERE c.endpoint_id = e.id) AS version_count, " + _VERSION_COLUMNS + " FROM"
        " model_endpoints e JOIN model_versions v ON v.id = e.current_version_id"
        " LEFT JOIN users u ON u.id = v.created_by ORDER BY e.name"
    ).fetchall()


def endpoint(conn: Connection, name: str) -> Row | None:
    return conn.execute(
        "SELECT e.id, e.name, e.created_at, c.number AS current_version FROM model_endpoints e"
        " JOIN model_versions c ON c.id = e.current_version_id WHERE e.name = %s",
        (name,),
    ).fetchone()


def versions_of(conn: Connection, endpoint_id: int) -> list[Row]:
    """Newest first."""
    return conn.execute(
        "SELECT " + _VERSION_COLUMNS + " FROM model_versions v"
        " LEFT JOIN users u ON u.id = v.created_by WHERE v.endpoint_id = %s"
        " ORDER BY v.number DESC",
        (endpoint_id,),
    ).fetchall()


def current_version_with_key(conn: Connection, name: str) -> Row | None:
    """What a request to the endpoint needs, its sealed key included."""
    return conn.execute(
        "SELECT v.id, v.number, v.base_url, v.model, v.api_key_encrypted, v.sampling"
        " FROM model_endpoints e JOIN model_versions v ON v.id = e.current_version_id"
        " WHERE e.name = %s",
        (name,),
    ).fetchone()


def published_versions(
    conn: Connection, difficulties: list[str], tags: list[str], slugs: list[str]
) -> list[Row]:
    """The current published version of each problem the filter matches, by slug; an empty
    list matches anything (difficulties and tags: any of them)."""
    return conn.execute(
        "SELECT p.slug, v.id, v.number, v.content_hash, v.title, v.difficulty, v.tags"
        " FROM problems p JOIN problem_versions v ON v.id = p.current_version_id"
        " WHERE v.status = 'published'"
        " AND (cardinality(%(difficulties)s::text[]) = 0 OR v.difficulty = ANY (%(difficulties)s))"
        " AND (cardinality(%(tags)s::text[]) = 0 OR v.tags && %(tags)s::text[])"
        " AND (cardinality(%(slugs)s::text[]) = 0 OR p.slug = ANY (%(slugs)s))"
        " ORDER BY p.slug",
        {"difficulties": difficulties, "tags": tags, "slugs": slugs},
    ).fetchall()


def insert_problem_set(
    conn: Connection,
    name: str,
    filter_: dict[str, Any],
    item_count: int,
    content_hash: str,
    created_by: int | None,
) -> Row | None:
    """The new set, or None when the name is taken."""
    return conn.execute(
        "INSERT INTO problem_sets (name, filter, item_count, content_hash, created_by)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (name) DO NOTHING RETURNING id",
        (name, Jsonb(filter_), item_count, content_hash, created_by),
    ).fetchone()


def insert_set_items(conn: Connection, set_id: int, version_ids: list[int]) -> None:
    conn.execute(
        "INSERT INTO problem_set_items (set_id, version_id) SELECT %s, unnest(%s::bigint[])",
        (set_id, version_ids),
    )


def problem_sets(conn: Connection) -> list[Row]:
    return conn.execute(
        "SELECT s.name, s.filter, s.item_count, s.content_hash, s.created_at,"
        " u.name AS created_by FROM problem_sets s LEFT JOIN users u ON u.id = s.created_by"
        " ORDER BY s.name"
    ).fetchall()


def problem_set(conn: Connection, name: str) -> Row | None:
    return conn.execute(
        "SELECT s.id, s.name, s.filter, s.item_count, s.content_hash, s.created_at,"
        " u.name AS created_by FROM problem_sets s LEFT JOIN users u ON u.id = s.created_by"
        " WHERE s.name = %s",
        (name,),
    ).fetchone()


def set_items(conn: Connection, set_id: int) -> list[Row]:
    """By difficulty (easiest first), then slug."""
    return conn.execute(
        "SELECT p.slug, v.id, v.number, v.content_hash, v.title, v.difficulty, v.tags"
        " FROM problem_set_items i JOIN problem_versions v ON v.id = i.version_id"
        " JOIN problems p ON p.id = v.problem_id WHERE i.set_id = %s"
        " ORDER BY array_position(%s::text[], v.difficulty), p.slug",
        (set_id, list(DIFFICULTIES)),
    ).fetchall()
