"""Creating users and tokens, and resolving a bearer token to its user."""

from __future__ import annotations

import re
from dataclasses import dataclass

from appliance.accounts import passwords, queries
from appliance.accounts.tokens import bearer_token, digest, new_token
from appliance.db import Connection
from appliance.errors import Conflict, Invalid, NotFound, Unauthorized
from appliance.vocabulary import LOCALES, ROLES, Locale, Role


@dataclass(frozen=True)
class User:
    """Who made a request, as its token says."""

    id: int
    name: str
    role: Role
    locale: Locale = "ko"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def checked_role(name: str, role: str) -> Role:
    """The role of a new user named `name`, once both are known good. The API's body types
    check them too; the command line comes here directly."""
    if not _NAME.match(name):
        raise Invalid("name must be 1-64 characters: letters, digits, '.', '_', '@', '-'")
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    return role


def create_user(conn: Connection, name: str, role: str) -> tuple[User, str]:
    """A new user and their first token (the only time the token is seen)."""
    known_role = checked_role(name, role)
    with conn.transaction():
        row = queries.insert_user(conn, name, known_role)
        if row is None:
            raise Conflict(f"a user named {name!r} already exists")
        user = User(row["id"], row["name"], row["role"])
        token = new_token()
        queries.insert_token(conn, user.id, digest(token))
    return user, token


def issue_token(conn: Connection, user_id: int) -> tuple[int, str]:
    """Another token for an existing user: its id and the token."""
    with conn.transaction():
        if queries.user_by_id(conn, user_id) is None:
            raise NotFound(f"no user with id {user_id}")
        token = new_token()
        row = queries.insert_token(conn, user_id, digest(token))
    return row["id"], token


def revoke(conn: Connection, token_id: int) -> None:
    if queries.revoke_token(conn, token_id) is None:
        raise NotFound(f"no live token with id {token_id}")


def authenticate(conn: Connection, authorization: str | None) -> User:
    token = bearer_token(authorization)
    if token is None:
        raise Unauthorized("missing or malformed 'Authorization: Bearer <token>' header")
    row = queries.user_by_token_hash(conn, digest(token))
    if row is None:
        raise Unauthorized("unknown or revoked token")
    return User(row["id"], row["name"], row["role"])


def set_password(conn: Connection, name: str, password: str) -> User:
    """Sets a user's console password, ending their console sessions."""
    password_hash = passwords.hashed(password)
    with conn.transaction():
        row = queries.user_by_name(conn, name)
        if row is None:
            raise NotFound(f"no user named {name!r}")
        queries.set_password_hash(conn, row["id"], password_hash)
    return User(row["id"], row["name"], row["role"])


def set_role(conn: Connection, user_id: int, role: str) -> None:
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    with conn.transaction():
        _keep_an_admin(conn, user_id)
        if queries.set_role(conn, user_id, role) is None:
            raise NotFound(f"no user with id {user_id}")


def set_disabled(conn: Connection, user_id: int, disabled: bool) -> None:
    """Disabling ends the user's sessions and refuses their tokens; the last enabled admin
    cannot be disabled (nobody could undo it from the console)."""
    with conn.transaction():
        if disabled:
            _keep_an_admin(conn, user_id)
        if queries.set_disabled(conn, user_id, disabled) is None:
            raise NotFound(f"no user with id {user_id}")


def _keep_an_admin(conn: Connection, user_id: int) -> None:
    row = queries.user_by_id(conn, user_id)
    if row is not None and row["role"] == "admin" and queries.count_active_admins(conn) <= 1:
        raise Conflict("this is the last enabled admin")


def set_locale(conn: Connection, user_id: int, locale: str) -> None:
    if locale not in LOCALES:
        raise Invalid(f"locale must be one of {', '.join(LOCALES)}")
    queries.set_locale(conn, user_id, locale)
