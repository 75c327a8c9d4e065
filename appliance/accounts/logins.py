"""Console logins: name and password, throttled, and the sessions they open.

A session is (user id, epoch, opened at); it ends when it is older than the configured
lifetime, or when the user's epoch moves on (a password change, a disable)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from appliance.accounts import passwords, queries
from appliance.accounts.users import User
from appliance.db import Connection
from appliance.errors import RateLimited, Unauthorized

THROTTLE_WINDOW = timedelta(minutes=1)
FAILURES_PER_NAME = 5
# Higher: a classroom may sit behind one address.
FAILURES_PER_SOURCE = 20


@dataclass(frozen=True)
class Session:
    user_id: int
    epoch: int
    opened_at: datetime


def log_in(
    conn: Connection, name: str, password: str, source: str, now: datetime
) -> tuple[Session, User]:
    """A new session and its user, or Unauthorized (the same for a wrong name, a wrong password and a
    disabled user), or RateLimited after too many failures in the last minute."""
    _refuse_when_throttled(conn, name, source, now)
    row = queries.login_row(conn, name)
    hash_ = row["password_hash"] if row is not None else None
    if not passwords.matches(hash_, password) or row is None or row["disabled_at"]:
        with conn.transaction():
            queries.delete_login_failures_before(conn, now - THROTTLE_WINDOW)
            queries.insert_login_failure(conn, name, source, now)
        raise Unauthorized("wrong name or password")
    user = User(row["id"], row["name"], row["role"], row["locale"])
    return Session(user.id, row["session_epoch"], now), user


def _refuse_when_throttled(conn: Connection, name: str, source: str, now: datetime) -> None:
    counts = queries.recent_login_failures(conn, name, source, now - THROTTLE_WINDOW)
    if counts["by_name"] >= FAILURES_PER_NAME or counts["by_source"] >= FAILURES_PER_SOURCE:
        raise RateLimited(
            "too many failed logins; wait a minute", int(THROTTLE_WINDOW.total_seconds())
        )


def session_user(
    conn: Connection, session: Session, lifetime: timedelta, now: datetime
) -> User | None:
    """The session's user while it is live, else None."""
    if now - session.opened_at >= lifetime:
        return None
    row = queries.session_row(conn, session.user_id, session.epoch)
    if row is None:
        return None
    return User(row["id"], row["name"], row["role"], row["locale"])
