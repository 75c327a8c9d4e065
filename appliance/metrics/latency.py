"""Judge-duration percentiles per problem over a window ending now, and per hour (issue 8).

A window up to EXACT_UP_TO long is read exactly from the submissions rows. A longer one
is too many rows to read each time, so it merges the daily (UTC) rollups of the whole days
inside it with histograms of the raw rows at its two ragged ends: every percentile within
1% of the exact one, and the window exactly the one asked for. Percentiles come from all of
a window's durations at once, never from averaging those of its parts; an idle window has
None for each and a count of 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from appliance.accounts.users import User
from appliance.audit import trail
from appliance.db import Connection, Row
from appliance.metrics import queries
from appliance.metrics.collect import UTC
from appliance.metrics.histogram import Histogram, merge_all
from appliance.metrics.percentiles import Percentiles, exact, from_histogram
from appliance.metrics.periods import bucket_start, bucket_starts, next_bucket_start
from appliance.metrics.thresholds import JUDGE_DURATION_MS, Thresholds, edited, level
from appliance.vocabulary import KeyKind, Level

EXACT_UP_TO = timedelta(days=30)
STALE_AFTER = timedelta(minutes=15)
IDLE = Percentiles(None, None, None, 0)


@dataclass(frozen=True)
class KeyLatency:
    """One key's percentiles over a window; `level` is the colour of its p95, `stale` says
    that its newest sample (of the window) is older than STALE_AFTER, or that it has none."""

    key: str
    percentiles: Percentiles
    newest_at: datetime | None
    stale: bool
    level: Level | None


@dataclass(frozen=True)
class HourLatency:
    """One UTC hour of a key's history: its percentiles, IDLE when nothing finished in it."""

    start: datetime
    percentiles: Percentiles


def window_latency(
    conn: Connection, now: datetime, window: timedelta, thresholds: Thresholds = JUDGE_DURATION_MS
) -> list[KeyLatency]:
    """Every problem's judge-duration percentiles over [now - window, now), by key."""
    if window <= timedelta(0):
        raise ValueError(f"a window is longer than 0, not {window}")
    start = now - window
    found = _exact(conn, start, now) if window <= EXACT_UP_TO else _merged(conn, start, now)
    keys = sorted(set(queries.problem_keys(conn)) | set(found))
    return [_key_latency(key, *found.get(key, (IDLE, None)), now, thresholds) for key in keys]


def latency_history(
    conn: Connection, now: datetime, hours: int, key: str, key_kind: KeyKind = "problem"
) -> list[HourLatency]:
    """The last `hours` UTC hours of one key, the current one last, from the hourly rollups
    (within 1% of exact; as fresh as the last latency collection)."""
    if hours < 1:
        raise ValueError(f"a history is at least 1 hour long, not {hours}")
    end = next_bucket_start(bucket_start(now, "hourly", UTC), "hourly", UTC)
    start = end - timedelta(hours=hours)
    rows = queries.latency_rollups(conn, key_kind, "hourly", start, end, key)
    found = {row["bucket_start"]: from_histogram(_histogram(row)) for row in rows}
    return [HourLatency(s, found.get(s, IDLE)) for s in bucket_starts(start, end, "hourly", UTC)]


def _exact(
    conn: Connection, start: datetime, end: datetime
) -> dict[str, tuple[Percentiles, datetime | None]]:
    rows = queries.judge_durations_by_problem(conn, start, end)
    return {row["key"]: (exact(row["ms"]), row["newest_at"]) for row in rows}


def _merged(
    conn: Connection, start: datetime, end: datetime
) -> dict[str, tuple[Percentiles, datetime | None]]:
    """Whole UTC days from their rollups, the partial first and last days from their rows."""
    first_day = next_bucket_start(bucket_start(start, "daily", UTC), "daily", UTC)
    last_day = bucket_start(end, "daily", UTC)
    parts = [
        *_raw_parts(queries.judge_durations_by_problem(conn, start, first_day)),
        *_rollup_parts(queries.latency_rollups(conn, "problem", "daily", first_day, last_day)),
        *_raw_parts(queries.judge_durations_by_problem(conn, last_day, end)),
    ]
    histograms: dict[str, list[Histogram]] = defaultdict(list)
    newest: dict[str, datetime] = {}
    for key, histogram, at in parts:
        histograms[key].append(histogram)
        if at is not None:
            newest[key] = max(at, newest.get(key, at))
    return {key: (from_histogram(merge_all(h)), newest.get(key)) for key, h in histograms.items()}


def _raw_parts(rows: Iterable[Row]) -> list[tuple[str, Histogram, datetime | None]]:
    return [(row["key"], Histogram.of(row["ms"]), row["newest_at"]) for row in rows]


def _rollup_parts(rows: Iterable[Row]) -> list[tuple[str, Histogram, datetime | None]]:
    return [(row["key"], _histogram(row), row["newest_at"]) for row in rows]


def _histogram(row: Row) -> Histogram:
    return Histogram.from_json(row["histogram"])


def _key_latency(
    key: str,
    percentiles: Percentiles,
    newest_at: datetime | None,
    now: datetime,
    thresholds: Thresholds,
) -> KeyLatency:
    stale = newest_at is None or now - newest_at > STALE_AFTER
    return KeyLatency(key, percentiles, newest_at, stale, level(percentiles.p95, thresholds))


