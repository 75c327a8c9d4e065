"""SQL of the appliance's core: migrations bookkeeping and advisory locks."""

from __future__ import annotations

from appliance.db import Connection

# Advisory lock keys: fixed numbers so every process agrees on them.
MIGRATION_LOCK = 0x4152454E41_01
SCHEDULER_LOCK = 0x4152454E41_02


def create_migrations_table(conn: Connection) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version integer PRIMARY KEY, name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())"
    )


def applied_versions(conn: Connection) -> set[int]:
    rows = conn.execute("SELECT version FROM schema_migrations").fetchall()
    return {row["version"] for row in rows}


def schema_version(conn: Connection) -> int:
    """The highest applied migration, 0 when none (or no bookkeeping table yet)."""
    row = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL AS present").fetchone()
    if row is None or not row["present"]:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) AS v FROM schema_migrations").fetchone()
    return int(row["v"]) if row else 0


def record_migration(conn: Connection, version: int, name: str) -> None:
    conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (version, name))


def lock(conn: Connection, key: int) -> None:
    conn.execute("SELECT pg_advisory_lock(%s)", (key,))


def unlock(conn: Connection, key: int) -> None:
    conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def try_lock(conn: Connection, key: int) -> bool:
    row = conn.execute("SELECT pg_try_advisory_lock(%s) AS ok", (key,)).fetchone()
    return bool(row and row["ok"])
