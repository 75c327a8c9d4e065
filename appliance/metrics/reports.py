"""What the metrics API (routes.py) and the console's metrics and latency pages show: the
collection status, latency per key and its history, and the series of a range beside the
range before it. Plain functions of a connection and a moment, so the route and the page
call the same code; the route keeps only its parameters and its HTTP errors."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec

from appliance.db import Connection
from appliance.metrics import collect, latency, prometheus, queries, status
from appliance.metrics.percentiles import Percentiles
from appliance.metrics.periods import Span, bucket_starts, shifted_back
from appliance.vocabulary import (
    CollectionStatus,
    Granularity,
    KeyKind,
    LatencyWindow,
    Level,
    Metric,
)

# Latency windows as the issue names them.
WINDOWS: dict[LatencyWindow, timedelta] = {
    "5m": timedelta(minutes=5),
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}


# -- collection status ---------------------------------------------------------------------


class CollectionFailure(msgspec.Struct):
    """A bucket that could not be collected (metric, granularity and bucket_start set), or
    a job run that ended in an error (those three null)."""

    job: str
    metric: Metric | None
    granularity: Granularity | None
    bucket_start: datetime | None
    error: str
    failed_at: datetime


class CollectionStatusReport(msgspec.Struct):
    """`last_collection_at`: the last successful snapshot run; `last_success_at`: the last
    successful run of any metrics job (latency every 5 minutes), which `status` is judged
    by; `failure_count_24h`: buckets that failed plus job runs that failed."""

    status: CollectionStatus
    last_collection_at: datetime | None
    last_success_at: datetime | None
    next_collection_at: datetime
    failure_count_24h: int
    recent_failures: list[CollectionFailure]


def collection_status(conn: Connection, at: datetime, limit: int) -> CollectionStatusReport:
    """Whether collection keeps up at `at` (see status.py), with the newest `limit`
    failures."""
    jobs = list(status.METRICS_JOBS)
    last = queries.last_successes(conn, jobs, collect.SNAPSHOT_JOB)
    failures = queries.collection_failures_since(conn, jobs, at - status.FAILURE_WINDOW)
    recent = queries.recent_collection_failures(conn, jobs, limit)
    return CollectionStatusReport(
        status=status.classify(at, last["any_at"], failures),
        last_collection_at=last["main_at"],
        last_success_at=last["any_at"],
        next_collection_at=status.next_snapshot_at(at),
        failure_count_24h=failures,
        recent_failures=[msgspec.convert(row, CollectionFailure) for row in recent],
    )


# -- latency -------------------------------------------------------------------------------


class KeyLatencyView(msgspec.Struct):
    """One key's judge-duration percentiles in milliseconds (null when idle), the level of
    its p95, and `stale` when its newest sample is older than 15 minutes (or absent)."""

    key: str
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    count: int
    newest_at: datetime | None
    stale: bool
    level: Level | None


class LatencyReport(msgspec.Struct):
    """`exact` is false for windows over 30 days (merged rollups, within 1%). `by=model`
    lists the models pulled from a Prometheus (`python -m appliance metrics collect
    --prometheus-url`, or ARENA_PROMETHEUS_URL): each one's newest sample of exactly this
    window as Prometheus computed it (interpolated within buckets, so never `exact`),
    `newest_at` when it was taken; windows 5m, 1h, 24h and 7d only. The thresholds are
    the stored ones of the key kind, which an admin sets in the console."""

    by: KeyKind
    window: LatencyWindow
    start: datetime
    end: datetime
    exact: bool
    warning_from_ms: float
    danger_from_ms: float
    items: list[KeyLatencyView]


class HourLatencyView(msgspec.Struct):
    start: datetime
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    count: int


class LatencyHistory(msgspec.Struct):
    """The last `hours` UTC hours of one key, oldest first; an hour without samples (or
    past the rollups' retention, or of an unknown key) has null percentiles. A model's
    hour is its newest 1-hour sample taken in that hour, as Prometheus computed it."""

    by: KeyKind
    key: str
    hours: int
    points: list[HourLatencyView]


def latency_report(
    conn: Connection, by: KeyKind, window: LatencyWindow, at: datetime
) -> LatencyReport:
    """p50, p95 and p99 per key over the window ending at `at`, each with the level of its
    p95 under the stored thresholds and a stale flag. ValueError for a model window that
    Prometheus is not asked for."""
    if by == "model" and window not in prometheus.RANGES:
        raise ValueError(f"by=model has the windows {', '.join(prometheus.RANGES)}")
    length, thresholds = WINDOWS[window], latency.stored_thresholds(conn, by)
    found = (
        latency.window_latency(conn, at, length, thresholds)
        if by == "problem"
        else latency.model_window_latency(conn, at, length, thresholds)
    )
    return LatencyReport(
        by,
        window,
        at - length,
        at,
        by == "problem" and length <= latency.EXACT_UP_TO,
        thresholds.warning_from,
        thresholds.danger_from,
        [_key_view(item) for item in found],
    )


def _key_view(item: latency.KeyLatency) -> KeyLatencyView:
    p = item.percentiles
    return KeyLatencyView(
        item.key, p.p50, p.p95, p.p99, p.count, item.newest_at, item.stale, item.level
    )


def latency_history(
    conn: Connection, by: KeyKind, key: str, hours: int, at: datetime
) -> LatencyHistory:
    """The p50/p95/p99 of one key for each of the last `hours` UTC hours before `at`."""
    found = (
        latency.latency_history(conn, at, hours, key)
        if by == "problem"
        else latency.model_latency_history(conn, at, hours, key)
    )
    return LatencyHistory(by, key, hours, [_hour_view(h.start, h.percentiles) for h in found])


def _hour_view(start: datetime, p: Percentiles) -> HourLatencyView:
    return HourLatencyView(start, p.p50, p.p95, p.p99, p.count)


# -- model versions, from the appliance's own requests (issue 11 item 5) -----------------


class ModelLatencyView(msgspec.Struct):
    """One model version (`key`: name@number) over the window: p50, p95 and p99 of its
    request latency in milliseconds (every request, failed ones too; null when idle),
    completion tokens per second of its answered requests (median and mean, null without
    any that reported usage), `count` requests of which `error_count` got no answer, the
    level of its p95 and `stale` when no request ended in the last 15 minutes."""

    key: str
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    tokens_per_s_p50: float | None
    tokens_per_s_mean: float | None
    count: int
    error_count: int
    newest_at: datetime | None
    stale: bool
    level: Level | None


class ModelLatencyReport(msgspec.Struct):
    """Every model version's requests (evaluation samples and AI feedback) over the window
    ending at `end`, exact; the thresholds are the stored ones of key kind `model`."""

    window: LatencyWindow
    start: datetime
    end: datetime
    warning_from_ms: float
    danger_from_ms: float
    items: list[ModelLatencyView]


def model_latency_report(
    conn: Connection, window: LatencyWindow, at: datetime
) -> ModelLatencyReport:
    """Request percentiles, tokens per second and errors per model version over the window
    ending at `at`, each with the level of its p95 and a stale flag."""
    length, thresholds = WINDOWS[window], latency.stored_thresholds(conn, "model")
    found = latency.model_request_latency(conn, at, length, thresholds)
    return ModelLatencyReport(
        window,
        at - length,
        at,
        thresholds.warning_from,
        thresholds.danger_from,
        [_model_view(item) for item in found],
    )


def _model_view(item: latency.ModelLatency) -> ModelLatencyView:
    key, p = item.latency, item.latency.percentiles
    return ModelLatencyView(
        key.key,
        p.p50,
        p.p95,
        p.p99,
        item.tokens_per_s_p50,
        item.tokens_per_s_mean,
        p.count,
        item.errors,
        key.newest_at,
        key.stale,
        key.level,
    )


def model_latency_history(conn: Connection, key: str, hours: int, at: datetime) -> LatencyHistory:
    """The request p50/p95/p99 of one model version for each of the last `hours` UTC hours
    before `at`, from the hourly rollups of key kind `model`."""
    found = latency.latency_history(conn, at, hours, key, "model")
    return LatencyHistory("model", key, hours, [_hour_view(h.start, h.percentiles) for h in found])


# -- a range of several metrics, and the range before it -----------------------------------


@dataclass(frozen=True)
class Point:
    """One bucket of the range. `collected` false is a missed collection (a gap); true
    with a null value, a bucket that had nothing to measure. The `previous_*` fields are
    the bucket at the same place in the range before (when asked for), drawn here."""

    at: datetime
    value: float | None
    collected: bool
    previous_at: datetime | None = None
    previous: float | None = None
    previous_collected: bool = False


@dataclass(frozen=True)
class RangeSeries:
    span: Span
    previous: Span | None
    series: dict[Metric, list[Point]]

    @property
    def empty(self) -> bool:
        """Nothing collected in the range: no bucket of any metric."""
        return not any(p.collected for points in self.series.values() for p in points)


def range_series(
    conn: Connection,
    metrics: tuple[Metric, ...],
    granularity: Granularity,
    span: Span,
    zone: ZoneInfo,
    with_previous: bool,
) -> RangeSeries:
    """Each metric's buckets over `span` (one point per bucket, the missed ones included),
    and, `with_previous`, the range of as many buckets just before it, lined up bucket by
    bucket: its first bucket faces the range's first (Grafana's time shift)."""
    previous = shifted_back(span, granularity, zone) if with_previous else None
    first = previous.start if previous else span.start
    stored: dict[Metric, dict[datetime, float | None]] = defaultdict(dict)
    for row in queries.snapshot_series(conn, metrics, granularity, first, span.end):
        stored[row["metric"]][row["bucket_start"]] = row["value"]
    starts = bucket_starts(span.start, span.end, granularity, zone)
    earlier = bucket_starts(previous.start, previous.end, granularity, zone) if previous else []
    series = {m: _points(starts, earlier, stored.get(m, {})) for m in metrics}
    return RangeSeries(span, previous, series)


def _points(
    starts: list[datetime], earlier: list[datetime], values: dict[datetime, float | None]
) -> list[Point]:
    points = []
    for index, at in enumerate(starts):
        before = earlier[index] if index < len(earlier) else None
        points.append(
            Point(
                at,
                values.get(at),
                at in values,
                before,
                None if before is None else values.get(before),
                before is not None and before in values,
            )
        )
    return points
