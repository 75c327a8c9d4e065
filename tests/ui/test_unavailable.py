"""A page opened while PostgreSQL refuses connections says so, and goes on once it is back."""

from __future__ import annotations

import pytest
from nicegui.testing.user import User as SimulatedUser

from tests import services
from ui.admin import overview


async def test_a_page_waits_for_postgresql_and_then_opens(
    admin_user: SimulatedUser,
    pg_admin_url: str,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(overview, "REFRESH_S", 0.2)
    with services.database_refusing(pg_admin_url, database_url):
        await admin_user.open("/audit")
        await admin_user.should_see("The database cannot be reached right now.")
    await admin_user.should_see("Audit", retries=100)
    await admin_user.should_not_see("The database cannot be reached right now.")
