"""Recording admin actions, and reading them back a page at a time. The caller's transaction
holds the action and its record, so neither is kept without the other."""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from appliance.audit import queries
from appliance.db import Connection
from appliance.vocabulary import AuditAction

if TYPE_CHECKING:
    # Only a type here: accounts records its actions through this module.
    from appliance.accounts.users import User


@dataclass(frozen=True)
class Actor:
    """Who acts, and from where (a client address), for the record of what they do."""

    user: User
    source: str


@dataclass(frozen=True)
class Event:
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    source: str


@dataclass(frozen=True)
class Filters:
    """Which events to list; None matches any. `until` is excluded."""

    actor: str | None = None
    action: AuditAction | None = None
    since: datetime | None = None
    until: datetime | None = None


def record(
    conn: Connection,
    actor: User,
    action: AuditAction,
    target: str,
    source: str,
    /,
    **detail: Any,
) -> None:
    queries.insert_event(conn, actor.id, actor.name, action, target, detail, source)


# Who made a change with `python -m appliance` on the host: no console user; the
# parentheses keep it apart from every user name (names cannot hold them).
COMMAND_LINE = "(command line)"


def record_command(conn: Connection, action: AuditAction, target: str, /, **detail: Any) -> None:
    """A change made on the host's command line, recorded with the host and its account."""
    queries.insert_event(conn, None, COMMAND_LINE, action, target, detail, _host_account())


def _host_account() -> str:
    try:
        account = getpass.getuser()
    except (KeyError, OSError):  # a uid with no passwd entry and no $USER (a container)
        account = "unknown"
    return f"{account}@{socket.gethostname()}"


def record_by(
    conn: Connection, by: Actor, action: AuditAction, target: str, /, **detail: Any
) -> None:
    record(conn, by.user, action, target, by.source, **detail)


def page(conn: Connection, filters: Filters, limit: int, offset: int) -> tuple[list[Event], int]:
    """One page of events, newest first, and how many match in all. Past the end (fewer
    match than when the page was counted) it is the first page."""
    rows = queries.page_of_events(
        conn, filters.actor, filters.action, filters.since, filters.until, limit, offset
    )
    if not rows and offset > 0:
        return page(conn, filters, limit, 0)
    events = [
        Event(r["at"], r["actor_name"], r["action"], r["target"], r["detail"], r["source"])
        for r in rows
    ]
    return events, int(rows[0]["total"]) if rows else 0
