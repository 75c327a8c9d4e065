"""HTTP edge of the metrics (issue 8), for admins: the latest snapshots, a series with its
gaps, this period against the previous one, whether collection keeps up, latency
percentiles per key, and the Prometheus exposition at `/metrics`.

A bad metric, range or parameter is a 400 with the error envelope (api.py), never a 500:
Litestar checks the types and bounds of the parameters, and `_bad` refuses what only the
handler can judge (a naive moment, an end before its start, a range past retention)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated

import msgspec
import redis
from litestar import Response, get
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter

from appliance import queue
from appliance.accounts.routes import require_admin
from appliance.db import Connection, Row
from appliance.injected import Broker, Config, CurrentUser, Db
from appliance.metrics import compare, exposition, queries, reports
from appliance.metrics.exposition import BucketCount
from appliance.metrics.histogram import Histogram, merge_all
from appliance.metrics.percentiles import P95
from appliance.metrics.periods import Span, bucket_starts, period_span, previous_span
from appliance.metrics.reports import (
    CollectionStatusReport,
    LatencyHistory,
    LatencyReport,
    ModelLatencyReport,
)
from appliance.responses import errors
from appliance.settings import Settings
from appliance.vocabulary import (
    METRICS,
    Granularity,
    KeyKind,
    LatencyWindow,
    Metric,
    Period,
)

log = logging.getLogger(__name__)
Bounds = tuple[float, ...]

# The two metrics whose value is a percentile: a period's is read from its buckets'
# merged histograms, never averaged.
PERCENTILE_METRICS: frozenset[Metric] = frozenset({"judge_duration_p95", "queue_wait_p95"})
MAX_HISTORY_HOURS = 2160  # 90 days
MAX_RECENT_FAILURES = 100
DEFAULT_SPAN = timedelta(days=7)
# Moments a range may name: well around the appliance's life, and far from the ends of
# Python's datetime, so no bucket arithmetic can overflow.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
MetricKey = Annotated[
    str, QueryParameter(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
]


def now() -> datetime:
    """The API's clock; the tests set their own."""
    return datetime.now(UTC)


# -- response bodies -----------------------------------------------------------------------


class LatestValue(msgspec.Struct):
    """A metric's newest hourly snapshot. `value` is null when that hour had nothing to
    measure (e.g. no judged submission for a p95); every field but `metric` is null when
    the metric was never collected. Durations are in milliseconds, rates 0 to 1."""

    metric: Metric
    value: float | None
    n: int | None  # the samples behind the value
    bucket_start: datetime | None
    bucket_end: datetime | None
    collected_at: datetime | None


class CurrentMetrics(msgspec.Struct):
    granularity: Granularity
    metrics: list[LatestValue]


class SeriesPoint(msgspec.Struct):
    """`collected` false is a missed collection (a gap); true with a null value, a bucket
    that had nothing to measure."""

    bucket_start: datetime
    value: float | None
    collected: bool


class Timeseries(msgspec.Struct):
    metric: Metric
    granularity: Granularity
    start: datetime
    end: datetime
    timezone: str  # where daily buckets begin (ARENA_TIMEZONE); hourly ones are UTC hours
    points: list[SeriesPoint]


class ComparedPoint(msgspec.Struct):
    """A bucket of the current period and its partner of the previous one (`previous_at`),
    drawn at the same place on the current axis."""

    at: datetime
    current: float | None
    previous: float | None
    previous_at: datetime | None


class PeriodComparison(msgspec.Struct):
    """`current_average` and `previous_average` are the means of each period's buckets,
    except when `merged_p95` is true (the two p95 metrics): they are then each period's
    p95 read from its buckets' merged histograms, since a mean of p95s is no p95.
    `change_percent` is their change relative to the previous one."""

    metric: Metric
    period: Period
    granularity: Granularity
    timezone: str
    current_start: datetime
    current_end: datetime
    previous_start: datetime
    previous_end: datetime
    points: list[ComparedPoint]
    current_average: float | None
    previous_average: float | None
    change_percent: float | None
    merged_p95: bool


# -- parameters ----------------------------------------------------------------------------


def _bad(key: str, message: str) -> ValidationException:
    """A parameter only the handler can judge: a 400 like the ones Litestar raises."""
    return ValidationException(
        detail=f"{key}: {message}", extra=[{"key": key, "source": "query", "message": message}]
    )


