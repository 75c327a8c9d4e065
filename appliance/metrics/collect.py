"""Collecting the metrics history (issue 8): hourly and daily snapshots of the six metrics,
latency rollups per problem and per model version (issue 11), retention, and a `job_runs`
row per run. The scheduler calls `snapshot_job`, `latency_job` and `retention_job`; the
clock and the sleep between tries are arguments, so tests run a day in no time.

Which buckets a run collects: every completed bucket (ended at least SETTLE ago) within
retention that has no row yet for some metric, newest first. A missed run, or a bucket
whose collection failed, is therefore filled by the next run that succeeds while the
bucket is still within retention, from the same submissions rows it would have read then
(those rows are kept for good, so this shows nothing made up); past retention it stays a
gap. A fresh install fills its whole retention window on the first run. A stored bucket is
never collected again: its rows can no longer change once it is SETTLE past its end.

Each (metric, bucket) is tried up to 3 times with backoff, each try in its own
transaction; after the last, a metric_collection_failures row says why, and the run goes
on with the other buckets. A lost database connection ends the run instead (every try
would fail the same way).

Percentiles are never averaged: a daily p95 is read from that day's rows, like an hourly
one from that hour's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from appliance.accounts.users import User
from appliance.audit import trail
from appliance.db import Connection, Row
from appliance.metrics import queries
from appliance.metrics.histogram import Histogram
from appliance.metrics.percentiles import P95, quantile_of_sorted
from appliance.metrics.periods import Span, bucket_start, bucket_starts, next_bucket_start
from appliance.metrics.summary import Summary
from appliance.settings import Settings
from appliance.vocabulary import GRANULARITIES, METRICS, Granularity, KeyKind, Metric

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Sleep = Callable[[float], None]

# A row is written in the transaction that stamps its time; one still open at a bucket's
# end commits within moments, so a bucket is read only once it is this far in the past.
SETTLE = timedelta(minutes=1)
# The pauses between the 3 tries of one metric's bucket.
RETRY_DELAYS_S = (1.0, 4.0)
# The cadence the scheduler runs the jobs at, shared with the status endpoint that tells
# the next run from it: snapshots every hour at SNAPSHOT_AFTER_HOUR past (the hour just
# ended has settled by then), the latency rollups every LATENCY_EVERY.
SNAPSHOT_AFTER_HOUR = 2 * SETTLE
LATENCY_EVERY = timedelta(minutes=5)
UTC = ZoneInfo("UTC")
# The hourly job's name in job_runs (status.py judges "the collection" by it).
SNAPSHOT_JOB = "metrics_snapshots"


@dataclass(frozen=True)
class Retention:
    hourly: timedelta
    daily: timedelta
    failures: timedelta
    job_runs: timedelta

    @classmethod
    def of(cls, settings: Settings) -> Retention:
        return cls(
            hourly=timedelta(days=settings.metrics_hourly_retention_days),
            daily=timedelta(days=settings.metrics_daily_retention_days),
            failures=timedelta(days=settings.metrics_failure_retention_days),
            job_runs=timedelta(days=settings.job_runs_retention_days),
        )

    def of_granularity(self, granularity: Granularity) -> timedelta:
        return self.hourly if granularity == "hourly" else self.daily


# -- the six metrics -----------------------------------------------------------------------

Collector = Callable[[Connection, Span], Summary]


def _count(row: Row) -> Summary:
    return Summary(float(row["n"]), row["n"], row["sum"], row["min"], row["max"])


def _mean(row: Row) -> Summary:
    value = row["sum"] / row["n"] if row["n"] else None
    return Summary(value, row["n"], row["sum"], row["min"], row["max"])


def _p95(values: list[float]) -> Summary:
    histogram = Histogram.of(values)  # also refuses a value that is not a duration
    value = quantile_of_sorted(sorted(values), P95)
    return Summary(
        value, histogram.count, histogram.total, histogram.minimum, histogram.maximum, histogram
    )


COLLECTORS: Mapping[Metric, Collector] = {
    "submissions": lambda conn, span: _count(queries.created_stats(conn, span.start, span.end)),
    "active_users": lambda conn, span: _count(
        queries.active_user_stats(conn, span.start, span.end)
    ),
    "judge_duration_p95": lambda conn, span: _p95(
        queries.judge_durations_ms(conn, span.start, span.end)
    ),
    "queue_wait_p95": lambda conn, span: _p95(queries.queue_waits_ms(conn, span.start, span.end)),
    "success_rate": lambda conn, span: _mean(
        queries.status_flags(conn, span.start, span.end, "SUCCESS")
    ),
    "error_rate": lambda conn, span: _mean(
        queries.status_flags(conn, span.start, span.end, "ERROR")
    ),
    "mean_score": lambda conn, span: _mean(queries.score_stats(conn, span.start, span.end)),
}


# -- which buckets -------------------------------------------------------------------------


def due_starts(
    now: datetime, granularity: Granularity, zone: ZoneInfo, keep: timedelta
) -> list[datetime]:
    """The starts of the buckets that are over (by SETTLE) and within `keep` of `now`,
    newest first: the ones a run at `now` may collect."""
    until = now - SETTLE
    starts = bucket_starts(now - keep, until, granularity, zone)
    return [s for s in reversed(starts) if next_bucket_start(s, granularity, zone) <= until]


def missing(
    conn: Connection, now: datetime, granularity: Granularity, zone: ZoneInfo, keep: timedelta
) -> list[tuple[Metric, datetime]]:
    """The (metric, bucket start) pairs due at `now` that have no snapshot yet."""
    starts = due_starts(now, granularity, zone, keep)
    if not starts:
        return []
    done = queries.collected_buckets(conn, granularity, starts[-1])
    return [(metric, s) for s in starts for metric in METRICS if (metric, s) not in done]


# -- snapshots -----------------------------------------------------------------------------


def collect_snapshots(
    conn: Connection,
    now: datetime,
    zone: ZoneInfo,
    retention: Retention,
    sleep: Sleep,
    clock: Clock,
    collectors: Mapping[Metric, Collector] = COLLECTORS,
) -> int:
    """Collect every missing snapshot due at `now` (hourly and daily); the number stored.
    `clock` stamps the failures, which happen later than `now` after the retries' sleeps."""
    stored = 0
    for granularity in GRANULARITIES:
        for metric, start in missing(
            conn, now, granularity, zone, retention.of_granularity(granularity)
        ):
            span = Span(start, next_bucket_start(start, granularity, zone))
            bucket = _Bucket(metric, granularity, span)
            stored += _collect_with_retries(conn, bucket, collectors[metric], now, sleep, clock)
    return stored


