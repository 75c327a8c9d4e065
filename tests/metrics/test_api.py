"""The metrics API (appliance/metrics/routes.py) on the real app, PostgreSQL and Redis: the
latest snapshots, series with gaps as null, week-on-week comparison (p95s from merged
histograms, never averaged), the collection status, latency per key and its history, and
the Prometheus exposition read back by Prometheus's own text parser. Admins only; every bad
parameter is a 400 with the error envelope. The API's clock is the tests' NOW."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families

from appliance import db
from appliance.accounts.users import authenticate
from appliance.metrics import collect, compare, latency, queries, routes
from appliance.metrics.collect import Retention
from appliance.metrics.histogram import Histogram
from appliance.metrics.percentiles import exact
from appliance.settings import Settings
from appliance.vocabulary import METRICS
from tests.conftest import bearer, make_settings
from tests.metrics.conftest import NOW, Clock, make_users, one

SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
SHORT = Retention(
    hourly=timedelta(days=2),
    daily=timedelta(days=4),
    failures=timedelta(days=30),
    job_runs=timedelta(days=30),
)
VALID = {
    "/api/v1/metrics/current": {},
    "/api/v1/metrics/timeseries": {"metric": "submissions"},
    "/api/v1/metrics/compare": {"metric": "submissions", "period": "week"},
    "/api/v1/metrics/status": {},
    "/api/v1/metrics/latency": {"by": "problem", "window": "1h"},
    "/api/v1/metrics/latency/history": {"hours": "24", "key": "mini-clamp"},
    "/metrics": {},
}


@pytest.fixture
def settings(database_url: str, redis_url: str) -> Settings:
    """Days in Seoul, whose day begins at 15:00 UTC: NOW is early Tuesday there."""
    return make_settings(database_url, redis_url, ARENA_TIMEZONE="Asia/Seoul")


@pytest.fixture(autouse=True)
def api_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routes, "now", lambda: NOW)


def get(api: TestClient[Any], token: str, path: str, **params: Any) -> Any:
    return api.get(path, params=params, headers=bearer(token))


def ok(api: TestClient[Any], token: str, path: str, **params: Any) -> Any:
    response = get(api, token, path, **params)
    assert response.status_code == 200, response.text
    return response.json()


def snapshot(conn: db.Connection, metric: str, granularity: str, start: datetime, value: Any,
             histogram: Histogram | None = None) -> None:  # fmt: skip
    queries.upsert_snapshot(
        conn,
        {
            "metric": metric,
            "granularity": granularity,
            "bucket_start": start,
            "value": value,
            "n": 1 if histogram is None else histogram.count,
            "sum": 0.0,
            "min": None,
            "max": None,
            "histogram": None if histogram is None else histogram.to_json(),
            "collected_at": start + timedelta(days=1),
        },
    )


def iso(moment: datetime) -> str:
    return moment.isoformat()


# -- who may ask -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", list(VALID))
def test_every_metrics_endpoint_needs_a_token(api: TestClient[Any], path: str) -> None:
    response = api.get(path, params=VALID[path])
    assert response.status_code == 401
    assert response.json()["type"] == "unauthorized"


@pytest.mark.parametrize("path", list(VALID))
def test_every_metrics_endpoint_is_refused_to_a_learner(
    api: TestClient[Any], learner_token: str, path: str
) -> None:
    response = get(api, learner_token, path, **VALID[path])
    assert response.status_code == 403
    assert set(response.json()) == {"detail", "type", "request_id"}


# -- bad parameters --------------------------------------------------------------------------

BAD = [
    ("/api/v1/metrics/timeseries", {}),
    ("/api/v1/metrics/timeseries", {"metric": "nope"}),
    ("/api/v1/metrics/timeseries", {"metric": "submissions\x00"}),
    ("/api/v1/metrics/timeseries", {"metric": "submissions", "granularity": "weekly"}),
    ("/api/v1/metrics/timeseries", {"metric": "submissions", "start": "2025-03-30T00:00:00"}),
    ("/api/v1/metrics/timeseries", {"metric": "submissions", "end": "2025-03-30T00:00:00"}),
    ("/api/v1/metrics/timeseries", {"metric": "submissions", "start": "2025-13-01T00:00:00Z"}),
    ("/api/v1/metrics/timeseries", {"metric": "submissions", "start": "yesterday"}),
    ("/api/v1/metrics/timeseries", {"metric": "submissions", "start": "9" * 40}),
    ("/api/v1/metrics/timeseries", {"metric": "submissions", "start": "1900-01-01T00:00:00Z"}),
    (
        "/api/v1/metrics/timeseries",
        {
            "metric": "submissions",
            "start": "2025-03-01T00:00:00Z",
            "end": "9999-12-31T23:59:59-23:59",
        },
    ),
    (  # end before start
        "/api/v1/metrics/timeseries",
        {"metric": "submissions", "start": "2025-03-30T00:00:00Z", "end": "2025-03-29T00:00:00Z"},
    ),
    (  # an empty range
        "/api/v1/metrics/timeseries",
        {
            "metric": "submissions",
            "start": "2025-03-30T09:00:00+09:00",
            "end": "2025-03-30T00:00:00Z",
        },
    ),
    (  # longer than the 30 days hourly snapshots are kept
        "/api/v1/metrics/timeseries",
        {"metric": "submissions", "start": "2025-02-28T00:00:00Z", "end": "2025-03-30T00:00:01Z"},
    ),
    (  # longer than the 90 days daily snapshots are kept
        "/api/v1/metrics/timeseries",
        {
            "metric": "submissions",
            "granularity": "daily",
            "start": "2024-12-01T00:00:00Z",
            "end": "2025-03-30T00:00:00Z",
        },
    ),
    ("/api/v1/metrics/compare", {"metric": "submissions", "period": "year"}),
    ("/api/v1/metrics/compare", {"metric": "submissions", "period": "week\x00"}),
    ("/api/v1/metrics/compare", {"metric": "p95"}),
    ("/api/v1/metrics/compare", {"metric": "submissions", "granularity": "minutely"}),
    ("/api/v1/metrics/status", {"limit": "0"}),
    ("/api/v1/metrics/status", {"limit": "101"}),
    ("/api/v1/metrics/status", {"limit": "1" + "0" * 30}),
    ("/api/v1/metrics/latency", {"by": "user"}),
    ("/api/v1/metrics/latency", {"window": "2h"}),
    ("/api/v1/metrics/latency", {"window": "90D"}),
    ("/api/v1/metrics/latency/history", {"hours": "24"}),
    ("/api/v1/metrics/latency/history", {"key": "mini-clamp", "hours": "0"}),
    ("/api/v1/metrics/latency/history", {"key": "mini-clamp", "hours": "2161"}),
    ("/api/v1/metrics/latency/history", {"key": "mini-clamp", "hours": "-1"}),
    ("/api/v1/metrics/latency/history", {"key": "mini-clamp", "hours": "9" * 30}),
    ("/api/v1/metrics/latency/history", {"key": "mini-clamp", "hours": "1.5"}),
    ("/api/v1/metrics/latency/history", {"key": "mini\x00clamp"}),
    ("/api/v1/metrics/latency/history", {"key": "k" * 201}),
    ("/api/v1/metrics/latency/history", {"key": "mini-clamp", "by": "team"}),
]


@pytest.mark.parametrize(("path", "params"), BAD)
def test_a_bad_parameter_is_a_400_with_the_error_envelope(
    api: TestClient[Any], admin_token: str, path: str, params: dict[str, str]
) -> None:
    response = get(api, admin_token, path, **params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["type"] == "bad_request" and body["detail"] and body["request_id"]


# -- current and timeseries ------------------------------------------------------------------


def test_current_gives_each_metrics_newest_hourly_snapshot(
    api: TestClient[Any], admin_token: str, conn: db.Connection, settings: Settings
) -> None:
    body = ok(api, admin_token, "/api/v1/metrics/current")
    assert body["granularity"] == "hourly"
    assert [m["metric"] for m in body["metrics"]] == list(METRICS)
    assert all(m["value"] is None and m["bucket_start"] is None for m in body["metrics"])

    user = make_users(conn, 1)[0]
    one(conn, user, NOW - 30 * MINUTE - HOUR, SECOND, 2 * SECOND)  # in the 13:00 hour
    clock = Clock(NOW)
    collect.collect_snapshots(conn, NOW, settings.timezone, SHORT, [].append, clock)
    body = ok(api, admin_token, "/api/v1/metrics/current")
    latest = {m["metric"]: m for m in body["metrics"]}
    hour = datetime(2025, 3, 31, 14, tzinfo=UTC)  # the last hour over by NOW
    for metric in METRICS:
        assert latest[metric]["bucket_start"] == "2025-03-31T14:00:00Z"
        assert latest[metric]["bucket_end"] == "2025-03-31T15:00:00Z"
        assert latest[metric]["collected_at"] == "2025-03-31T15:07:30Z"
    stored = conn.execute(
        "SELECT metric, value, n FROM metric_snapshots WHERE granularity = 'hourly'"
        " AND bucket_start = %s",
        (hour,),
    ).fetchall()
    assert {r["metric"]: (r["value"], r["n"]) for r in stored} == {
        m: (latest[m]["value"], latest[m]["n"]) for m in METRICS
    }
    assert latest["submissions"]["value"] == 0.0  # the one submission was created at 13:37


def test_timeseries_shows_a_missed_collection_as_null(
    api: TestClient[Any], admin_token: str, conn: db.Connection
) -> None:
    start = datetime(2025, 3, 31, 9, tzinfo=UTC)
    for hour, value in [(0, 3.0), (1, 5.0), (3, 2.0)]:
        snapshot(conn, "submissions", "hourly", start + hour * HOUR, value)
    snapshot(conn, "judge_duration_p95", "hourly", start + 2 * HOUR, None)
    body = ok(
        api,
        admin_token,
        "/api/v1/metrics/timeseries",
        metric="submissions",
        granularity="hourly",
        start="2025-03-31T18:00:00+09:00",  # 09:00 UTC
        end=iso(start + 4 * HOUR),
    )
    assert body["start"] == "2025-03-31T09:00:00Z" and body["end"] == "2025-03-31T13:00:00Z"
    assert [(p["value"], p["collected"]) for p in body["points"]] == [
        (3.0, True),
        (5.0, True),
        (None, False),  # the gap: another metric's row does not fill it
        (2.0, True),
    ]
    assert [p["bucket_start"] for p in body["points"]] == [
        f"2025-03-31T{h:02d}:00:00Z" for h in range(9, 13)
    ]


def test_a_collected_bucket_with_nothing_to_measure_is_null_but_collected(
    api: TestClient[Any], admin_token: str, conn: db.Connection
) -> None:
    start = datetime(2025, 3, 31, 9, tzinfo=UTC)
    snapshot(conn, "queue_wait_p95", "hourly", start, None, Histogram.of([]))
    body = ok(
        api,
        admin_token,
        "/api/v1/metrics/timeseries",
        metric="queue_wait_p95",
        start=iso(start),
        end=iso(start + 2 * HOUR),
    )
    assert [(p["value"], p["collected"]) for p in body["points"]] == [(None, True), (None, False)]


def test_daily_points_are_the_display_zones_days_and_default_to_the_last_week(
    api: TestClient[Any], admin_token: str, conn: db.Connection
) -> None:
    seoul_monday = datetime(2025, 3, 30, 15, tzinfo=UTC)
    snapshot(conn, "mean_score", "daily", seoul_monday, 71.5)
    body = ok(
        api, admin_token, "/api/v1/metrics/timeseries", metric="mean_score", granularity="daily"
    )
    assert body["timezone"] == "Asia/Seoul"
    assert body["start"] == iso(NOW - timedelta(days=7)).replace("+00:00", "Z")
    starts = [p["bucket_start"] for p in body["points"]]
    assert len(starts) == 7 and all(s.endswith("T15:00:00Z") for s in starts)
    assert body["points"][-1]["bucket_start"] == "2025-03-31T15:00:00Z"  # today, in Seoul
    assert body["points"][-2] == {
        "bucket_start": "2025-03-30T15:00:00Z",
        "value": 71.5,
        "collected": True,
    }


def test_the_longest_range_is_the_retention_of_its_granularity(
    api: TestClient[Any], admin_token: str
) -> None:
    body = ok(
        api,
        admin_token,
        "/api/v1/metrics/timeseries",
        metric="active_users",
        start="2025-03-01T00:00:00Z",
        end="2025-03-31T00:00:00Z",
    )
    assert len(body["points"]) == 30 * 24
    assert all(p["value"] is None and not p["collected"] for p in body["points"])


# -- compare -----------------------------------------------------------------------------------

# NOW is Tuesday 00:07 in Seoul: the current week began on Monday (15:00 UTC on Sunday).
THIS_MONDAY = datetime(2025, 3, 30, 15, tzinfo=UTC)
LAST_MONDAY = THIS_MONDAY - timedelta(days=7)


def test_compare_puts_last_week_on_this_weeks_axis_with_both_averages(
    api: TestClient[Any], admin_token: str, conn: db.Connection
) -> None:
    snapshot(conn, "submissions", "daily", THIS_MONDAY, 10.0)
    snapshot(conn, "submissions", "daily", LAST_MONDAY, 8.0)
    snapshot(conn, "submissions", "daily", LAST_MONDAY + timedelta(days=1), 4.0)
    snapshot(conn, "submissions", "daily", LAST_MONDAY - timedelta(days=1), 99.0)  # the week before
    body = ok(api, admin_token, "/api/v1/metrics/compare", metric="submissions", period="week")
    assert (body["current_start"], body["current_end"]) == (
        "2025-03-30T15:00:00Z",
        "2025-04-06T15:00:00Z",
    )
    assert (body["previous_start"], body["previous_end"]) == (
        "2025-03-23T15:00:00Z",
        "2025-03-30T15:00:00Z",
    )
    points = body["points"]
    assert len(points) == 7
    assert points[0] == {
        "at": "2025-03-30T15:00:00Z",
        "current": 10.0,
        "previous": 8.0,
        "previous_at": "2025-03-23T15:00:00Z",
    }
    assert (points[1]["current"], points[1]["previous"]) == (None, 4.0)
    assert all(p["current"] is None and p["previous"] is None for p in points[2:])
    assert (body["current_average"], body["previous_average"]) == (10.0, 6.0)
    assert body["change_percent"] == pytest.approx(200 / 3)
    assert body["merged_p95"] is False and body["granularity"] == "daily"


def test_compare_reads_a_periods_p95_from_merged_histograms_never_from_a_mean_of_p95s(
    api: TestClient[Any], admin_token: str, conn: db.Connection
) -> None:
    monday, tuesday = [100.0] * 10, [1000.0] * 10
    this_week = [100.0] * 19 + [5000.0]
    for start, values in [
        (LAST_MONDAY, monday),
        (LAST_MONDAY + timedelta(days=1), tuesday),
        (THIS_MONDAY, this_week),
    ]:
        histogram = Histogram.of(values)
        snapshot(conn, "judge_duration_p95", "daily", start, exact(values).p95, histogram)
    body = ok(
        api, admin_token, "/api/v1/metrics/compare", metric="judge_duration_p95", period="week"
    )
    assert body["merged_p95"] is True
    mean_of_p95s = (exact(monday).p95 + exact(tuesday).p95) / 2  # type: ignore[operator]
    assert mean_of_p95s == 550.0
    assert body["previous_average"] == pytest.approx(1000.0, rel=0.01)
    assert body["previous_average"] == Histogram.of(monday + tuesday).quantile(0.95)
    assert body["current_average"] == Histogram.of(this_week).quantile(0.95)
    assert body["current_average"] == pytest.approx(exact(this_week).p95, rel=0.01)
    assert body["change_percent"] == compare.change_percent(
        body["current_average"], body["previous_average"]
    )
    # The points stay each day's own p95.
    assert body["points"][0]["current"] == exact(this_week).p95
    assert body["points"][1]["previous"] == 1000.0


def test_compare_by_month_pairs_days_of_the_month(
    api: TestClient[Any], admin_token: str, conn: db.Connection
) -> None:
    # Seoul's April began at NOW's midnight; March 1 (Seoul) is the previous month's first day.
    snapshot(conn, "error_rate", "daily", datetime(2025, 3, 31, 15, tzinfo=UTC), 0.5)
    snapshot(conn, "error_rate", "daily", datetime(2025, 2, 28, 15, tzinfo=UTC), 0.25)
    body = ok(api, admin_token, "/api/v1/metrics/compare", metric="error_rate", period="month")
    assert body["current_start"] == "2025-03-31T15:00:00Z"
    assert body["previous_start"] == "2025-02-28T15:00:00Z"
    assert len(body["points"]) == 30
    assert body["points"][0]["previous_at"] == "2025-02-28T15:00:00Z"
    assert body["change_percent"] == pytest.approx(100.0)


# -- status ------------------------------------------------------------------------------------


def job_run(conn: db.Connection, job: str, finished_at: datetime, error: str | None = None) -> None:
    conn.execute(
        "INSERT INTO job_runs (job, started_at, finished_at, rows, error) VALUES (%s, %s, %s, %s, %s)",
        (job, finished_at - SECOND, finished_at, None if error else 1, error),
    )


def bucket_failure(conn: db.Connection, failed_at: datetime) -> None:
    queries.record_failure(
        conn,
        {
            "metric": "queue_wait_p95",
            "granularity": "hourly",
            "bucket_start": datetime(2025, 3, 31, 12, tzinfo=UTC),
            "attempts": 3,
            "error": "OperationalError: canceled",
            "failed_at": failed_at,
        },
    )


def test_status_without_any_run_is_failing(api: TestClient[Any], admin_token: str) -> None:
    body = ok(api, admin_token, "/api/v1/metrics/status")
    assert body == {
        "status": "failing",
        "last_collection_at": None,
        "last_success_at": None,
        "next_collection_at": "2025-03-31T16:02:00Z",
        "failure_count_24h": 0,
        "recent_failures": [],
    }


def test_status_is_judged_by_the_freshest_job_and_the_failures_of_a_day(
    api: TestClient[Any], admin_token: str, conn: db.Connection
) -> None:
    job_run(conn, "metrics_snapshots", NOW - 67 * MINUTE)  # the hourly run, over an hour ago
    job_run(conn, "metrics_latency", NOW - 3 * MINUTE)
    job_run(conn, "metrics_snapshots", NOW - 7 * MINUTE, "OperationalError: the server closed")
    bucket_failure(conn, NOW - HOUR)
    bucket_failure(conn, NOW - 25 * HOUR)  # older than a day: listed, not counted
    job_run(conn, "reap", NOW - MINUTE, "not a metrics job")
    body = ok(api, admin_token, "/api/v1/metrics/status")
    assert body["status"] == "healthy"
    assert body["last_collection_at"] == "2025-03-31T14:00:30Z"
    assert body["last_success_at"] == "2025-03-31T15:04:30Z"
    assert body["failure_count_24h"] == 2
    failures = body["recent_failures"]
    assert [f["failed_at"] for f in failures] == [
        "2025-03-31T15:00:30Z",
        "2025-03-31T14:07:30Z",
        "2025-03-30T14:07:30Z",
    ]
    assert failures[0] == {
        "job": "metrics_snapshots",
        "metric": None,
        "granularity": None,
        "bucket_start": None,
        "error": "OperationalError: the server closed",
        "failed_at": "2025-03-31T15:00:30Z",
    }
    assert failures[1]["metric"] == "queue_wait_p95"
    assert failures[1]["bucket_start"] == "2025-03-31T12:00:00Z"
    assert len(ok(api, admin_token, "/api/v1/metrics/status", limit=1)["recent_failures"]) == 1

    bucket_failure(conn, NOW - 2 * HOUR)  # the third in a day
    assert ok(api, admin_token, "/api/v1/metrics/status")["status"] == "degraded"
    for _ in range(8):
        bucket_failure(conn, NOW - 3 * HOUR)
    assert ok(api, admin_token, "/api/v1/metrics/status")["failure_count_24h"] == 11
    assert ok(api, admin_token, "/api/v1/metrics/status")["status"] == "failing"


def test_status_reads_the_runs_the_real_jobs_record(
    api: TestClient[Any], admin_token: str, conn: db.Connection, database_url: str, redis_url: str
) -> None:
    short = make_settings(
        database_url,
        redis_url,
        ARENA_METRICS_HOURLY_RETENTION_DAYS="1",
        ARENA_METRICS_DAILY_RETENTION_DAYS="2",
    )
    collect.snapshot_job(conn, short, Clock(NOW - 20 * MINUTE), lambda _: None)
    body = ok(api, admin_token, "/api/v1/metrics/status")
    assert body["last_collection_at"] == body["last_success_at"] == "2025-03-31T14:47:30Z"
    assert body["status"] == "degraded"  # 20 minutes without a success
    collect.latency_job(conn, short, Clock(NOW - 2 * MINUTE))
    body = ok(api, admin_token, "/api/v1/metrics/status")
    assert (body["status"], body["last_success_at"]) == ("healthy", "2025-03-31T15:05:30Z")
    assert body["last_collection_at"] == "2025-03-31T14:47:30Z"


# -- latency -----------------------------------------------------------------------------------


def judged(conn: db.Connection) -> list[float]:
    """Ten mini-clamp submissions judged in the 14:00 hour (500 to 1400 ms) and one at
    15:03: the judge durations, in ms."""
    user = make_users(conn, 1)[0]
    durations = [500.0 + 100 * i for i in range(10)]
    for i, ms in enumerate(durations):
        one(conn, user, NOW - 50 * MINUTE + i * MINUTE, SECOND, timedelta(milliseconds=ms))
    one(conn, user, NOW - 5 * MINUTE, SECOND, timedelta(milliseconds=800))
    return [*durations, 800.0]


def test_latency_per_problem_has_exact_percentiles_a_level_and_a_stale_flag(
    api: TestClient[Any], admin_token: str, conn: db.Connection
) -> None:
    durations = judged(conn)
    body = ok(api, admin_token, "/api/v1/metrics/latency", by="problem", window="1h")
    assert (body["by"], body["window"], body["exact"]) == ("problem", "1h", True)
    assert (body["warning_from_ms"], body["danger_from_ms"]) == (1000.0, 2000.0)
    assert body["end"] == "2025-03-31T15:07:30Z" and body["start"] == "2025-03-31T14:07:30Z"
    items = {item["key"]: item for item in body["items"]}
    assert set(items) == {"mini-clamp", "mini-clamp-fast", "mini-clamp-hidden"}
    want = exact(durations)
    clamp = items["mini-clamp"]
    assert (clamp["p50_ms"], clamp["p95_ms"], clamp["p99_ms"], clamp["count"]) == (
        want.p50,
        want.p95,
        want.p99,
        11,
    )
    assert clamp["level"] == "warning" and clamp["stale"] is False
    assert items["mini-clamp-fast"] == {
        "key": "mini-clamp-fast",
        "p50_ms": None,
        "p95_ms": None,
        "p99_ms": None,
        "count": 0,
        "newest_at": None,
        "stale": True,
        "level": None,
    }
    five = ok(api, admin_token, "/api/v1/metrics/latency", window="5m")
    assert {i["key"]: i["count"] for i in five["items"]}["mini-clamp"] == 1


def test_latency_levels_follow_the_thresholds_an_admin_stored(
    api: TestClient[Any], admin_token: str, conn: db.Connection
) -> None:
    judged(conn)
    admin = authenticate(conn, f"Bearer {admin_token}")
    latency.edit_thresholds(conn, admin, "127.0.0.1", "problem", 2000.0, 3000.0, NOW)
    body = ok(api, admin_token, "/api/v1/metrics/latency", window="1h")
    assert (body["warning_from_ms"], body["danger_from_ms"]) == (2000.0, 3000.0)
    clamp = next(item for item in body["items"] if item["key"] == "mini-clamp")
    assert clamp["level"] == "good"


def test_latency_over_90_days_comes_from_the_rollups(
    api: TestClient[Any], admin_token: str, conn: db.Connection
) -> None:
    durations = judged(conn)
    collect.collect_latency(conn, NOW, SHORT)
    body = ok(api, admin_token, "/api/v1/metrics/latency", window="90d")
    assert body["exact"] is False
    clamp = next(item for item in body["items"] if item["key"] == "mini-clamp")
    assert clamp["count"] == len(durations)
    assert clamp["p95_ms"] == pytest.approx(exact(durations).p95, rel=0.01)


def test_latency_by_model_is_an_empty_list_before_any_model_sample(
    api: TestClient[Any], admin_token: str, conn: db.Connection
) -> None:
    judged(conn)
    body = ok(api, admin_token, "/api/v1/metrics/latency", by="model", window="24h")
    assert body["items"] == [] and body["by"] == "model"


def test_latency_history_gives_each_hour_with_null_for_idle_ones(
    api: TestClient[Any], admin_token: str, conn: db.Connection
) -> None:
    durations = judged(conn)
    collect.collect_latency(conn, NOW, SHORT)
    body = ok(api, admin_token, "/api/v1/metrics/latency/history", hours=3, key="mini-clamp")
    assert (body["key"], body["hours"], body["by"]) == ("mini-clamp", 3, "problem")
    points = body["points"]
    assert [p["start"] for p in points] == [
        "2025-03-31T13:00:00Z",
        "2025-03-31T14:00:00Z",
        "2025-03-31T15:00:00Z",
    ]
    assert points[0] == {"start": points[0]["start"], "p50_ms": None, "p95_ms": None,
                         "p99_ms": None, "count": 0}  # fmt: skip
    assert points[1]["count"] == 10 and points[2]["count"] == 1
    assert points[1]["p95_ms"] == pytest.approx(exact(durations[:10]).p95, rel=0.01)
    assert points[2]["p50_ms"] == pytest.approx(800.0, rel=0.01)
    longest = ok(api, admin_token, "/api/v1/metrics/latency/history", hours=2160, key="x y")
    assert len(longest["points"]) == 2160 and all(p["count"] == 0 for p in longest["points"])


# -- Prometheus ------------------------------------------------------------------------------


def scrape(api: TestClient[Any], token: str) -> dict[str, Any]:
    response = get(api, token, "/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return {family.name: family for family in text_string_to_metric_families(response.text)}


def buckets(family: Any) -> dict[str, float]:
    return {s.labels["le"]: s.value for s in family.samples if s.name.endswith("_bucket")}


def single(family: Any, suffix: str) -> float:
    return next(s.value for s in family.samples if s.name == family.name + suffix)


def test_metrics_exposes_cumulative_histograms_and_counts_from_the_database(
    api: TestClient[Any], admin_token: str, conn: db.Connection
) -> None:
    before = scrape(api, admin_token)
    assert single(before["arena_judge_duration_seconds"], "_count") == 0
    user = make_users(conn, 1)[0]
    at = NOW - HOUR
    for wait, duration in [(0.001, 0.05), (0.5, 1.0), (2.0, 1.5), (7200.0, 400.0)]:
        one(conn, user, at, timedelta(seconds=wait), timedelta(seconds=duration))
    one(conn, user, at)  # still PENDING: in no histogram
    families = scrape(api, admin_token)

    judge = families["arena_judge_duration_seconds"]
    assert judge.type == "histogram"
    assert buckets(judge) == {
        "0.1": 1, "0.25": 1, "0.5": 1, "1.0": 2, "2.0": 3, "5.0": 3, "10.0": 3,
        "30.0": 3, "60.0": 3, "120.0": 3, "300.0": 3, "+Inf": 4,
    }  # fmt: skip
    assert single(judge, "_count") == 4
    assert single(judge, "_sum") == pytest.approx(402.55)
    wait = families["arena_queue_wait_seconds"]
    assert buckets(wait) == {
        "0.01": 1, "0.05": 1, "0.1": 1, "0.25": 1, "0.5": 2, "1.0": 2, "5.0": 3, "10.0": 3,
        "30.0": 3, "60.0": 3, "300.0": 3, "3600.0": 3, "+Inf": 4,
    }  # fmt: skip
    assert single(wait, "_sum") == pytest.approx(7202.501)
    for family in (judge, wait):
        counts = list(buckets(family).values())
        assert counts == sorted(counts) and counts[-1] == single(family, "_count")

    by_status = {s.labels["status"]: s.value for s in families["arena_submissions"].samples}
    assert by_status == {"PENDING": 1, "RUNNING": 0, "SUCCESS": 4, "FAILURE": 0, "ERROR": 0}
    assert families["arena_pending_submissions"].samples[0].value == 1
    assert families["arena_redis_up"].samples[0].value == 1
    queue_length = families["arena_rq_queue_length"].samples[0]
    assert (queue_length.labels, queue_length.value) == ({"queue": "judge"}, 0)


def test_metrics_stays_out_of_the_json_api_document(api: TestClient[Any]) -> None:
    paths = api.get("/schema/openapi.json").json()["paths"]
    assert "/metrics" not in paths
    assert {p for p in VALID if p != "/metrics"} <= set(paths)