def _moment(key: str, value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise _bad(key, "give a time zone offset (e.g. 2025-03-01T00:00:00+09:00 or ...Z)")
    if not EARLIEST <= value <= LATEST:
        raise _bad(key, f"must lie between {EARLIEST.isoformat()} and {LATEST.isoformat()}")
    return value.astimezone(UTC)


def _range(start: datetime | None, end: datetime | None, keep: timedelta, at: datetime) -> Span:
    """[start, end) checked: aware, start before end, no longer than retention `keep`.
    By default the last week (or all of a shorter retention) up to now."""
    last = at if end is None else _moment("end", end)
    first = last - min(DEFAULT_SPAN, keep) if start is None else _moment("start", start)
    if first >= last:
        raise _bad("start", "must be before end")
    if last - first > keep:
        raise _bad("end", f"a range is at most the retention of its granularity, {keep.days} days")
    return Span(first, last)


def _retention(settings: Settings, granularity: Granularity) -> timedelta:
    days = (
        settings.metrics_hourly_retention_days
        if granularity == "hourly"
        else settings.metrics_daily_retention_days
    )
    return timedelta(days=days)


# -- snapshots -----------------------------------------------------------------------------


@get("/api/v1/metrics/current", sync_to_thread=True, responses=errors(400, 401, 403))
def current_metrics(user: CurrentUser, conn: Db) -> CurrentMetrics:
    """The newest hourly snapshot of each metric and when it was taken."""
    require_admin(user)
    rows = {row["metric"]: row for row in queries.latest_snapshots(conn, "hourly")}
    return CurrentMetrics("hourly", [_latest(metric, rows.get(metric)) for metric in METRICS])


def _latest(metric: Metric, row: Row | None) -> LatestValue:
    if row is None:
        return LatestValue(metric, None, None, None, None, None)
    start = row["bucket_start"]
    end = start + timedelta(hours=1)
    return LatestValue(metric, row["value"], row["n"], start, end, row["collected_at"])


@get("/api/v1/metrics/timeseries", sync_to_thread=True, responses=errors(400, 401, 403))
def timeseries(
    user: CurrentUser,
    conn: Db,
    settings: Config,
    metric: Annotated[Metric, QueryParameter()],
    granularity: Annotated[Granularity, QueryParameter()] = "hourly",
    start: Annotated[datetime | None, QueryParameter()] = None,
    end: Annotated[datetime | None, QueryParameter()] = None,
) -> Timeseries:
    """One metric's buckets in [start, end) (ISO 8601 with an offset; by default the last
    7 days, at most the granularity's retention), with a null point for every bucket that
    was not collected."""
    require_admin(user)
    span = _range(start, end, _retention(settings, granularity), now())
    rows = {
        row["bucket_start"]: row
        for row in queries.snapshot_values(conn, metric, granularity, span.start, span.end)
    }
    zone = settings.timezone
    points = [
        SeriesPoint(at, rows[at]["value"] if at in rows else None, at in rows)
        for at in bucket_starts(span.start, span.end, granularity, zone)
    ]
    return Timeseries(metric, granularity, span.start, span.end, zone.key, points)


@get("/api/v1/metrics/compare", sync_to_thread=True, responses=errors(400, 401, 403))
def compare_periods(
    user: CurrentUser,
    conn: Db,
    settings: Config,
    metric: Annotated[Metric, QueryParameter()],
    period: Annotated[Period, QueryParameter()] = "week",
    granularity: Annotated[Granularity, QueryParameter()] = "daily",
) -> PeriodComparison:
    """This calendar week or month (display time zone) beside the previous one, shifted
    onto the current axis, with both periods' averages and the change in percent."""
    require_admin(user)
    at, zone = now(), settings.timezone
    current = period_span(period, at, zone)
    previous = previous_span(period, current, zone)
    rows = queries.snapshot_values(conn, metric, granularity, previous.start, current.end)
    values = {row["bucket_start"]: row["value"] for row in rows if row["value"] is not None}
    result = compare.compare(period, granularity, at, zone, values)
    averages = (result.current_average, result.previous_average)
    if metric in PERCENTILE_METRICS:
        histograms = queries.snapshot_histograms(
            conn, metric, granularity, previous.start, current.end
        )
        averages = (_period_p95(histograms, current), _period_p95(histograms, previous))
    return PeriodComparison(
        metric,
        period,
        granularity,
        zone.key,
        current.start,
        current.end,
        previous.start,
        previous.end,
        [ComparedPoint(p.at, p.current, p.previous, p.previous_at) for p in result.points],
        averages[0],
        averages[1],
        compare.change_percent(*averages),
        metric in PERCENTILE_METRICS,
    )


def _period_p95(rows: list[Row], span: Span) -> float | None:
    """The p95 of every duration in the period's buckets, from their merged histograms."""
    merged = merge_all(
        Histogram.from_json(r["histogram"]) for r in rows if r["bucket_start"] in span
    )
    return merged.quantile(P95)


# -- collection status ---------------------------------------------------------------------


@get("/api/v1/metrics/status", sync_to_thread=True, responses=errors(400, 401, 403))
def collection_status(
    user: CurrentUser,
    conn: Db,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_RECENT_FAILURES)] = 20,
) -> CollectionStatusReport:
    """Whether collection keeps up: healthy, degraded or failing (see metrics/status.py),
    the last and next snapshot run, and the newest `limit` failures."""
    require_admin(user)
    return reports.collection_status(conn, now(), limit)


