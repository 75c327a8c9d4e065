"""/users: admins create users (the token shown once), change roles, reset passwords,
disable and enable, issue and revoke tokens; each change is audited with it."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from nicegui.testing.user import User as SimulatedUser

from appliance import db
from appliance.accounts import passwords
from appliance.accounts.users import create_user
from tests.conftest import bearer
from tests.ui.conftest import PASSWORD, log_in, make_console_user

NEW_PASSWORD = "a brand new passphrase"
WAIT = 100  # retries of 0.1 s: password hashing runs in a thread


def audit_rows(conn: db.Connection) -> list[dict[str, Any]]:
    """The audit trail but for the test's own login."""
    return conn.execute(
        "SELECT actor_name, action, target, detail FROM audit_events"
        " WHERE action NOT IN ('login', 'logout') ORDER BY id"
    ).fetchall()


def user_id(conn: db.Connection, name: str) -> int:
    return int(conn.execute("SELECT id FROM users WHERE name = %s", (name,)).fetchone()["id"])


def set_value(user: SimulatedUser, marker: str, value: Any) -> None:
    """What choosing in a select (or typing over a field) does."""
    element = next(iter(user.find(marker=marker).elements))
    with user:
        element.value = value  # type: ignore[attr-defined]


def shown_token(user: SimulatedUser) -> str:
    field = next(iter(user.find(marker="token-value").elements))
    return str(field.value)  # type: ignore[attr-defined]


async def open_manage(user: SimulatedUser, name: str) -> None:
    await user.open("/users")
    user.find(marker=f"manage-{name}").click()
    await user.should_see(marker="manage-name", retries=WAIT)


async def confirm(user: SimulatedUser) -> None:
    await user.should_see(marker="confirm-yes", retries=WAIT)
    user.find(marker="confirm-yes").click()


async def fill_new_user(user: SimulatedUser, name: str, role: str, first: str, second: str) -> None:
    await user.open("/users")
    user.find(marker="users-new").click()
    user.find(marker="create-name").type(name)
    set_value(user, "create-role", role)
    if first:
        user.find(marker="create-password").type(first)
    if second:
        user.find(marker="create-password-again").type(second)
    user.find(marker="create-submit").click()


