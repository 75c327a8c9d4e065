"""Console logins: password, throttling, sessions that end, safe redirects, language."""

from __future__ import annotations

from datetime import timedelta

import pytest
from nicegui.testing.user import User as SimulatedUser

from appliance import db
from appliance.accounts.users import set_disabled, set_password
from tests.ui.conftest import PASSWORD, log_in, make_console_user
from ui import session


async def test_a_learner_logs_in_and_lands_on_the_problem_browser(
    visitor: SimulatedUser, conn: db.Connection
) -> None:
    make_console_user(conn, "lee", "learner")
    await log_in(visitor, "lee")
    await visitor.should_see("연습 문제")
    row = conn.execute("SELECT action, target FROM audit_events").fetchone()
    assert row == {"action": "login", "target": "lee"}


async def test_a_wrong_password_is_refused_with_the_same_words_as_an_unknown_name(
    visitor: SimulatedUser, conn: db.Connection
) -> None:
    make_console_user(conn, "lee", "learner")
    await log_in(visitor, "lee", "not the password at all")
    await visitor.should_see("이름 또는 비밀번호가 올바르지 않습니다.")
    await log_in(visitor, "nobody-here", PASSWORD)
    await visitor.should_see("이름 또는 비밀번호가 올바르지 않습니다.")
    assert conn.execute("SELECT count(*) AS n FROM login_failures").fetchone() == {"n": 2}


async def test_five_failures_in_a_minute_throttle_even_the_right_password(
    visitor: SimulatedUser, conn: db.Connection
) -> None:
    make_console_user(conn, "lee", "learner")
    for _ in range(5):
        await log_in(visitor, "lee", "wrong password, again")
    await log_in(visitor, "lee")
    await visitor.should_see("로그인 실패가 너무 많습니다. 1분 후에 다시 시도하십시오.")
    await visitor.should_not_see("연습 문제")


async def test_a_password_change_ends_the_session(
    visitor: SimulatedUser, conn: db.Connection
) -> None:
    make_console_user(conn, "lee", "learner")
    await log_in(visitor, "lee")
    await visitor.should_see("연습 문제")
    set_password(conn, "lee", "another long password")
    await visitor.open("/learn")
    await visitor.should_see(marker="login-name")


async def test_disabling_a_user_ends_the_session_and_refuses_the_next_login(
    visitor: SimulatedUser, conn: db.Connection
) -> None:
    make_console_user(conn, "lee", "learner")
    await log_in(visitor, "lee")
    await visitor.should_see("연습 문제")
    user_id = conn.execute("SELECT id FROM users WHERE name = 'lee'").fetchone()["id"]
    set_disabled(conn, user_id, True)
    await visitor.open("/learn")
    await visitor.should_see(marker="login-name")
    await log_in(visitor, "lee")
    await visitor.should_see("이름 또는 비밀번호가 올바르지 않습니다.")


async def test_a_session_expires_after_its_lifetime(
    visitor: SimulatedUser, conn: db.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_console_user(conn, "lee", "learner")
    await log_in(visitor, "lee")
    await visitor.should_see("연습 문제")
    later = session.now() + timedelta(hours=12, seconds=1)
    monkeypatch.setattr(session, "now", lambda: later)
    await visitor.open("/learn")
    await visitor.should_see(marker="login-name")


async def test_next_never_leads_to_another_host(
    visitor: SimulatedUser, conn: db.Connection
) -> None:
    make_console_user(conn, "lee", "learner")
    await log_in(visitor, "lee", path="/login?next=//evil.example/steal")
    await visitor.should_see("연습 문제")


async def test_the_login_page_speaks_the_language_chosen_on_it(visitor: SimulatedUser) -> None:
    await visitor.open("/login")
    await visitor.should_see("로그인")
    toggle = next(iter(visitor.find(marker="login-language").elements))
    with visitor:
        toggle.value = "en"  # what clicking "English" does
    await visitor.should_see("Log in", retries=20)
    await visitor.open("/login")
    await visitor.should_see("Password")


async def test_a_users_language_is_remembered_across_logins(
    visitor: SimulatedUser, conn: db.Connection
) -> None:
    make_console_user(conn, "lee", "learner")
    conn.execute("UPDATE users SET locale = 'en' WHERE name = 'lee'")
    await log_in(visitor, "lee")
    await visitor.should_see("Problems to practise")


async def test_logging_out_ends_the_session_and_is_audited(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    admin_user.find("Log out").click()
    await admin_user.should_see(marker="login-name", retries=20)
    await admin_user.open("/users")
    await admin_user.should_see(marker="login-name")  # sent back to the login
    actions = [r["action"] for r in conn.execute("SELECT action FROM audit_events ORDER BY id")]
    assert actions == ["login", "logout"]


async def test_an_author_sees_only_the_problem_pages(
    author_user: SimulatedUser,
) -> None:
    await author_user.open("/problems")
    await author_user.should_not_see("Users and tokens")
    await author_user.should_not_see("Audit")
    for path in ("/", "/metrics", "/latency", "/submissions", "/users", "/audit"):
        await author_user.open(path)
        await author_user.should_see(marker="problems-filter-text")  # redirected to its own home
