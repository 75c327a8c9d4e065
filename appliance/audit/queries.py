"""SQL of the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from appliance.db import Connection, Row


def insert_event(
    conn: Connection,
    actor_id: int | None,
    actor_name: str,
    action: str,
    target: str,
    detail: dict[str, Any],
    source: str,
) -> None:
    conn.execute(
        "INSERT INTO audit_events (actor_id, actor_name, action, target, detail, source)"
        " VALUES (%s, %s, %s, %s, %s, %s)",
        (actor_id, actor_name, action, target, Jsonb(detail), source),
    )


# Each filter is skipped when its parameter is NULL.
_MATCHING = (
    " WHERE (%(actor)s::text IS NULL OR actor_name = %(actor)s)"
    " AND (%(action)s::text IS NULL OR action = %(action)s)"
    " AND (%(since)s::timestamptz IS NULL OR at >= %(since)s)"
    " AND (%(until)s::timestamptz IS NULL OR at < %(until)s)"
)


def page_of_events(
    conn: Connection,
    actor: str | None,
    action: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> list[Row]:
    """Newest first, filtered; each row carries the count of all matching rows as `total`."""
    return conn.execute(
        "SELECT id, at, actor_name, action, target, detail, source,"
        " count(*) OVER () AS total FROM audit_events"
        + _MATCHING
        + " ORDER BY at DESC, id DESC LIMIT %(limit)s OFFSET %(offset)s",
        {
            "actor": actor,
            "action": action,
            "since": since,
            "until": until,
            "limit": limit,
            "offset": offset,
        },
    ).fetchall()
