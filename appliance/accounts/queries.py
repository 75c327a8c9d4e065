"""SQL of users and API tokens."""

from __future__ import annotations

from datetime import datetime

from appliance.db import Connection, Row
from appliance.vocabulary import Locale, Role


def insert_user(
    conn: Connection, name: str, role: Role, password_hash: str | None = None
) -> Row | None:
    """The new user, or None when the name is taken."""
    return conn.execute(
        "INSERT INTO users (name, role, password_hash) VALUES (%s, %s, %s)"
        " ON CONFLICT (name) DO NOTHING RETURNING id, name, role",
        (name, role, password_hash),
    ).fetchone()


def user_by_id(conn: Connection, user_id: int) -> Row | None:
    return conn.execute(
        "SELECT id, name, role, disabled_at FROM users WHERE id = %s", (user_id,)
    ).fetchone()


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
        " WHERE t.token_hash = %s AND t.revoked_at IS NULL AND u.disabled_at IS NULL",
        (token_hash,),
    ).fetchone()


def revoke_token(conn: Connection, token_id: int) -> Row | None:
    """The revoked token (its id and its user's name), or None when no live token has that
    id."""
    return conn.execute(
        "UPDATE api_tokens t SET revoked_at = now() FROM users u"
        " WHERE t.id = %s AND t.revoked_at IS NULL AND u.id = t.user_id"
        " RETURNING t.id, u.name",
        (token_id,),
    ).fetchone()


def login_row(conn: Connection, name: str) -> Row | None:
    return conn.execute(
        "SELECT id, name, role, locale, password_hash, disabled_at, session_epoch"
        " FROM users WHERE name = %s",
        (name,),
    ).fetchone()


def session_row(conn: Connection, user_id: int, epoch: int) -> Row | None:
    """The user of a console session, while enabled and still on the session's epoch."""
    return conn.execute(
        "SELECT id, name, role, locale FROM users"
        " WHERE id = %s AND session_epoch = %s AND disabled_at IS NULL",
        (user_id, epoch),
    ).fetchone()


def user_by_name(conn: Connection, name: str) -> Row | None:
    return conn.execute(
        "SELECT id, name, role, disabled_at FROM users WHERE name = %s", (name,)
    ).fetchone()


def set_password_hash(conn: Connection, user_id: int, password_hash: str) -> Row | None:
    """Sets the hash and ends every console session of the user."""
    return conn.execute(
        "UPDATE users SET password_hash = %s, session_epoch = session_epoch + 1"
        " WHERE id = %s RETURNING id, session_epoch",
        (password_hash, user_id),
    ).fetchone()


def set_role(conn: Connection, user_id: int, role: Role) -> Row | None:
    return conn.execute(
        "UPDATE users SET role = %s WHERE id = %s RETURNING id, name, role", (role, user_id)
    ).fetchone()


def set_disabled(conn: Connection, user_id: int, disabled: bool) -> Row | None:
    """Disables (ending the user's console sessions) or enables a user."""
    return conn.execute(
        "UPDATE users SET disabled_at = CASE WHEN %s THEN coalesce(disabled_at, now()) END,"
        " session_epoch = session_epoch + CASE WHEN %s THEN 1 ELSE 0 END"
        " WHERE id = %s RETURNING id, name, disabled_at",
        (disabled, disabled, user_id),
    ).fetchone()


def set_locale(conn: Connection, user_id: int, locale: Locale) -> None:
    conn.execute("UPDATE users SET locale = %s WHERE id = %s", (locale, user_id))


def lock_active_admins(conn: Connection) -> list[int]:
    """The enabled admins' ids, locked to the end of the transaction: two admins demoting
    or disabling each other at once would otherwise both see the other one left."""
    rows = conn.execute(
        "SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id FOR UPDATE"
    ).fetchall()
    return [int(row["id"]) for row in rows]


def page_of_users(
    conn: Connection, name_prefix: str | None, role: Role | None, limit: int, offset: int
) -> list[Row]:
    """Users by name, filtered, with their live token count; each row carries the count of
    all matching users as `total`. Tokens are counted for the page's rows only."""
    return conn.execute(
        "SELECT p.*, (SELECT count(*) FROM api_tokens t"
        "   WHERE t.user_id = p.id AND t.revoked_at IS NULL) AS live_tokens"
        " FROM (SELECT id, name, role, disabled_at, password_hash IS NOT NULL AS has_password,"
        "   created_at, count(*) OVER () AS total FROM users"
        "   WHERE (%(prefix)s::text IS NULL OR name LIKE %(prefix)s || '%%')"
        "   AND (%(role)s::text IS NULL OR role = %(role)s)"
        "   ORDER BY name LIMIT %(limit)s OFFSET %(offset)s) p"
        " ORDER BY p.name",
        {"prefix": name_prefix, "role": role, "limit": limit, "offset": offset},
    ).fetchall()


def account_row(conn: Connection, user_id: int) -> Row | None:
    return conn.execute(
        "SELECT id, name, role, disabled_at, password_hash IS NOT NULL AS has_password,"
        " created_at FROM users WHERE id = %s",
        (user_id,),
    ).fetchone()


def tokens_of(conn: Connection, user_id: int, limit: int) -> list[Row]:
    """A user's tokens, live ones first, newest first (never the hash)."""
    return conn.execute(
        "SELECT id, created_at, revoked_at FROM api_tokens WHERE user_id = %s"
        " ORDER BY revoked_at IS NOT NULL, created_at DESC, id DESC LIMIT %s",
        (user_id, limit),
    ).fetchall()


def recent_login_failures(conn: Connection, name: str, source: str, since: datetime) -> Row:
    """Failed logins since `since`: for this name, and from this source."""
    row = conn.execute(
        "SELECT count(*) FILTER (WHERE name = %s) AS by_name,"
        " count(*) FILTER (WHERE source = %s) AS by_source"
        " FROM login_failures WHERE failed_at >= %s AND (name = %s OR source = %s)",
        (name, source, since, name, source),
    ).fetchone()
    assert row is not None
    return row


def insert_login_failure(conn: Connection, name: str, source: str, at: datetime) -> None:
    conn.execute(
        "INSERT INTO login_failures (name, source, failed_at) VALUES (%s, %s, %s)",
        (name, source, at),
    )


def delete_login_failures_before(conn: Connection, before: datetime) -> None:
    conn.execute("DELETE FROM login_failures WHERE failed_at < %s", (before,))
