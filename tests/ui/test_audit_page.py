"""/audit: the audit trail, newest first, paged, filtered by actor, action and days in the
display time zone; admins only."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from nicegui import ui
from nicegui.testing.user import User as SimulatedUser
from psycopg.types.json import Jsonb

from appliance import db
from tests.ui.conftest import PASSWORD, log_in, make_console_user

WAIT = 50


@pytest.fixture
def console_env(console_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # Days that differ from UTC days: 15:00 UTC is the next day's midnight in Seoul.
    monkeypatch.setenv("ARENA_TIMEZONE", "Asia/Seoul")


def add_event(
    conn: db.Connection, at: str, actor: str, action: str, target: str, **detail: Any
) -> None:
    conn.execute(
        "INSERT INTO audit_events (at, actor_name, action, target, detail, source)"
        " VALUES (%s, %s, %s, %s, %s, '10.0.0.7')",
        (at, actor, action, target, Jsonb(detail)),
    )


def set_value(user: SimulatedUser, marker: str, value: Any) -> None:
    element = next(iter(user.find(marker=marker).elements))
    with user:
        element.value = value  # type: ignore[attr-defined]


def shown_targets(user: SimulatedUser) -> list[str]:
    """The target column of the listed rows, top to bottom."""
    rows = [row for row in user.current_layout.descendants() if "audit-row" in row._markers]
    return [[e.text for e in row.descendants() if isinstance(e, ui.label)][3] for row in rows]


async def eventually(check: Callable[[], bool]) -> None:
    """Waits up to 5 s for `check` (a reload runs its query in a thread)."""
    for _ in range(100):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not within 5 s")


@pytest.fixture
def two_days(conn: db.Connection) -> None:
    """23:30 on 1 March and 00:30 on 2 March, Seoul time."""
    add_event(conn, "2026-03-01 14:30:00+00", "root", "user.create", "lin", role="learner")
    add_event(conn, "2026-03-01 15:30:00+00", "grace", "token.revoke", "kim", token_id=7)


async def test_events_are_listed_newest_first_with_every_column(
    admin_user: SimulatedUser, two_days: None
) -> None:
    await admin_user.open("/audit")
    await admin_user.should_see("3 events")
    assert shown_targets(admin_user) == ["ada", "kim", "lin"]  # ada: this test's login
    await admin_user.should_see("2026-03-02 00:30:00")
    await admin_user.should_see("Revoked a token")
    await admin_user.should_see("token_id=7")
    await admin_user.should_see("10.0.0.7")


async def test_the_filters_narrow_by_actor_action_and_days_in_the_display_zone(
    admin_user: SimulatedUser, two_days: None
) -> None:
    await admin_user.open("/audit")
    admin_user.find(marker="audit-actor").type("root")
    await eventually(lambda: shown_targets(admin_user) == ["lin"])
    admin_user.find(marker="audit-actor").clear()
    set_value(admin_user, "audit-action", "token.revoke")
    await eventually(lambda: shown_targets(admin_user) == ["kim"])
    set_value(admin_user, "audit-action", "")
    set_value(admin_user, "audit-since", "2026-03-02")
    set_value(admin_user, "audit-until", "2026-03-02")
    await eventually(lambda: shown_targets(admin_user) == ["kim"])
    set_value(admin_user, "audit-since", "")
    set_value(admin_user, "audit-until", "2026-03-01")
    await eventually(lambda: shown_targets(admin_user) == ["lin"])
    await admin_user.should_see("1 events")


async def test_a_reversed_range_is_refused_with_a_message(
    admin_user: SimulatedUser, two_days: None
) -> None:
    await admin_user.open("/audit")
    set_value(admin_user, "audit-since", "2026-03-02")
    set_value(admin_user, "audit-until", "2026-03-01")
    await admin_user.should_see("The first day comes after the last one.", retries=WAIT)
    await admin_user.should_see("3 events")


async def test_an_unmatched_filter_says_so(admin_user: SimulatedUser) -> None:
    await admin_user.open("/audit")
    admin_user.find(marker="audit-actor").type("nobody")
    await admin_user.should_see(marker="audit-empty", retries=WAIT)


async def test_events_are_paged_fifty_at_a_time(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    for number in range(60):
        add_event(conn, f"2026-03-01 10:{number:02d}:00+00", "root", "user.role", f"u{number:02d}")
    await admin_user.open("/audit")
    await admin_user.should_see("61 events")
    assert shown_targets(admin_user)[:2] == ["ada", "u59"]
    assert len(shown_targets(admin_user)) == 50
    set_value(admin_user, "audit-pages", 2)
    expected = [f"u{n:02d}" for n in range(10, -1, -1)]
    await eventually(lambda: shown_targets(admin_user) == expected)


async def test_an_author_is_sent_to_their_own_home(author_user: SimulatedUser) -> None:
    response = await author_user.http_client.get("/audit", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/problems")


async def test_the_page_speaks_korean(
    visitor: SimulatedUser, conn: db.Connection, two_days: None
) -> None:
    make_console_user(conn, "ada", "admin")
    await log_in(visitor, "ada", PASSWORD, path="/login?next=/audit")
    await visitor.should_see("감사 기록")
    await visitor.should_see("기록 3건")
    await visitor.should_see("토큰 폐기")
    await visitor.should_see("2026. 03. 02. 00:30:00")