@dataclass(frozen=True)
class _Bucket:
    metric: Metric
    granularity: Granularity
    span: Span


def _collect_with_retries(
    conn: Connection,
    bucket: _Bucket,
    collector: Collector,
    now: datetime,
    sleep: Sleep,
    clock: Clock,
) -> int:
    """1 once the bucket is stored, 0 after the last try failed (and was recorded)."""
    error: Exception | None = None
    for delay in (*RETRY_DELAYS_S, None):
        try:
            with conn.transaction():
                queries.upsert_snapshot(
                    conn, _snapshot_row(bucket, collector(conn, bucket.span), now)
                )
            return 1
        # Any error of a collector is this bucket's failure to record; only a lost
        # connection, which every later try would meet as well, ends the run.
        except Exception as exc:
            if conn.broken or conn.closed:
                raise
            error = exc
            if delay is not None:
                sleep(delay)
    _record_failure(conn, bucket, error, clock())
    return 0


def _snapshot_row(bucket: _Bucket, summary: Summary, now: datetime) -> dict[str, Any]:
    histogram = summary.histogram
    return {
        "metric": bucket.metric,
        "granularity": bucket.granularity,
        "bucket_start": bucket.span.start,
        "value": summary.value,
        "n": summary.n,
        "sum": summary.total,
        "min": summary.minimum,
        "max": summary.maximum,
        "histogram": None if histogram is None else histogram.to_json(),
        "collected_at": now,
    }


def _record_failure(
    conn: Connection, bucket: _Bucket, error: Exception | None, at: datetime
) -> None:
    log.warning(
        "metric %s %s %s not collected: %s",
        bucket.metric,
        bucket.granularity,
        bucket.span.start,
        error,
    )
    failure = {
        "metric": bucket.metric,
        "granularity": bucket.granularity,
        "bucket_start": bucket.span.start,
        "attempts": len(RETRY_DELAYS_S) + 1,
        "error": f"{type(error).__name__}: {error}",
        "failed_at": at,
    }
    with conn.transaction():
        queries.record_failure(conn, failure)


# -- latency rollups -----------------------------------------------------------------------


def collect_latency(
    conn: Connection, now: datetime, retention: Retention, last_good_run: datetime | None = None
) -> int:
    """Bring every problem's hourly and daily (UTC) judge-duration rollups, and every model
    version's request-latency ones (_collect_model_latency), up to date with the rows
    finished before `now`, within retention: the current hour and day too, so the history
    and the stale flag are as fresh as the last run. Each bucket whose counts
    differ from its rollups is rolled up again from its rows, in one transaction. The
    number of rollups written.

    `last_good_run` is when the last run that ended well began: it brought every bucket
    that was over (by SETTLE) by then up to date, and their rows can no longer change, so
    only the buckets from there on are compared with their rows. Without it (a first run,
    or after failures only) every bucket within retention is."""
    written = 0
    for granularity in GRANULARITIES:
        since = _first_start_from(now - retention.of_granularity(granularity), granularity)
        if last_good_run is not None and last_good_run <= now:
            since = max(since, bucket_start(last_good_run - SETTLE, granularity, UTC))
        for start in queries.latency_buckets_out_of_date(conn, granularity, since, now):
            end = min(next_bucket_start(start, granularity, UTC), now)
            with conn.transaction():
                written += _roll_up_latency(conn, granularity, Span(start, end), now)
    return written + _collect_model_latency(conn, now, retention)


