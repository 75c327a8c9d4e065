"""What the API and the console both show (appliance/metrics/reports.py), and the stored
latency thresholds (appliance/metrics/latency.py), against the real database."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest

from appliance import db
from appliance.accounts.users import User, authenticate, create_user
from appliance.metrics import latency, queries, reports
from appliance.metrics.periods import Span
from appliance.metrics.thresholds import JUDGE_DURATION_MS, Thresholds, ThresholdsRefused
from tests.metrics.conftest import NOW

HOUR = timedelta(hours=1)
THIS_HOUR = NOW.replace(minute=0, second=0)
SEOUL = ZoneInfo("Asia/Seoul")


def snapshot(conn: db.Connection, metric: str, start: object, value: float | None) -> None:
    queries.upsert_snapshot(
        conn,
        {
            "metric": metric,
            "granularity": "hourly",
            "bucket_start": start,
            "value": value,
            "n": 1,
            "sum": 0.0,
            "min": None,
            "max": None,
            "histogram": None,
            "collected_at": NOW,
        },
    )


def test_a_range_has_a_point_per_bucket_and_the_range_before_lined_up(
    conn: db.Connection,
) -> None:
    span = Span(THIS_HOUR - 3 * HOUR, THIS_HOUR)
    snapshot(conn, "submissions", span.start, 4.0)
    snapshot(conn, "submissions", span.start + 2 * HOUR, None)
    snapshot(conn, "submissions", span.start - 3 * HOUR, 9.0)
    found = reports.range_series(conn, ("submissions", "mean_score"), "hourly", span, SEOUL, True)
    assert found.previous == Span(span.start - 3 * HOUR, span.start)
    points = found.series["submissions"]
    assert [(p.value, p.collected) for p in points] == [(4.0, True), (None, False), (None, True)]
    assert (points[0].previous_at, points[0].previous) == (span.start - 3 * HOUR, 9.0)
    assert points[1].previous_collected is False
    assert not found.empty
    assert all(not p.collected for p in found.series["mean_score"])


def test_a_range_without_any_snapshot_is_empty(conn: db.Connection) -> None:
    span = Span(THIS_HOUR - 3 * HOUR, THIS_HOUR)
    assert reports.range_series(conn, ("submissions",), "hourly", span, SEOUL, False).empty


@pytest.fixture
def admin(conn: db.Connection) -> User:
    token = create_user(conn, "root", "admin")[1]
    return authenticate(conn, f"Bearer {token}")


def test_thresholds_start_at_the_shipped_defaults(conn: db.Connection) -> None:
    assert latency.stored_thresholds(conn, "problem") == JUDGE_DURATION_MS
    assert latency.stored_thresholds(conn, "model") == JUDGE_DURATION_MS


def test_an_edit_is_stored_for_its_key_kind_and_audited_with_old_and_new(
    conn: db.Connection, admin: User
) -> None:
    old = latency.edit_thresholds(conn, admin, "10.0.0.9", "problem", 300, 900, NOW)
    assert old == JUDGE_DURATION_MS
    assert latency.stored_thresholds(conn, "problem") == Thresholds(300.0, 900.0)
    assert latency.stored_thresholds(conn, "model") == JUDGE_DURATION_MS
    event = conn.execute(
        "SELECT actor_name, action, target, source, detail FROM audit_events"
    ).fetchone()
    assert event == {
        "actor_name": "root",
        "action": "latency.thresholds",
        "target": "problem",
        "source": "10.0.0.9",
        "detail": {
            "old": {"warning_ms": 1000.0, "danger_ms": 2000.0},
            "new": {"warning_ms": 300.0, "danger_ms": 900.0},
        },
    }


def test_a_refused_edit_stores_and_records_nothing(conn: db.Connection, admin: User) -> None:
    with pytest.raises(ThresholdsRefused):
        latency.edit_thresholds(conn, admin, "10.0.0.9", "problem", 900, 300, NOW)
    assert latency.stored_thresholds(conn, "problem") == JUDGE_DURATION_MS
    assert conn.execute("SELECT count(*) AS n FROM audit_events").fetchone() == {"n": 0}


def test_the_database_refuses_thresholds_out_of_order_too(conn: db.Connection) -> None:
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("UPDATE latency_thresholds SET warning_ms = danger_ms")
