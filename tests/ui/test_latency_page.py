"""/latency: percentiles per problem in the colour and the words of their level, stale rows
flagged, one problem's hourly history, and thresholds an admin edits (validated, audited,
and read by the API as well)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from nicegui import ui
from nicegui.testing.user import User as SimulatedUser

from appliance import db
from appliance.metrics import collect
from appliance.metrics.collect import Retention
from tests.conftest import bearer
from tests.metrics.conftest import make_users, one
from ui.admin import latency

NOW = datetime(2026, 11, 30, 3, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
WAIT = timedelta(milliseconds=20)
RETENTION = Retention(
    hourly=timedelta(days=2),
    daily=timedelta(days=3),
    failures=timedelta(days=30),
    job_runs=timedelta(days=30),
)


@pytest.fixture(autouse=True)
def page_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(latency, "now", lambda: NOW)


def judged(conn: db.Connection, problem: str, finished_ago: timedelta, ms: int) -> None:
    user = make_users(conn, 1)[0]
    duration = timedelta(milliseconds=ms)
    row = one(conn, user, NOW - finished_ago - duration - WAIT, WAIT, duration)
    if problem != "mini-clamp":  # `one` judges mini-clamp; move it to the problem asked for
        conn.execute(
            "UPDATE submissions SET version_id = (SELECT current_version_id FROM problems"
            " WHERE slug = %s) WHERE created_at = %s",
            (problem, row.created_at),
        )


@pytest.fixture
def seeded(conn: db.Connection) -> None:
    """mini-clamp fast and fresh, mini-clamp-fast slow and two hours old (stale),
    mini-clamp-hidden too slow."""
    judged(conn, "mini-clamp", 5 * MINUTE, 500)
    judged(conn, "mini-clamp-fast", 120 * MINUTE, 1500)
    judged(conn, "mini-clamp-hidden", MINUTE, 2500)
    collect.collect_latency(conn, NOW, RETENTION)


def texts(user: SimulatedUser, marker: str) -> list[str]:
    element = next(iter(user.find(marker=marker).elements))
    return [e.text for e in element.descendants() if isinstance(e, ui.label | ui.badge)]


def set_value(user: SimulatedUser, marker: str, value: Any) -> None:
    element = next(iter(user.find(marker=marker).elements))
    with user:
        element.value = value  # type: ignore[attr-defined]


async def test_each_value_shows_its_level_in_colour_and_words_and_stale_rows_are_flagged(
    seeded: None, admin_user: SimulatedUser
) -> None:
    await admin_user.open("/latency")
    await admin_user.should_see(marker="latency-table")
    assert texts(admin_user, "latency-row-mini-clamp") == [
        "500 ms · good",
        "500 ms · good",
        "500 ms · good",
        "1",
        "2026-11-30 03:25:00",
        "good",
    ]
    fast = texts(admin_user, "latency-row-mini-clamp-fast")
    assert fast[0] == "1,500 ms · warning" and "stale" in fast
    assert texts(admin_user, "latency-row-mini-clamp-hidden")[1] == "2,500 ms · danger"
    row = next(iter(admin_user.find(marker="latency-row-mini-clamp-hidden").elements))
    assert any("bg-red-100" in cell.classes for cell in row.descendants())
    assert "stale" not in texts(admin_user, "latency-row-mini-clamp")


async def test_a_shorter_window_leaves_the_old_rows_idle(
    seeded: None, admin_user: SimulatedUser
) -> None:
    await admin_user.open("/latency")
    set_value(admin_user, "latency-window", "1h")
    await admin_user.should_see("idle")
    fast = texts(admin_user, "latency-row-mini-clamp-fast")
    assert fast[:3] == ["idle", "idle", "idle"] and "stale" in fast


async def test_the_history_chart_shows_the_chosen_problems_hours(
    seeded: None, admin_user: SimulatedUser
) -> None:
    await admin_user.open("/latency")
    admin_user.find(marker="latency-pick-mini-clamp-hidden").click()
    await admin_user.should_see("Hourly history of mini-clamp-hidden")
    chart = next(iter(admin_user.find(marker="latency-history-chart").elements))
    assert isinstance(chart, ui.echart)
    options = chart.props["options"]
    assert [s["name"] for s in options["series"]] == ["p50", "p95", "p99"]
    p95 = options["series"][1]
    assert len(p95["data"]) == 24 and p95["data"][-1] == pytest.approx(2500, rel=0.01)
    assert p95["data"][0] is None and p95["connectNulls"] is False
    assert [m["yAxis"] for m in p95["markLine"]["data"]] == [1000.0, 2000.0]
    assert options["xAxis"]["data"][-1] == "11-30 03:00"


async def test_thresholds_out_of_order_are_refused_and_nothing_is_stored(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    await admin_user.open("/latency")
    set_value(admin_user, "latency-warning", 3000)
    set_value(admin_user, "latency-danger", 2000)
    admin_user.find(marker="latency-save").click()
    await admin_user.should_see("The warning threshold must be lower than the danger threshold.")
    stored = conn.execute("SELECT warning_ms, danger_ms FROM latency_thresholds"
                          " WHERE key_kind = 'problem'").fetchone()  # fmt: skip
    assert stored == {"warning_ms": 1000.0, "danger_ms": 2000.0}
    assert conn.execute(
        "SELECT count(*) AS n FROM audit_events WHERE action = 'latency.thresholds'"
    ).fetchone() == {"n": 0}


async def test_saved_thresholds_recolour_the_page_are_audited_and_used_by_the_api(
    seeded: None,
    admin_user: SimulatedUser,
    conn: db.Connection,
    api: TestClient[Any],
    admin_token: str,
) -> None:
    await admin_user.open("/latency")
    set_value(admin_user, "latency-warning", 400)
    set_value(admin_user, "latency-danger", 600)
    admin_user.find(marker="latency-save").click()
    await admin_user.should_see("Thresholds saved.")
    assert texts(admin_user, "latency-row-mini-clamp")[0] == "500 ms · warning"
    event = conn.execute(
        "SELECT actor_name, target, detail FROM audit_events WHERE action = 'latency.thresholds'"
    ).fetchone()
    assert event == {
        "actor_name": "ada",
        "target": "problem",
        "detail": {
            "old": {"warning_ms": 1000.0, "danger_ms": 2000.0},
            "new": {"warning_ms": 400.0, "danger_ms": 600.0},
        },
    }
    body = api.get("/api/v1/metrics/latency", headers=bearer(admin_token)).json()
    assert (body["warning_from_ms"], body["danger_from_ms"]) == (400.0, 600.0)


async def test_an_author_is_sent_to_the_problems(author_user: SimulatedUser) -> None:
    await author_user.open("/latency")
    await author_user.should_not_see(marker="latency-thresholds")
    await author_user.should_see("Problems")


async def test_the_page_speaks_korean(
    seeded: None, admin_user: SimulatedUser, conn: db.Connection
) -> None:
    conn.execute("UPDATE users SET locale = 'ko' WHERE name = 'ada'")
    await admin_user.open("/latency")
    await admin_user.should_see("임계값 (채점 시간 p95)")
    assert texts(admin_user, "latency-row-mini-clamp-hidden")[0] == "2,500 ms · 위험"
    assert "오래됨" in texts(admin_user, "latency-row-mini-clamp-fast")