# -- latency -------------------------------------------------------------------------------


@get("/api/v1/metrics/latency", sync_to_thread=True, responses=errors(400, 401, 403))
def latency_percentiles(
    user: CurrentUser,
    conn: Db,
    by: Annotated[KeyKind, QueryParameter()] = "problem",
    window: Annotated[LatencyWindow, QueryParameter()] = "1h",
) -> LatencyReport:
    """p50, p95 and p99 of the judge duration per key over the window ending now, each
    with the level of its p95 and a stale flag."""
    require_admin(user)
    try:
        return reports.latency_report(conn, by, window, now())
    except ValueError as exc:
        raise _bad("window", str(exc)) from exc


@get("/api/v1/metrics/latency/history", sync_to_thread=True, responses=errors(400, 401, 403))
def latency_history(
    user: CurrentUser,
    conn: Db,
    key: MetricKey,
    hours: Annotated[int, QueryParameter(ge=1, le=MAX_HISTORY_HOURS)] = 24,
    by: Annotated[KeyKind, QueryParameter()] = "problem",
) -> LatencyHistory:
    """The p50/p95/p99 of one key for each of the last `hours` UTC hours, from the hourly
    rollups (as fresh as the last 5-minute latency run)."""
    require_admin(user)
    return reports.latency_history(conn, by, key, hours, now())


@get("/api/v1/metrics/models/latency", sync_to_thread=True, responses=errors(400, 401, 403))
def model_latency(
    user: CurrentUser,
    conn: Db,
    window: Annotated[LatencyWindow, QueryParameter()] = "1h",
) -> ModelLatencyReport:
    """p50, p95 and p99 of the requests the appliance made to each model version
    (evaluation samples and AI feedback) over the window ending now, with tokens per second,
    errors, the level of its p95 and a stale flag. (`latency?by=model` is the latency a
    customer's Prometheus measured.)"""
    require_admin(user)
    return reports.model_latency_report(conn, window, now())


@get(
    "/api/v1/metrics/models/latency/history",
    sync_to_thread=True,
    responses=errors(400, 401, 403),
)
def model_latency_history(
    user: CurrentUser,
    conn: Db,
    key: MetricKey,
    hours: Annotated[int, QueryParameter(ge=1, le=MAX_HISTORY_HOURS)] = 24,
) -> LatencyHistory:
    """The request p50/p95/p99 of one model version (`name@number`) for each of the last
    `hours` UTC hours, from the hourly rollups (as fresh as the last latency run)."""
    require_admin(user)
    return reports.model_latency_history(conn, key, hours, now())


# -- Prometheus ----------------------------------------------------------------------------


# Left out of the OpenAPI document: it is Prometheus's text format, not a JSON body.
@get("/metrics", sync_to_thread=True, include_in_schema=False)
def prometheus_metrics(user: CurrentUser, conn: Db, broker: Broker) -> Response[str]:
    """The Prometheus exposition, for a scraper holding an admin token (Prometheus's
    `authorization: {credentials_file: ...}`)."""
    require_admin(user)
    scrape = exposition.Scrape(
        judge_duration=_histogram(
            conn, queries.judge_duration_buckets, exposition.JUDGE_DURATION_BOUNDS_S
        ),
        queue_wait=_histogram(conn, queries.queue_wait_buckets, exposition.QUEUE_WAIT_BOUNDS_S),
        by_status={row["status"]: row["n"] for row in queries.submissions_by_status(conn)},
        rq_queue_length=_queue_length(broker),
    )
    return Response(exposition.render(scrape), media_type=exposition.CONTENT_TYPE)


def _histogram(
    conn: Connection, read: Callable[[Connection, list[float]], list[Row]], bounds_s: Bounds
) -> exposition.CumulativeHistogram:
    rows = read(conn, exposition.negated_bounds_ms(bounds_s))
    return exposition.cumulative(
        bounds_s, (BucketCount(r["at_or_above"], r["n"], r["total_ms"]) for r in rows)
    )


def _queue_length(broker: Broker) -> int | None:
    """Jobs waiting in Redis, or None when it does not answer: PostgreSQL's PENDING count
    is the truth either way."""
    try:
        return int(queue.judge_queue(broker).count)
    except redis.RedisError as exc:
        log.warning("/metrics without the RQ queue length: %s", exc)
        return None


handlers = [
    current_metrics,
    timeseries,
    compare_periods,
    collection_status,
    latency_percentiles,
    latency_history,
    model_latency,
    model_latency_history,
    prometheus_metrics,
]
