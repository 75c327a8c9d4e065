"""A page opened while PostgreSQL refuses connections says so, and goes on once it is back."""

from __future__ import annotations

import pytest
from nicegui.testing.user import User as SimulatedUser

from appliance import db
from ui.admin import overview


async def test_a_page_waits_for_postgresql_and_then_opens(
    admin_user: SimulatedUser,
    pg_admin_url: str,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(overview, "REFRESH_S", 0.2)
    name = database_url.rsplit("/", 1)[1]
    with db.connect(pg_admin_url) as admin:
        admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
        try:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            await admin_user.open("/audit")
            await admin_user.should_see("The database cannot be reached right now.")
        finally:
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
    await admin_user.should_see("Audit", retries=100)
    await admin_user.should_not_see("The database cannot be reached right now.")
