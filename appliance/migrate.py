"""Forward-only migrations: migrations/NNNN_name.sql applied in order, each in its own
transaction, under an advisory lock so concurrent starts apply each file once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from appliance import queries
from appliance.db import Connection
from appliance.errors import ConfigurationError

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise ConfigurationError(f"migration file name not NNNN_name.sql: {path.name}")
        found.append(Migration(int(match[1]), match[2], path))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ConfigurationError("two migration files share a number")
    return found


def head_version(directory: Path = MIGRATIONS_DIR) -> int:
    return max((m.version for m in discover(directory)), default=0)


def apply_all(conn: Connection, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Apply every migration not yet recorded; returns those applied now."""
    queries.lock(conn, queries.MIGRATION_LOCK)
    try:
        queries.create_migrations_table(conn)
        done = queries.applied_versions(conn)
        applied = []
        for migration in discover(directory):
            if migration.version in done:
                continue
            _apply(conn, migration)
            applied.append(migration)
        return applied
    finally:
        queries.unlock(conn, queries.MIGRATION_LOCK)


def _apply(conn: Connection, migration: Migration) -> None:
    sql = migration.path.read_text()
    try:
        with conn.transaction():
            conn.execute(sql.encode())
            queries.record_migration(conn, migration.version, migration.name)
    except psycopg.Error as exc:
        raise ConfigurationError(f"migration {migration.path.name} failed: {exc}") from exc