# -- models, from the samples pulled from Prometheus (appliance/metrics/prometheus.py) -----


def model_window_latency(
    conn: Connection, now: datetime, window: timedelta, thresholds: Thresholds = JUDGE_DURATION_MS
) -> list[KeyLatency]:
    """Every model's percentiles over the window, as Prometheus computed them over exactly
    that range: its newest sample of that range taken by `now`, which covers
    [taken_at - window, taken_at) and is `stale` once taken_at is over STALE_AFTER old.
    Quantiles cannot be combined, so no other sample is ever mixed in."""
    rows = queries.newest_model_samples(conn, _seconds(window), now)
    return [
        _key_latency(row["model"], _model_percentiles(row), row["taken_at"], now, thresholds)
        for row in rows
    ]


def model_latency_history(
    conn: Connection, now: datetime, hours: int, key: str
) -> list[HourLatency]:
    """The last `hours` UTC hours of one model, the current one last: each hour's figure is
    its newest 1-hour sample (the hour before it was taken, as Prometheus computed it; for
    a past hour, within one collection of the hour's end); IDLE for an hour with none."""
    if hours < 1:
        raise ValueError(f"a history is at least 1 hour long, not {hours}")
    end = next_bucket_start(bucket_start(now, "hourly", UTC), "hourly", UTC)
    start = end - timedelta(hours=hours)
    rows = queries.hourly_model_samples(conn, key, _seconds(timedelta(hours=1)), start, end)
    found = {row["hour"]: _model_percentiles(row) for row in rows}
    return [HourLatency(s, found.get(s, IDLE)) for s in bucket_starts(start, end, "hourly", UTC)]


def _model_percentiles(row: Row) -> Percentiles:
    # Prometheus's increase() extrapolates: a count near, not always at, a whole number.
    return Percentiles(row["p50_ms"], row["p95_ms"], row["p99_ms"], round(row["count"]))


def _seconds(window: timedelta) -> int:
    return int(window.total_seconds())


# -- models, from the requests the appliance made itself (issue 11 item 5) -----------------


@dataclass(frozen=True)
class ModelLatency:
    """One model version's requests over a window: the latency percentiles (every request,
    failed ones too), its completion tokens per second (answered requests reporting usage:
    their median and mean, None without any), how many failed, and the level and stale flag
    of a key (KeyLatency)."""

    latency: KeyLatency
    tokens_per_s_p50: float | None
    tokens_per_s_mean: float | None
    tokens_per_s_count: int
    errors: int


def model_request_latency(
    conn: Connection, now: datetime, window: timedelta, thresholds: Thresholds = JUDGE_DURATION_MS
) -> list[ModelLatency]:
    """Every model version's requests over [now - window, now), exactly from their rows
    (requests are seconds each, so even 90 days of them are few), by `name@number`."""
    if window <= timedelta(0):
        raise ValueError(f"a window is longer than 0, not {window}")
    found = {row["key"]: row for row in queries.model_requests_by_key(conn, now - window, now)}
    keys = sorted(set(queries.model_keys(conn)) | set(found), key=_model_order)
    return [_model_latency(key, found.get(key), now, thresholds) for key in keys]


def _model_latency(
    key: str, row: Row | None, now: datetime, thresholds: Thresholds
) -> ModelLatency:
    if row is None:
        return ModelLatency(_key_latency(key, IDLE, None, now, thresholds), None, None, 0, 0)
    rates = exact(row["tokens_per_s"])
    mean = sum(row["tokens_per_s"]) / rates.count if rates.count else None
    latency = _key_latency(key, exact(row["ms"]), row["newest_at"], now, thresholds)
    return ModelLatency(latency, rates.p50, mean, rates.count, int(row["errors"]))


def _model_order(key: str) -> tuple[str, int]:
    """By name, then by version number as a number (name@10 after name@9)."""
    name, _, number = key.rpartition("@")
    return (name, int(number)) if number.isdigit() else (key, 0)


# -- the thresholds an admin sets (migrations/0006_latency_thresholds.sql) -----------------


def stored_thresholds(conn: Connection, key_kind: KeyKind) -> Thresholds:
    """The key kind's thresholds as last saved; the shipped default without a row."""
    row = queries.latency_thresholds(conn, key_kind)
    if row is None:
        return JUDGE_DURATION_MS
    return Thresholds(row["warning_ms"], row["danger_ms"])


def edit_thresholds(
    conn: Connection,
    actor: User,
    source: str,
    key_kind: KeyKind,
    warning_ms: float | None,
    danger_ms: float | None,
    at: datetime,
) -> Thresholds:
    """Store new thresholds and record the old and new values in the audit trail, in one
    transaction; the thresholds replaced. ThresholdsRefused (nothing stored) for values
    out of order or range."""
    new = edited(warning_ms, danger_ms)
    with conn.transaction():
        row = queries.locked_latency_thresholds(conn, key_kind)
        old = JUDGE_DURATION_MS if row is None else Thresholds(row["warning_ms"], row["danger_ms"])
        queries.store_latency_thresholds(
            conn, key_kind, new.warning_from, new.danger_from, actor.id, at
        )
        trail.record(
            conn,
            actor,
            "latency.thresholds",
            key_kind,
            source,
            old={"warning_ms": old.warning_from, "danger_ms": old.danger_from},
            new={"warning_ms": new.warning_from, "danger_ms": new.danger_from},
        )
    return old
