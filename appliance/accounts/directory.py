"""Reading accounts for the console: a page of users, one user, a user's tokens (their
times, never the token)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from appliance.accounts import queries
from appliance.db import Connection, Row
from appliance.errors import NotFound
from appliance.vocabulary import Role

# A user has a handful of tokens; past this many the oldest revoked ones are left out.
TOKENS_SHOWN = 100


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    role: Role
    disabled_at: datetime | None
    has_password: bool
    created_at: datetime
    live_tokens: int = 0

    @property
    def enabled(self) -> bool:
        return self.disabled_at is None


@dataclass(frozen=True)
class Token:
    id: int
    created_at: datetime
    revoked_at: datetime | None


def _account(row: Row) -> Account:
    return Account(
        row["id"],
        row["name"],
        row["role"],
        row["disabled_at"],
        row["has_password"],
        row["created_at"],
        int(row.get("live_tokens", 0)),
    )


def _like_prefix(text: str) -> str:
    """`text` with LIKE's wildcards escaped ('_' is allowed in names)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def page_of_users(
    conn: Connection, name_prefix: str, role: Role | None, limit: int, offset: int
) -> tuple[list[Account], int]:
    """Users by name whose name starts with `name_prefix` (any when empty), and how many
    match in all. Past the end (fewer match than when the page was counted) it is the first
    page."""
    prefix = _like_prefix(name_prefix) if name_prefix else None
    rows = queries.page_of_users(conn, prefix, role, limit, offset)
    if not rows and offset > 0:
        return page_of_users(conn, name_prefix, role, limit, 0)
    return [_account(row) for row in rows], int(rows[0]["total"]) if rows else 0


def account(conn: Connection, user_id: int) -> Account:
    row = queries.account_row(conn, user_id)
    if row is None:
        raise NotFound(f"no user with id {user_id}")
    return _account(row)


def tokens_of(conn: Connection, user_id: int) -> list[Token]:
    rows = queries.tokens_of(conn, user_id, TOKENS_SHOWN)
    return [Token(row["id"], row["created_at"], row["revoked_at"]) for row in rows]
