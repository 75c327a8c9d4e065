"""/metrics: the six charts drawn from the stored snapshots (a missed collection a null
point), the previous period dashed on the same axis, the empty state that names the next
collection and collects now, and the CSV and PDF downloads outside the websocket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from nicegui import ui
from nicegui.testing.user import User as SimulatedUser

from appliance import db
from appliance.metrics import queries
from ui.admin import metrics

# A fixed clock for the page: 03:30 UTC, 12:30 in Seoul.
NOW = datetime(2026, 11, 30, 3, 30, tzinfo=UTC)
HOUR = timedelta(hours=1)
THIS_HOUR = NOW.replace(minute=0)


@pytest.fixture(autouse=True)
def page_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's clock at NOW, and days in Seoul (a zone whose hours are not UTC's)."""
    monkeypatch.setattr(metrics, "now", lambda: NOW)
    monkeypatch.setenv("ARENA_TIMEZONE", "Asia/Seoul")


@pytest.fixture
def short_retention(monkeypatch: pytest.MonkeyPatch) -> None:
    """A week of hourly and two days of daily buckets: "collect now" on an empty database
    fills them in a few seconds. Listed before the browser fixtures, which read it."""
    monkeypatch.setenv("ARENA_METRICS_HOURLY_RETENTION_DAYS", "7")
    monkeypatch.setenv("ARENA_METRICS_DAILY_RETENTION_DAYS", "2")


def snapshot(conn: db.Connection, metric: str, start: datetime, value: float | None) -> None:
    queries.upsert_snapshot(
        conn,
        {
            "metric": metric,
            "granularity": "hourly",
            "bucket_start": start,
            "value": value,
            "n": 0 if value is None else 3,
            "sum": 0.0,
            "min": None,
            "max": None,
            "histogram": None,
            "collected_at": NOW,
        },
    )


def seed_with_a_gap(conn: db.Connection) -> None:
    """Submissions 4, 5, (missed), 7 in the last four hours; the other metrics once each."""
    for hours_ago, value in ((4, 4.0), (3, 5.0), (1, 7.0)):
        snapshot(conn, "submissions", THIS_HOUR - hours_ago * HOUR, value)
    snapshot(conn, "success_rate", THIS_HOUR - HOUR, 0.75)
    snapshot(conn, "judge_duration_p95", THIS_HOUR - HOUR, None)  # collected, nothing judged


def options(user: SimulatedUser, marker: str) -> dict[str, Any]:
    chart = next(iter(user.find(marker=marker).elements))
    assert isinstance(chart, ui.echart)
    return chart.props["options"]  # type: ignore[no-any-return]


def set_value(user: SimulatedUser, marker: str, value: Any) -> None:
    element = next(iter(user.find(marker=marker).elements))
    with user:
        element.value = value  # type: ignore[attr-defined]


