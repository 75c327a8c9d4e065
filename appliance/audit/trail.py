"""Recording admin actions. The caller's transaction holds the action and its record, so
neither is kept without the other."""

from __future__ import annotations

from typing import Any

from appliance.accounts.users import User
from appliance.audit import queries
from appliance.db import Connection
from appliance.vocabulary import AuditAction


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
