"""Users and tokens: creating and changing them (each change recorded in the audit trail
with it), and resolving a bearer token to its user."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from appliance.accounts import passwords, queries
from appliance.accounts.tokens import bearer_token, digest, new_token
from appliance.audit import trail
from appliance.audit.trail import Actor
from appliance.db import Connection, Row
from appliance.errors import Conflict, Invalid, NotFound, Unauthorized
from appliance.vocabulary import LOCALES, ROLES, AuditAction, Locale, Role


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


class BadName(Invalid):
    """A user name outside the rule (the console words it in the user's language)."""


class NameTaken(Conflict):
    """Another user has the name."""


class LastAdmin(Conflict):
    """The change would leave no enabled admin."""


def checked_role(name: str, role: str) -> Role:
    """The role of a new user named `name`, once both are known good. The API's body types
    check them too; the command line comes here directly."""
    if not _NAME.match(name):
        raise BadName("name must be 1-64 characters: letters, digits, '.', '_', '@', '-'")
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    return role


# Each change below takes `by`, who makes it: their record is written in the change's own
# transaction. Without `by` (the command line, fixtures) nothing is recorded.


def create_user(
    conn: Connection,
    name: str,
    role: str,
    password: str | None = None,
    *,
    by: Actor | None = None,
) -> tuple[User, str]:
    """A new user (with a console password when given) and their first token, the only time
    the token is seen. A bad password creates nothing."""
    known_role = checked_role(name, role)
    # Hashed before the transaction: argon2 takes a while and checks the password first.
    password_hash = passwords.hashed(password) if password is not None else None
    with conn.transaction():
        row = queries.insert_user(conn, name, known_role, password_hash)
        if row is None:
            raise NameTaken(f"a user named {name!r} already exists")
        user = User(row["id"], row["name"], row["role"])
        token = new_token()
        token_row = queries.insert_token(conn, user.id, digest(token))
        _audit(conn, by, "user.create", user.name, role=known_role, token_id=token_row["id"])
    return user, token


def issue_token(conn: Connection, user_id: int, *, by: Actor | None = None) -> tuple[int, str]:
    """Another token for an existing user: its id and the token."""
    with conn.transaction():
        user = queries.user_by_id(conn, user_id)
        if user is None:
            raise NotFound(f"no user with id {user_id}")
        token = new_token()
        row = queries.insert_token(conn, user_id, digest(token))
        _audit(conn, by, "token.issue", user["name"], token_id=row["id"])
    return row["id"], token


def revoke(conn: Connection, token_id: int, *, by: Actor | None = None) -> None:
    with conn.transaction():
        row = queries.revoke_token(conn, token_id)
        if row is None:
            raise NotFound(f"no live token with id {token_id}")
        _audit(conn, by, "token.revoke", row["name"], token_id=token_id)


def authenticate(conn: Connection, authorization: str | None) -> User:
    token = bearer_token(authorization)
    if token is None:
        raise Unauthorized("missing or malformed 'Authorization: Bearer <token>' header")
    row = queries.user_by_token_hash(conn, digest(token))
    if row is None:
        raise Unauthorized("unknown or revoked token")
    return User(row["id"], row["name"], row["role"])


def set_password(conn: Connection, name: str, password: str, *, by: Actor | None = None) -> User:
    """Sets a user's console password, ending their console sessions."""
    password_hash = passwords.hashed(password)
    with conn.transaction():
        row = queries.user_by_name(conn, name)
        if row is None:
            raise NotFound(f"no user named {name!r}")
        queries.set_password_hash(conn, row["id"], password_hash)
        _audit(conn, by, "user.password", row["name"])
    return User(row["id"], row["name"], row["role"])


def set_role(conn: Connection, user_id: int, role: str, *, by: Actor | None = None) -> None:
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    with conn.transaction():
        before = _existing(conn, user_id)
        if role != "admin":
            _keep_an_admin(conn, user_id)
        queries.set_role(conn, user_id, role)
        if before["role"] != role:
            _audit(conn, by, "user.role", before["name"], before=before["role"], after=role)


def set_disabled(
    conn: Connection, user_id: int, disabled: bool, *, by: Actor | None = None
) -> None:
    """Disabling ends the user's sessions and refuses their tokens; the last enabled admin
    cannot be disabled (nobody could undo it from the console)."""
    with conn.transaction():
        before = _existing(conn, user_id)
        if disabled:
            _keep_an_admin(conn, user_id)
        queries.set_disabled(conn, user_id, disabled)
        if (before["disabled_at"] is not None) != disabled:
            _audit(conn, by, "user.disable" if disabled else "user.enable", before["name"])


def _existing(conn: Connection, user_id: int) -> Row:
    row = queries.user_by_id(conn, user_id)
    if row is None:
        raise NotFound(f"no user with id {user_id}")
    return row


def _keep_an_admin(conn: Connection, user_id: int) -> None:
    """Refuses to take away the last enabled admin (demoting or disabling `user_id`)."""
    admins = queries.lock_active_admins(conn)
    if admins == [user_id]:
        raise LastAdmin("this is the last enabled admin")


def _audit(
    conn: Connection, by: Actor | None, action: AuditAction, target: str, **detail: Any
) -> None:
    if by is not None:
        trail.record_by(conn, by, action, target, **detail)


def set_locale(conn: Connection, user_id: int, locale: str) -> None:
    if locale not in LOCALES:
        raise Invalid(f"locale must be one of {', '.join(LOCALES)}")
    queries.set_locale(conn, user_id, locale)
