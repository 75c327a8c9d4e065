"""Simulated console users (NiceGUI's `User`): the real console app, built by
`ui/__main__.py` as in production, against this test's database and Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from nicegui.storage import Storage
from nicegui.testing.user import User as SimulatedUser
from nicegui.testing.user_simulation import user_simulation

from appliance import db
from appliance.accounts.users import create_user, set_password
from tests.conftest import JUDGE_IMAGE

MAIN_FILE = Path(__file__).resolve().parents[2] / "ui" / "__main__.py"
PASSWORD = "correct horse battery"
LogIn = Callable[[str], Awaitable[SimulatedUser]]


@pytest.fixture
def console_env(
    database_url: str, redis_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # NiceGUI's per-browser storage (the sessions), in this test's own folder.
    monkeypatch.setattr(Storage, "path", tmp_path / "console-storage")
    monkeypatch.setenv("ARENA_DATABASE_URL", database_url)
    monkeypatch.setenv("ARENA_REDIS_URL", redis_url)
    monkeypatch.setenv("ARENA_JUDGE_IMAGE", JUDGE_IMAGE)
    monkeypatch.setenv("ARENA_CONSOLE_SECRET", "a test secret, not a real one")


@pytest.fixture
async def visitor(console_env: None) -> AsyncIterator[SimulatedUser]:
    """A browser on the console, logged in as nobody."""
    async with user_simulation(main_file=MAIN_FILE) as user:
        yield user


def make_console_user(conn: db.Connection, name: str, role: str) -> None:
    create_user(conn, name, role)
    set_password(conn, name, PASSWORD)


async def log_in(
    user: SimulatedUser, name: str, password: str = PASSWORD, path: str = "/login"
) -> None:
    """Logs in through the login form, as a person would, and waits for the answer: another
    page, or a message on this one (hashing takes a while, in a thread)."""
    login_page = await user.open(path)
    user.find(marker="login-name").type(name)
    user.find(marker="login-password").type(password)
    user.find(marker="login-submit").click()
    message = next(iter(user.find(marker="login-message").elements))
    for _ in range(200):
        if user.client is not login_page or message.text:
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the login form gave no answer within 5 s")


@pytest.fixture
async def admin_user(visitor: SimulatedUser, conn: db.Connection) -> SimulatedUser:
    """A browser logged in as the admin `ada` (English)."""
    make_console_user(conn, "ada", "admin")
    conn.execute("UPDATE users SET locale = 'en' WHERE name = 'ada'")
    await log_in(visitor, "ada")
    await visitor.should_see("Overview")
    return visitor


@pytest.fixture
async def author_user(visitor: SimulatedUser, conn: db.Connection) -> SimulatedUser:
    """A browser logged in as the author `aubrey` (English)."""
    make_console_user(conn, "aubrey", "author")
    conn.execute("UPDATE users SET locale = 'en' WHERE name = 'aubrey'")
    await log_in(visitor, "aubrey")
    await visitor.should_see("Problems")
    return visitor


@pytest.fixture
async def learner_user(visitor: SimulatedUser, conn: db.Connection) -> SimulatedUser:
    """A browser logged in as the learner `lee` (English), on the problem browser."""
    make_console_user(conn, "lee", "learner")
    conn.execute("UPDATE users SET locale = 'en' WHERE name = 'lee'")
    await log_in(visitor, "lee")
    await visitor.should_see("Problems to practise")
    return visitor


def judged_submission(
    conn: db.Connection,
    user: str,
    slug: str,
    code: str = "def test_x(): pass",
    score: int | None = 100,
    status: str = "SUCCESS",
    minutes_ago: int = 0,
) -> str:
    """A submission of `user` to the current version of `slug`, stored as already judged
    (the learner pages read what the judge left; `drain` tests judge for real)."""
    row = conn.execute(
        "INSERT INTO submissions (user_id, version_id, code, code_sha256, status, reason, score,"
        " created_at, started_at, finished_at)"
        " SELECT u.id, p.current_version_id, %(code)s, 'sha', %(status)s, %(reason)s, %(score)s,"
        " now() - make_interval(mins => %(ago)s), now() - make_interval(mins => %(ago)s),"
        " now() - make_interval(mins => %(ago)s)"
        " FROM users u, problems p WHERE u.name = %(user)s AND p.slug = %(slug)s RETURNING id",
        {
            "code": code,
            "status": status,
            "reason": "golden_failed" if status == "FAILURE" else None,
            "score": score,
            "ago": minutes_ago,
            "user": user,
            "slug": slug,
        },
    ).fetchone()
    assert row is not None
    return str(row["id"])


def user_id(conn: db.Connection, name: str) -> int:
    row = conn.execute("SELECT id FROM users WHERE name = %s", (name,)).fetchone()
    assert row is not None
    return int(row["id"])


def text_of(user: SimulatedUser, marker: str) -> str:
    """Every text shown inside the element marked `marker` (labels, links, badges), in
    order: what a person reads in that row or box."""
    (element,) = user.find(marker=marker).elements
    parts = [getattr(e, "text", "") for e in [element, *element.descendants()]]
    return " ".join(part for part in parts if isinstance(part, str) and part)
