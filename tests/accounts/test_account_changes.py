"""Changes to accounts are audited in their own transaction, from the API as from the
console; the last enabled admin stays; the command line sets passwords from stdin."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from typing import Any

import pytest
from litestar.testing import TestClient

from appliance import db
from appliance.accounts import passwords, users
from appliance.accounts.users import LastAdmin, create_user
from appliance.audit.trail import Actor
from appliance.errors import ArenaError
from appliance.settings import Settings
from tests.conftest import bearer

GOOD_PASSWORD = "a long enough passphrase"


def audit_rows(conn: db.Connection) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT actor_name, action, target, detail, source FROM audit_events ORDER BY id"
    ).fetchall()


def actor(conn: db.Connection, name: str = "root") -> Actor:
    row = conn.execute("SELECT id, name, role FROM users WHERE name = %s", (name,)).fetchone()
    return Actor(users.User(row["id"], row["name"], row["role"]), "10.1.2.3")


def test_the_api_audits_users_and_tokens_with_the_client_host(
    api: TestClient[Any], admin_token: str, conn: db.Connection
) -> None:
    created = api.post(
        "/api/v1/users", json={"name": "lin", "role": "learner"}, headers=bearer(admin_token)
    ).json()
    issued = api.post(
        "/api/v1/tokens", json={"user_id": created["id"]}, headers=bearer(admin_token)
    ).json()
    assert (
        api.delete(f"/api/v1/tokens/{issued['id']}", headers=bearer(admin_token)).status_code == 204
    )
    rows = audit_rows(conn)
    assert [(r["actor_name"], r["action"], r["target"], r["source"]) for r in rows] == [
        ("root", "user.create", "lin", "testclient"),
        ("root", "token.issue", "lin", "testclient"),
        ("root", "token.revoke", "lin", "testclient"),
    ]
    assert rows[1]["detail"] == rows[2]["detail"] == {"token_id": issued["id"]}
    assert created["token"] not in str(rows) and issued["token"] not in str(rows)


def test_a_refused_api_request_records_nothing(
    api: TestClient[Any], admin_token: str, conn: db.Connection
) -> None:
    taken = api.post(
        "/api/v1/users", json={"name": "root", "role": "learner"}, headers=bearer(admin_token)
    )
    gone = api.delete("/api/v1/tokens/999999", headers=bearer(admin_token))
    assert (taken.status_code, gone.status_code) == (409, 404)
    assert audit_rows(conn) == []


def test_a_change_and_its_record_are_one_transaction(conn: db.Connection) -> None:
    create_user(conn, "root", "admin")
    create_user(conn, "lin", "learner")
    lin = conn.execute("SELECT id FROM users WHERE name = 'lin'").fetchone()["id"]
    ghost = Actor(users.User(2**62, "ghost", "admin"), "10.1.2.3")  # no such user: FK fails
    with pytest.raises(Exception, match="foreign key"):
        users.set_role(conn, lin, "author", by=ghost)
    assert conn.execute("SELECT role FROM users WHERE id = %s", (lin,)).fetchone() == {
        "role": "learner"
    }


def test_only_real_changes_are_recorded(conn: db.Connection) -> None:
    create_user(conn, "root", "admin")
    create_user(conn, "lin", "learner")
    lin = conn.execute("SELECT id FROM users WHERE name = 'lin'").fetchone()["id"]
    by = actor(conn)
    users.set_role(conn, lin, "learner", by=by)
    users.set_disabled(conn, lin, False, by=by)
    assert audit_rows(conn) == []
    users.set_disabled(conn, lin, True, by=by)
    users.set_disabled(conn, lin, True, by=by)
    assert [r["action"] for r in audit_rows(conn)] == ["user.disable"]


def test_the_last_admin_may_keep_the_admin_role(conn: db.Connection) -> None:
    create_user(conn, "root", "admin")
    root = conn.execute("SELECT id FROM users WHERE name = 'root'").fetchone()["id"]
    users.set_role(conn, root, "admin")
    with pytest.raises(LastAdmin):
        users.set_role(conn, root, "author")
    with pytest.raises(LastAdmin):
        users.set_disabled(conn, root, True)


def test_two_admins_disabling_each_other_at_once_leave_one(
    conn: db.Connection, database_url: str
) -> None:
    create_user(conn, "root", "admin")
    create_user(conn, "toor", "admin")
    ids = [r["id"] for r in conn.execute("SELECT id FROM users ORDER BY id").fetchall()]
    outcome: list[BaseException | None] = []

    def disable_the_other() -> None:
        with db.connect(database_url) as other:
            try:
                users.set_disabled(other, ids[1], True)
                outcome.append(None)
            except ArenaError as exc:
                outcome.append(exc)

    with conn.transaction():
        users.set_disabled(conn, ids[0], True)
        racer = threading.Thread(target=disable_the_other)
        racer.start()
        time.sleep(0.5)
        assert racer.is_alive(), "the second disable should wait for the first"
    racer.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], LastAdmin)
    enabled = conn.execute("SELECT count(*) AS n FROM users WHERE disabled_at IS NULL")
    assert enabled.fetchone() == {"n": 1}


# -- the command line ----------------------------------------------------------------------


def run_cli(settings: Settings, *args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ARENA_DATABASE_URL": settings.database_url,
        "ARENA_REDIS_URL": settings.redis_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "appliance", "users", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def password_hash(conn: db.Connection, name: str) -> str | None:
    row = conn.execute("SELECT password_hash FROM users WHERE name = %s", (name,)).fetchone()
    return None if row is None else row["password_hash"]


def test_cli_creates_an_admin_with_a_password_from_stdin_and_prints_only_the_token(
    settings: Settings, conn: db.Connection, api: TestClient[Any]
) -> None:
    result = run_cli(
        settings, "create", "ops", "--role", "admin", "--password-stdin", stdin=GOOD_PASSWORD + "\n"
    )
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert result.stdout == token + "\n"
    assert api.get("/api/v1/problems", headers=bearer(token)).status_code == 200
    assert passwords.matches(password_hash(conn, "ops"), GOOD_PASSWORD)
    (event,) = audit_rows(conn)
    assert event["actor_name"] == "(command line)"
    assert (event["action"], event["target"], event["detail"]) == (
        "user.create",
        "ops",
        {"role": "admin"},
    )
    assert event["source"].endswith("@" + socket.gethostname())


@pytest.mark.parametrize(
    ("password", "message"),
    [("short", "12 to 256 characters"), (" padded passphrase", "white space"), ("", "12 to 256")],
)
def test_cli_refuses_a_bad_password_and_creates_nobody(
    settings: Settings, conn: db.Connection, password: str, message: str
) -> None:
    result = run_cli(
        settings, "create", "ops", "--role", "admin", "--password-stdin", stdin=password + "\n"
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert conn.execute("SELECT 1 FROM users WHERE name = 'ops'").fetchone() is None


def test_cli_sets_a_password_from_stdin_and_ends_the_sessions(
    settings: Settings, conn: db.Connection
) -> None:
    create_user(conn, "ops", "admin")
    result = run_cli(settings, "set-password", "ops", "--password-stdin", stdin=GOOD_PASSWORD)
    assert (result.returncode, result.stdout) == (0, ""), result.stderr
    assert passwords.matches(password_hash(conn, "ops"), GOOD_PASSWORD)
    epoch = conn.execute("SELECT session_epoch FROM users WHERE name = 'ops'").fetchone()
    assert epoch == {"session_epoch": 1}
    assert [(e["actor_name"], e["action"], e["target"]) for e in audit_rows(conn)] == [
        ("(command line)", "user.password", "ops")
    ]


def test_cli_refuses_a_bad_password_and_keeps_the_old_one(
    settings: Settings, conn: db.Connection
) -> None:
    create_user(conn, "ops", "admin")
    users.set_password(conn, "ops", GOOD_PASSWORD)
    before = password_hash(conn, "ops")
    result = run_cli(settings, "set-password", "ops", "--password-stdin", stdin="short\n")
    assert (result.returncode, result.stdout) == (1, "")
    assert "error: a password has 12 to 256 characters" in result.stderr
    assert password_hash(conn, "ops") == before
    assert audit_rows(conn) == []


def test_cli_names_an_unknown_user(settings: Settings) -> None:
    result = run_cli(settings, "set-password", "nobody", "--password-stdin", stdin=GOOD_PASSWORD)
    assert result.returncode == 1 and "no user named 'nobody'" in result.stderr