async def test_the_list_shows_role_status_password_and_live_tokens(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    create_user(conn, "lin", "learner")
    conn.execute("UPDATE users SET disabled_at = now() WHERE name = 'lin'")
    await admin_user.open("/users")
    with admin_user.scope(marker="user-lin"):
        await admin_user.should_see("Learner")
        await admin_user.should_see("Disabled")
        await admin_user.should_see("No")
        await admin_user.should_see("1")
    with admin_user.scope(marker="user-ada"):
        await admin_user.should_see("Admin")
        await admin_user.should_see("Enabled")
        await admin_user.should_see("Yes")


async def test_a_new_users_token_is_shown_once_works_and_is_audited_never_in_clear(
    admin_user: SimulatedUser, conn: db.Connection, api: TestClient[Any]
) -> None:
    await fill_new_user(admin_user, "lin", "author", NEW_PASSWORD, NEW_PASSWORD)
    await admin_user.should_see(marker="token-value", retries=WAIT)
    token = shown_token(admin_user)
    assert token.startswith("arena_")
    assert api.get("/api/v1/problems", headers=bearer(token)).status_code == 200
    admin_user.find(marker="token-copy").click()
    admin_user.find(marker="token-done").click()
    await admin_user.should_not_see(marker="token-value")
    await admin_user.should_see(marker="user-lin", retries=WAIT)
    with admin_user.scope(marker="user-lin"):
        await admin_user.should_see("Author")
    [row] = audit_rows(conn)
    assert (row["actor_name"], row["action"], row["target"]) == ("ada", "user.create", "lin")
    assert token not in str(row["detail"])
    stored = conn.execute("SELECT password_hash FROM users WHERE name = 'lin'").fetchone()
    assert passwords.matches(stored["password_hash"], NEW_PASSWORD)


async def test_a_user_created_without_a_password_has_none(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    await fill_new_user(admin_user, "lin", "learner", "", "")
    await admin_user.should_see(marker="token-value", retries=WAIT)
    row = conn.execute("SELECT role, password_hash FROM users WHERE name = 'lin'").fetchone()
    assert row == {"role": "learner", "password_hash": None}


async def test_a_mismatched_or_short_password_creates_nobody(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    await fill_new_user(admin_user, "lin", "learner", NEW_PASSWORD, NEW_PASSWORD + "x")
    await admin_user.should_see("The two passwords differ.")
    admin_user.find(marker="create-password").clear().type("short")
    admin_user.find(marker="create-password-again").clear().type("short")
    admin_user.find(marker="create-submit").click()
    await admin_user.should_see("A password has 12 to 256 characters.")
    assert conn.execute("SELECT 1 FROM users WHERE name = 'lin'").fetchone() is None
    assert audit_rows(conn) == []


async def test_a_taken_or_malformed_name_is_refused_with_a_message(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    await fill_new_user(admin_user, "ada", "learner", "", "")
    await admin_user.should_see("A user with this name already exists.", retries=WAIT)
    admin_user.find(marker="create-name").clear().type("no spaces allowed")
    admin_user.find(marker="create-submit").click()
    await admin_user.should_see("A name has 1 to 64 characters", retries=WAIT)
    assert audit_rows(conn) == []


async def test_changing_a_role_is_audited_with_before_and_after(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    create_user(conn, "lin", "learner")
    await open_manage(admin_user, "lin")
    set_value(admin_user, "manage-role", "author")
    admin_user.find(marker="manage-role-save").click()
    await admin_user.should_see("lin has a new role.", retries=WAIT)
    assert conn.execute("SELECT role FROM users WHERE name = 'lin'").fetchone() == {
        "role": "author"
    }
    assert audit_rows(conn) == [
        {
            "actor_name": "ada",
            "action": "user.role",
            "target": "lin",
            "detail": {"before": "learner", "after": "author"},
        }
    ]


async def test_a_reset_password_logs_in_and_is_audited(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    make_console_user(conn, "lin", "author")
    await open_manage(admin_user, "lin")
    admin_user.find(marker="manage-password").type(NEW_PASSWORD)
    admin_user.find(marker="manage-password-again").type(NEW_PASSWORD)
    admin_user.find(marker="manage-password-save").click()
    await admin_user.should_see("The password of lin is set.", retries=WAIT)
    stored = conn.execute("SELECT password_hash FROM users WHERE name = 'lin'").fetchone()
    assert passwords.matches(stored["password_hash"], NEW_PASSWORD)
    assert [(r["action"], r["target"], r["detail"]) for r in audit_rows(conn)] == [
        ("user.password", "lin", {})
    ]


async def test_a_reset_password_that_differs_or_is_short_changes_nothing(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    make_console_user(conn, "lin", "author")
    before = conn.execute("SELECT password_hash FROM users WHERE name = 'lin'").fetchone()
    await open_manage(admin_user, "lin")
    admin_user.find(marker="manage-password").type(NEW_PASSWORD)
    admin_user.find(marker="manage-password-again").type("something else entirely")
    admin_user.find(marker="manage-password-save").click()
    await admin_user.should_see("The two passwords differ.")
    set_value(admin_user, "manage-password", " padded password ")
    set_value(admin_user, "manage-password-again", " padded password ")
    admin_user.find(marker="manage-password-save").click()
    await admin_user.should_see("A password may not begin or end with a space.")
    after = conn.execute("SELECT password_hash FROM users WHERE name = 'lin'").fetchone()
    assert after == before and audit_rows(conn) == []


async def test_disabling_refuses_the_token_and_enabling_restores_it(
    admin_user: SimulatedUser, conn: db.Connection, api: TestClient[Any]
) -> None:
    _, token = create_user(conn, "lin", "learner")
    await open_manage(admin_user, "lin")
    admin_user.find(marker="manage-disable").click()
    await confirm(admin_user)
    await admin_user.should_see("lin is disabled.", retries=WAIT)
    assert api.get("/api/v1/problems", headers=bearer(token)).status_code == 401
    admin_user.find(marker="manage-enable").click()
    await admin_user.should_see("lin is enabled.", retries=WAIT)
    assert api.get("/api/v1/problems", headers=bearer(token)).status_code == 200
    assert [(r["action"], r["target"]) for r in audit_rows(conn)] == [
        ("user.disable", "lin"),
        ("user.enable", "lin"),
    ]


async def test_cancelling_the_confirmation_disables_nobody(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    create_user(conn, "lin", "learner")
    await open_manage(admin_user, "lin")
    admin_user.find(marker="manage-disable").click()
    await admin_user.should_see(marker="confirm-no", retries=WAIT)
    admin_user.find(marker="confirm-no").click()
    await admin_user.should_not_see(marker="confirm-no")
    assert conn.execute("SELECT disabled_at FROM users WHERE name = 'lin'").fetchone() == {
        "disabled_at": None
    }
    assert audit_rows(conn) == []


async def test_a_closed_dialog_leaves_nothing_behind(admin_user: SimulatedUser) -> None:
    await open_manage(admin_user, "ada")
    admin_user.find(marker="manage-close").click()
    await admin_user.should_not_see(marker="manage-name", retries=WAIT)
    await admin_user.should_see(marker="manage-ada")


async def test_the_last_enabled_admin_can_be_neither_disabled_nor_demoted(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    await open_manage(admin_user, "ada")
    admin_user.find(marker="manage-disable").click()
    await confirm(admin_user)
    await admin_user.should_see("This is the last enabled admin", retries=WAIT)
    set_value(admin_user, "manage-role", "learner")
    admin_user.find(marker="manage-role-save").click()
    await admin_user.should_see("This is the last enabled admin", retries=WAIT)
    row = conn.execute("SELECT role, disabled_at FROM users WHERE name = 'ada'").fetchone()
    assert row == {"role": "admin", "disabled_at": None}
    assert audit_rows(conn) == []


async def test_an_issued_token_is_shown_once_and_stops_working_when_revoked(
    admin_user: SimulatedUser, conn: db.Connection, api: TestClient[Any]
) -> None:
    create_user(conn, "lin", "learner")
    await open_manage(admin_user, "lin")
    admin_user.find(marker="manage-issue").click()
    await admin_user.should_see(marker="token-value", retries=WAIT)
    token = shown_token(admin_user)
    assert api.get("/api/v1/problems", headers=bearer(token)).status_code == 200
    admin_user.find(marker="token-done").click()
    await admin_user.should_not_see(marker="token-value")
    newest = conn.execute(
        "SELECT max(id) AS id FROM api_tokens WHERE user_id = %s", (user_id(conn, "lin"),)
    ).fetchone()["id"]
    await admin_user.should_see(marker=f"revoke-{newest}", retries=WAIT)
    admin_user.find(marker=f"revoke-{newest}").click()
    await confirm(admin_user)
    await admin_user.should_see(f"Token #{newest} is revoked.", retries=WAIT)
    await admin_user.should_not_see(marker=f"revoke-{newest}")
    assert api.get("/api/v1/problems", headers=bearer(token)).status_code == 401
    assert [(r["action"], r["target"], r["detail"]) for r in audit_rows(conn)] == [
        ("token.issue", "lin", {"token_id": newest}),
        ("token.revoke", "lin", {"token_id": newest}),
    ]


async def test_the_list_filters_by_name_and_role_and_pages(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    for number in range(30):
        create_user(conn, f"pupil{number:02d}", "learner")
    create_user(conn, "pa_rker", "author")
    await admin_user.open("/users")
    await admin_user.should_see("32 users")
    await admin_user.should_see(marker="user-pupil22")  # after ada and pa_rker: 25 a page
    await admin_user.should_not_see(marker="user-pupil23")
    set_value(admin_user, "users-pages", 2)
    await admin_user.should_see(marker="user-pupil29", retries=WAIT)
    admin_user.find(marker="users-filter-name").type("pa_")
    await admin_user.should_see("1 users", retries=WAIT)
    await admin_user.should_see(marker="user-pa_rker")
    admin_user.find(marker="users-filter-name").clear()
    set_value(admin_user, "users-filter-role", "admin")
    await admin_user.should_see("1 users", retries=WAIT)
    await admin_user.should_see(marker="user-ada")


async def test_a_disabled_admins_open_page_cannot_act(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    create_user(conn, "other-admin", "admin")
    create_user(conn, "lin", "learner")
    await open_manage(admin_user, "lin")
    conn.execute("UPDATE users SET disabled_at = now() WHERE name = 'ada'")
    admin_user.find(marker="manage-issue").click()
    await admin_user.should_see(marker="login-name", retries=WAIT)
    assert audit_rows(conn) == []


async def test_an_author_is_sent_to_their_own_home(author_user: SimulatedUser) -> None:
    response = await author_user.http_client.get("/users", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/problems")


async def test_a_visitor_is_sent_to_the_login(visitor: SimulatedUser) -> None:
    response = await visitor.http_client.get("/users", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login?next=/users")


async def test_the_page_speaks_korean(visitor: SimulatedUser, conn: db.Connection) -> None:
    make_console_user(conn, "ada", "admin")
    await log_in(visitor, "ada", PASSWORD, path="/login?next=/users")
    await visitor.should_see("사용자와 토큰")
    await visitor.should_see("새 사용자")
    with visitor.scope(marker="user-ada"):
        await visitor.should_see("관리자")
