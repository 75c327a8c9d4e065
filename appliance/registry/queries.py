"""SQL of the model registry: aliases and their history (migrations/0012_registry_feedback.sql)."""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from appliance.db import Connection, Row

# An alias's version as "name" and "number", with its id.
_ALIAS_COLUMNS = (
    "a.alias, a.version_id, a.moved_at, e.name AS model, v.number AS version"
    " FROM model_aliases a LEFT JOIN model_versions v ON v.id = a.version_id"
    " LEFT JOIN model_endpoints e ON e.id = v.endpoint_id"
)


def aliases(conn: Connection) -> list[Row]:
    return conn.execute("SELECT " + _ALIAS_COLUMNS + " ORDER BY a.alias").fetchall()


def alias(conn: Connection, name: str) -> Row | None:
    return conn.execute("SELECT " + _ALIAS_COLUMNS + " WHERE a.alias = %s", (name,)).fetchone()


def lock_alias(conn: Connection, name: str) -> Row | None:
    """The alias's row, locked until the transaction ends: its moves happen one by one."""
    return conn.execute(
        "SELECT alias, version_id FROM model_aliases WHERE alias = %s FOR UPDATE", (name,)
    ).fetchone()


def point_alias(conn: Connection, name: str, version_id: int | None) -> None:
    conn.execute(
        "UPDATE model_aliases SET version_id = %s, moved_at = now() WHERE alias = %s",
        (version_id, name),
    )


def version_id(conn: Connection, model: str, number: int) -> int | None:
    row = conn.execute(
        "SELECT v.id FROM model_versions v JOIN model_endpoints e ON e.id = v.endpoint_id"
        " WHERE e.name = %s AND v.number = %s",
        (model, number),
    ).fetchone()
    return None if row is None else int(row["id"])


def version_keys(conn: Connection) -> list[str]:
    """Every model version as name@number: endpoints by name, each one's newest first."""
    rows = conn.execute(
        "SELECT e.name || '@' || v.number AS key FROM model_versions v"
        " JOIN model_endpoints e ON e.id = v.endpoint_id ORDER BY e.name, v.number DESC"
    ).fetchall()
    return [row["key"] for row in rows]


def insert_move(conn: Connection, move: dict[str, Any]) -> int:
    """`move` holds every column but id and at; the reasons and numbers as JSON."""
    row = conn.execute(
        "INSERT INTO alias_moves (alias, kind, moved, from_version_id, to_version_id, undoes,"
        " actor_id, actor_name, reason, decision_reasons, decision_numbers, evaluation_run_id)"
        " VALUES (%(alias)s, %(kind)s, %(moved)s, %(from_version_id)s, %(to_version_id)s,"
        " %(undoes)s, %(actor_id)s, %(actor_name)s, %(reason)s, %(decision_reasons)s,"
        " %(decision_numbers)s, %(evaluation_run_id)s) RETURNING id",
        {
            **move,
            "decision_reasons": Jsonb(move["decision_reasons"]),
            "decision_numbers": Jsonb(move["decision_numbers"]),
        },
    ).fetchone()
    assert row is not None
    return int(row["id"])


def last_undoable_move(conn: Connection, name: str) -> Row | None:
    """The alias's latest move that no rollback has undone yet (rollbacks themselves are
    never undone: undoing one is moving the alias forward, which promote does)."""
    return conn.execute(
        "SELECT m.id, m.from_version_id, m.to_version_id FROM alias_moves m"
        " WHERE m.alias = %s AND m.moved AND m.kind <> 'rollback'"
        " AND NOT EXISTS (SELECT 1 FROM alias_moves r WHERE r.undoes = m.id)"
        " ORDER BY m.id DESC LIMIT 1",
        (name,),
    ).fetchone()


# A history row, each version as its model name and number.
_MOVE_SELECT = (
    "SELECT m.id, m.alias, m.kind, m.moved, m.undoes, m.actor_name, m.reason,"
    " m.decision_reasons, m.decision_numbers, m.evaluation_run_id, m.at,"
    " fe.name AS from_model, fv.number AS from_version,"
    " te.name AS to_model, tv.number AS to_version"
    " FROM alias_moves m"
    " LEFT JOIN model_versions fv ON fv.id = m.from_version_id"
    " LEFT JOIN model_endpoints fe ON fe.id = fv.endpoint_id"
    " LEFT JOIN model_versions tv ON tv.id = m.to_version_id"
    " LEFT JOIN model_endpoints te ON te.id = tv.endpoint_id"
)


def history(conn: Connection, name: str, limit: int) -> list[Row]:
    """Newest first."""
    return conn.execute(
        _MOVE_SELECT + " WHERE m.alias = %s ORDER BY m.id DESC LIMIT %s", (name, limit)
    ).fetchall()


def move(conn: Connection, move_id: int) -> Row | None:
    return conn.execute(_MOVE_SELECT + " WHERE m.id = %s", (move_id,)).fetchone()


def version_key(conn: Connection, version_id: int) -> str | None:
    """The version as evaluations name it: "endpoint@number"."""
    row = conn.execute(
        "SELECT e.name || '@' || v.number AS key FROM model_versions v"
        " JOIN model_endpoints e ON e.id = v.endpoint_id WHERE v.id = %s",
        (version_id,),
    ).fetchone()
    return None if row is None else str(row["key"])
