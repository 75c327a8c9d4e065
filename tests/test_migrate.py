"""Migrations: applied in order to an empty database, once, under the advisory lock."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance import db, migrate, queries
from appliance.errors import ConfigurationError


@pytest.fixture
def empty_database(pg_admin_url: str) -> Iterator[str]:
    with db.connect(pg_admin_url) as admin:
        admin.execute("DROP DATABASE IF EXISTS migrate_test WITH (FORCE)")
        admin.execute("CREATE DATABASE migrate_test")
    yield pg_admin_url.rsplit("/", 1)[0] + "/migrate_test"
    with db.connect(pg_admin_url) as admin:
        admin.execute("DROP DATABASE migrate_test WITH (FORCE)")


def test_every_migration_applies_to_an_empty_database_once(empty_database: str) -> None:
    with db.connect(empty_database) as conn:
        assert queries.schema_version(conn) == 0
        applied = migrate.apply_all(conn)
        assert [m.version for m in applied] == [m.version for m in migrate.discover()]
        assert queries.schema_version(conn) == migrate.head_version() >= 1
        assert migrate.apply_all(conn) == []
        tables = {
            r["tablename"] for r in conn.execute("SELECT tablename FROM pg_tables").fetchall()
        }
    assert {
        "users",
        "api_tokens",
        "problems",
        "problem_versions",
        "mutants",
        "submissions",
        "variant_results",
        "test_results",
        "workers",
        "schema_migrations",
    } <= tables


def test_concurrent_migrators_apply_each_file_once(empty_database: str) -> None:
    results: list[int] = []

    def run() -> None:
        with db.connect(empty_database) as conn:
            results.append(len(migrate.apply_all(conn)))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 0, len(migrate.discover())]


def test_a_failing_migration_is_rolled_back_and_reported(
    empty_database: str, tmp_path: Path
) -> None:
    (tmp_path / "0001_good.sql").write_text("CREATE TABLE good (id int);")
    (tmp_path / "0002_bad.sql").write_text("CREATE TABLE bad (id int); SELECT no_such_function();")
    with db.connect(empty_database) as conn:
        with pytest.raises(ConfigurationError, match="0002_bad.sql"):
            migrate.apply_all(conn, tmp_path)
        assert queries.applied_versions(conn) == {1}
        assert conn.execute("SELECT to_regclass('bad') AS t").fetchone() == {"t": None}


def test_a_misnamed_migration_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "1_bad.sql").write_text("SELECT 1;")
    with pytest.raises(ConfigurationError, match="NNNN_name.sql"):
        migrate.discover(tmp_path)


def test_the_schema_checks_every_enum(conn: db.Connection) -> None:
    import psycopg

    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("INSERT INTO users (name, role) VALUES ('x', 'superuser')")
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("UPDATE problem_versions SET difficulty = 'Trivial'")
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("UPDATE problem_versions SET status = 'done'")