async def test_the_charts_draw_the_stored_series_with_a_missed_hour_as_null(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    seed_with_a_gap(conn)
    await admin_user.open("/metrics")
    await admin_user.should_see(marker="metrics-chart-submissions")
    chart = options(admin_user, "metrics-chart-submissions")
    line = chart["series"][0]
    assert len(line["data"]) == 7 * 24 and line["connectNulls"] is False
    assert [item["value"] for item in line["data"][-4:]] == [4.0, 5.0, None, 7.0]
    assert line["data"][-2]["collected"] is False
    assert chart["xAxis"]["data"][-1] == "11-30 11:00"  # 02:00 UTC in Seoul
    assert "not collected" in chart["tooltip"][":formatter"]
    rates = options(admin_user, "metrics-chart-rates")
    assert [s["name"] for s in rates["series"]] == ["Success rate", "Error rate"]
    assert rates["series"][0]["data"][-1]["value"] == 75.0
    p95 = options(admin_user, "metrics-chart-judge_duration_p95")["series"][0]["data"][-1]
    assert p95 == {"value": None, "collected": True}
    assert "graphic" not in chart
    for marker in ("active_users", "queue_wait_p95", "mean_score"):
        empty = options(admin_user, f"metrics-chart-{marker}")
        assert empty["graphic"]["style"]["text"] == "No value in this range"


async def test_compare_adds_the_previous_period_dashed_on_the_same_buckets(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    seed_with_a_gap(conn)
    snapshot(conn, "submissions", THIS_HOUR - HOUR - 7 * 24 * HOUR, 2.0)  # a week before
    await admin_user.open("/metrics")
    admin_user.find(marker="metrics-compare").click()
    await admin_user.should_see("compared with")
    series = options(admin_user, "metrics-chart-submissions")["series"]
    assert len(series) == 2
    previous = series[1]
    assert previous["lineStyle"]["type"] == "dashed"
    assert previous["name"] == "Submissions · previous"
    assert len(previous["data"]) == len(series[0]["data"])
    assert previous["data"][-1] == {"value": 2.0, "collected": True, "at": "11-23 11:00"}
    assert previous["data"][-2]["value"] is None


async def test_daily_and_custom_ranges_redraw_and_a_bad_range_is_explained(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    seed_with_a_gap(conn)
    await admin_user.open("/metrics")
    set_value(admin_user, "metrics-range", 90)
    await admin_user.should_see("Hourly points are kept for 30 days")
    set_value(admin_user, "metrics-granularity", "daily")
    await admin_user.should_see(marker="metrics-empty")
    set_value(admin_user, "metrics-range", "custom")
    set_value(admin_user, "metrics-first-day", "2026-11-20")
    set_value(admin_user, "metrics-last-day", "2026-11-10")
    admin_user.find(marker="metrics-show").click()
    await admin_user.should_see("The last day is before the first day.")


async def test_an_empty_range_names_the_next_collection_and_collect_now_fills_it(
    short_retention: None, admin_user: SimulatedUser, conn: db.Connection
) -> None:
    await admin_user.open("/metrics")
    await admin_user.should_see(marker="metrics-empty")
    await admin_user.should_see("The next collection runs at 2026-11-30 13:02:00.")
    admin_user.find(marker="metrics-collect-empty").click()
    await admin_user.should_see(marker="metrics-chart-submissions", retries=200)
    data = options(admin_user, "metrics-chart-submissions")["series"][0]["data"]
    assert data[-1] == {"value": 0.0, "collected": True}
    audit = conn.execute(
        "SELECT actor_name, action, target, detail FROM audit_events ORDER BY id"
    ).fetchall()
    assert audit[-1]["action"] == "metrics.collect" and audit[-1]["actor_name"] == "ada"
    assert audit[-1]["detail"]["stored"] > 7 * 24
    run = conn.execute("SELECT job, error FROM job_runs").fetchone()
    assert run == {"job": "metrics_snapshots", "error": None}


def _link(user: SimulatedUser, marker: str) -> str:
    link = next(iter(user.find(marker=marker).elements))
    return str(link.props["href"])


async def test_the_csv_download_streams_the_range_shown_with_the_session(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    seed_with_a_gap(conn)
    await admin_user.open("/metrics")
    url = _link(admin_user, "metrics-export-csv")
    query = parse_qs(urlsplit(url).query)
    assert query["granularity"] == ["hourly"] and query["bom"] == ["1"]
    assert datetime.fromisoformat(query["end"][0]) == THIS_HOUR
    response = await admin_user.http_client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf# export: QA Arena metrics")
    assert response.headers["content-disposition"] == (
        'attachment; filename="arena-metrics-hourly-2026-11-23-2026-11-30.csv"'
    )
    lines = response.text.lstrip("\ufeff").splitlines()
    assert "submissions,hourly,2026-11-30T00:00:00Z,2026-11-30T09:00:00+09:00,5.0,3,," in lines
    assert "submissions,hourly,2026-11-30T01:00:00Z,2026-11-30T10:00:00+09:00,,,," in lines
    admin_user.find(marker="metrics-bom").click()
    plain = await admin_user.http_client.get(_link(admin_user, "metrics-export-csv"))
    assert plain.content.startswith(b"# export: QA Arena metrics")


async def test_a_bad_export_query_is_a_400_that_says_why(admin_user: SimulatedUser) -> None:
    response = await admin_user.http_client.get(
        "/metrics/export?format=csv&granularity=hourly&start=2026-11-20T00:00:00"
        "&end=2026-11-21T00:00:00Z"
    )
    assert response.status_code == 400
    assert "time zone" in response.text


async def test_the_pdf_download_is_a_pdf_attachment(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    seed_with_a_gap(conn)
    await admin_user.open("/metrics")
    set_value(admin_user, "metrics-granularity", "daily")
    await admin_user.should_see(marker="metrics-export-pdf")
    response = await admin_user.http_client.get(_link(admin_user, "metrics-export-pdf"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response.headers["content-disposition"].endswith('.pdf"')


EXPORT = (
    "/metrics/export?format=csv&granularity=daily"
    "&start=2026-11-01T00:00:00Z&end=2026-11-02T00:00:00Z"
)


async def test_the_download_is_refused_without_a_session(visitor: SimulatedUser) -> None:
    response = await visitor.http_client.get(EXPORT)
    assert response.status_code == 401


async def test_the_download_is_forbidden_to_an_author(author_user: SimulatedUser) -> None:
    response = await author_user.http_client.get(EXPORT)
    assert response.status_code == 403


async def test_an_author_is_sent_to_the_problems(author_user: SimulatedUser) -> None:
    await author_user.open("/metrics")
    await author_user.should_not_see(marker="metrics-status")
    await author_user.should_see("Problems")


async def test_a_visitor_is_sent_to_the_login(visitor: SimulatedUser) -> None:
    await visitor.open("/metrics")
    await visitor.should_see(marker="login-name")


async def test_the_page_speaks_korean(admin_user: SimulatedUser, conn: db.Connection) -> None:
    seed_with_a_gap(conn)
    conn.execute("UPDATE users SET locale = 'ko' WHERE name = 'ada'")
    await admin_user.open("/metrics")
    await admin_user.should_see("이전 기간과 비교")
    await admin_user.should_see("CSV 내려받기")
    chart = options(admin_user, "metrics-chart-rates")
    assert [s["name"] for s in chart["series"]] == ["성공률", "오류율"]
    assert "수집되지 않음" in chart["tooltip"][":formatter"]