def _collect_model_latency(conn: Connection, now: datetime, retention: Retention) -> int:
    """The same rollups of the model versions' requests (key_kind 'model'). Every bucket
    within retention is compared with its rows on each run, never only those since the last
    good one: a sample's request is stored when its judging ends, which may be long after
    the request's own hour (and model requests are few, so the comparison is cheap)."""
    written = 0
    for granularity in GRANULARITIES:
        since = _first_start_from(now - retention.of_granularity(granularity), granularity)
        for start in queries.model_latency_buckets_out_of_date(conn, granularity, since, now):
            end = min(next_bucket_start(start, granularity, UTC), now)
            with conn.transaction():
                rows = queries.model_requests_by_key(conn, start, end)
                for row in rows:
                    _store_rollup(conn, "model", granularity, start, row, now)
                written += len(rows)
    return written


def _first_start_from(moment: datetime, granularity: Granularity) -> datetime:
    """The first UTC bucket starting at or after `moment`: one starting before it would
    fall to retention, and be rolled up again, on every run."""
    start = bucket_start(moment, granularity, UTC)
    return start if start >= moment else next_bucket_start(start, granularity, UTC)


def _roll_up_latency(conn: Connection, granularity: Granularity, span: Span, now: datetime) -> int:
    rows = queries.judge_durations_by_problem(conn, span.start, span.end)
    for row in rows:
        _store_rollup(conn, "problem", granularity, span.start, row, now)
    return len(rows)


def _store_rollup(
    conn: Connection,
    key_kind: KeyKind,
    granularity: Granularity,
    start: datetime,
    row: Row,
    now: datetime,
) -> None:
    """One key's bucket from its row: `key`, its latencies `ms` and `newest_at`."""
    histogram = Histogram.of(row["ms"])
    rollup = {
        "key_kind": key_kind,
        "key": row["key"],
        "granularity": granularity,
        "bucket_start": start,
        "n": histogram.count,
        "sum": histogram.total,
        "min": histogram.minimum,
        "max": histogram.maximum,
        "histogram": histogram.to_json(),
        "newest_at": row["newest_at"],
        "collected_at": now,
    }
    queries.upsert_latency_rollup(conn, rollup)


# -- retention -----------------------------------------------------------------------------


def apply_retention(conn: Connection, now: datetime, retention: Retention) -> int:
    """Delete what is past retention, in one transaction; the number of rows deleted."""
    with conn.transaction():
        deleted = sum(
            queries.delete_snapshots_before(conn, g, now - retention.of_granularity(g))
            + queries.delete_latency_rollups_before(conn, g, now - retention.of_granularity(g))
            for g in GRANULARITIES
        )
        deleted += queries.delete_failures_before(conn, now - retention.failures)
        return deleted + queries.delete_job_runs_before(conn, now - retention.job_runs)


# -- job runs ------------------------------------------------------------------------------


def recorded(conn: Connection, job: str, clock: Clock, work: Callable[[], int]) -> int:
    """Run `work` (which returns the number of rows it wrote) with a job_runs row: started
    now, finished when it ends, with its rows or its error (which is raised again)."""
    run_id = queries.start_job_run(conn, job, clock())
    try:
        rows = work()
    except Exception as exc:
        if not conn.broken and not conn.closed:
            queries.finish_job_run(conn, run_id, clock(), None, f"{type(exc).__name__}: {exc}")
        raise
    queries.finish_job_run(conn, run_id, clock(), rows, None)
    return rows


def snapshot_job(conn: Connection, settings: Settings, clock: Clock, sleep: Sleep) -> int:
    """The hourly job: every missing hourly and daily snapshot."""
    retention = Retention.of(settings)
    return recorded(
        conn,
        SNAPSHOT_JOB,
        clock,
        lambda: collect_snapshots(conn, clock(), settings.timezone, retention, sleep, clock),
    )


def latency_job(conn: Connection, settings: Settings, clock: Clock) -> int:
    """The 5-minute job: the latency rollups up to date."""
    retention = Retention.of(settings)
    last_good_run = queries.last_good_run_started(conn, "metrics_latency")
    return recorded(
        conn,
        "metrics_latency",
        clock,
        lambda: collect_latency(conn, clock(), retention, last_good_run),
    )


def retention_job(conn: Connection, settings: Settings, clock: Clock) -> int:
    """The daily job: everything past retention deleted."""
    retention = Retention.of(settings)
    return recorded(
        conn, "metrics_retention", clock, lambda: apply_retention(conn, clock(), retention)
    )


def collect_now(
    conn: Connection, settings: Settings, actor: User, source: str, clock: Clock, sleep: Sleep
) -> int:
    """An admin's "collect now": the scheduler's hourly snapshot job at once, recorded in
    the audit trail with what it stored (or the error, which is raised again). The job's
    buckets are many transactions of their own, so the record follows them."""
    try:
        stored = snapshot_job(conn, settings, clock, sleep)
    except Exception as exc:
        if not conn.broken and not conn.closed:
            trail.record(conn, actor, "metrics.collect", SNAPSHOT_JOB, source, error=str(exc))
        raise
    trail.record(conn, actor, "metrics.collect", SNAPSHOT_JOB, source, stored=stored)
    return stored
