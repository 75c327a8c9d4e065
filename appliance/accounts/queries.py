"""SQL of users and API tokens."""

from __future__ import annotations

from appliance.db import Connection, Row
from appliance.vocabulary import Role


def insert_user(conn: Connection, name: str, role: Role) -> Row | None:
    """The new user, or None when the name is taken."""
    return conn.execute(
        "INSERT INTO users (name, role) VALUES (%s, %s)"
        " ON CONFLICT (name) DO NOTHING RETURNING id, name, role",
        (name, role),
    ).fetchone()


def user_by_id(conn: Connection, user_id: int) -> Row | None:
    return conn.execute("SELECT id, name, role FROM users WHERE id = %s", (user_id,)).fetchone()


def insert_token(conn: Connection, user_id: int, token_hash: bytes) -> Row:
    row = conn.execute(
        "INSERT INTO api_tokens (user_id, token_hash) VALUES (%s, %s)"
        " RETURNING id, user_id, created_at",
        (user_id, token_hash),
    ).fetchone()
    assert row is not None
    return row


def user_by_token_hash(conn: Connection, token_hash: bytes) -> Row | None:
    return conn.execute(
        "SELECT u.id, u.name, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id"
        " WHERE t.token_hash = %s AND t.revoked_at IS NULL",
        (token_hash,),
    ).fetchone()


def revoke_token(conn: Connection, token_id: int) -> Row | None:
    """The revoked token, or None when no live token has that id."""
    return conn.execute(
        "UPDATE api_tokens SET revoked_at = now()"
        " WHERE id = %s AND revoked_at IS NULL RETURNING id",
        (token_id,),
    ).fetchone()
