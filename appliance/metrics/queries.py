"""SQL of the metrics (issue 8): the window reads over submissions that every metric and
latency comes from, the snapshots and latency rollups made of them, the collections that
failed, retention, and the record of scheduler job runs. Every span is [start, end) in
UTC, every moment an argument: nothing here reads the database's clock.

A judged submission is one with started_at and finished_at: its queue wait is
started_at - created_at, its judge duration finished_at - started_at (in milliseconds,
never below 0 should clocks disagree), and both count in the bucket of finished_at, when
they became known."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from appliance.db import Connection, Row
from appliance.vocabulary import Granularity, KeyKind, Metric

_JUDGE_MS = "greatest(extract(epoch FROM s.finished_at - s.started_at) * 1000, 0)::float8"
_WAIT_MS = "greatest(extract(epoch FROM s.started_at - s.created_at) * 1000, 0)::float8"
_FINISHED_IN = "s.finished_at >= %(start)s AND s.finished_at < %(end)s"
# What learners did: a rejudge is an admin judging the same suite again, so it is not
# another submission, another active user or another grade; it is judge work all the same
# (durations, waits and outcomes count it). A model's suite (an evaluation sample) is no
# learner's either: it is judge work too, but not a submission, a user or a grade.
_BY_LEARNERS = "s.rejudge_of IS NULL AND s.source = 'learner'"


# -- the raw rows, per bucket --------------------------------------------------------------


def created_stats(conn: Connection, start: datetime, end: datetime) -> Row:
    """Submissions created in the span, each a sample of 1: n, sum, min and max."""
    return _one(
        conn,
        "SELECT count(*) AS n, count(*)::float8 AS sum, min(1.0)::float8 AS min,"
        " max(1.0)::float8 AS max FROM submissions s"
        f" WHERE s.created_at >= %(start)s AND s.created_at < %(end)s AND {_BY_LEARNERS}",
        {"start": start, "end": end},
    )


def active_user_stats(conn: Connection, start: datetime, end: datetime) -> Row:
    """Users who submitted in the span (n), each a sample of their submission count."""
    return _one(
        conn,
        "SELECT count(*) AS n, coalesce(sum(c), 0)::float8 AS sum, min(c)::float8 AS min,"
        " max(c)::float8 AS max FROM (SELECT count(*) AS c FROM submissions s"
        " WHERE s.created_at >= %(start)s AND s.created_at < %(end)s"
        f" AND {_BY_LEARNERS} GROUP BY s.user_id) u",
        {"start": start, "end": end},
    )


def status_flags(conn: Connection, start: datetime, end: datetime, status: str) -> Row:
    """Submissions that finished in the span, each a sample of 1 if it ended in `status`
    and 0 otherwise: their mean is the share that did."""
    return _one(
        conn,
        "SELECT count(*) AS n, coalesce(sum(f), 0)::float8 AS sum, min(f)::float8 AS min,"
        " max(f)::float8 AS max FROM (SELECT (s.status = %(status)s)::int AS f"
        f" FROM submissions s WHERE {_FINISHED_IN}"
        " AND s.status IN ('SUCCESS', 'FAILURE', 'ERROR')) o",
        {"start": start, "end": end, "status": status},
    )


def score_stats(conn: Connection, start: datetime, end: datetime) -> Row:
    """Scores of submissions graded in the span. A FAILURE earned 0 whether or not it
    stored one; an ERROR was the appliance's fault and is no grade at all."""
    return _one(
        conn,
        "SELECT count(*) AS n, coalesce(sum(g), 0)::float8 AS sum, min(g)::float8 AS min,"
        " max(g)::float8 AS max FROM (SELECT coalesce(s.score, 0) AS g FROM submissions s"
        f" WHERE {_FINISHED_IN} AND {_BY_LEARNERS} AND s.status IN ('SUCCESS', 'FAILURE')) graded",
        {"start": start, "end": end},
    )


def judge_durations_ms(conn: Connection, start: datetime, end: datetime) -> list[float]:
    return _values(conn, _JUDGE_MS, start, end)


def queue_waits_ms(conn: Connection, start: datetime, end: datetime) -> list[float]:
    return _values(conn, _WAIT_MS, start, end)


def _values(conn: Connection, expression: str, start: datetime, end: datetime) -> list[float]:
    row = _one(
        conn,
        f"SELECT coalesce(array_agg({expression}), '{{}}') AS ms FROM submissions s"
        f" WHERE {_FINISHED_IN} AND s.started_at IS NOT NULL",
        {"start": start, "end": end},
    )
    return list(row["ms"])


def judge_durations_by_problem(conn: Connection, start: datetime, end: datetime) -> list[Row]:
    """Per problem slug (`key`): the judge durations finished in the span (`ms`) and the
    newest finish (`newest_at`)."""
    return conn.execute(
        f"SELECT p.slug AS key, array_agg({_JUDGE_MS}) AS ms, max(s.finished_at) AS newest_at"
        " FROM submissions s JOIN problem_versions v ON v.id = s.version_id"
        f" JOIN problems p ON p.id = v.problem_id WHERE {_FINISHED_IN}"
        " AND s.started_at IS NOT NULL GROUP BY p.slug",
        {"start": start, "end": end},
    ).fetchall()


def latency_buckets_out_of_date(
    conn: Connection, granularity: Granularity, start: datetime, end: datetime
) -> list[datetime]:
    """The UTC hours or days in the span where some problem's count of
    judged submissions differs from its latency rollup's: never rolled up, or rolled up
    before the bucket was over (or before a failed run could finish it)."""
    rows = conn.execute(
        "SELECT raw.bucket_start FROM (SELECT date_trunc(%(unit)s, s.finished_at, 'UTC')"
        " AS bucket_start, p.slug AS key, count(*) AS n FROM submissions s"
        " JOIN problem_versions v ON v.id = s.version_id JOIN problems p ON p.id = v.problem_id"
        f" WHERE {_FINISHED_IN} AND s.started_at IS NOT NULL GROUP BY 1, 2) raw"
        " LEFT JOIN latency_rollups r ON r.key_kind = 'problem' AND r.key = raw.key"
        " AND r.granularity = %(granularity)s AND r.bucket_start = raw.bucket_start"
        " WHERE r.n IS DISTINCT FROM raw.n GROUP BY raw.bucket_start ORDER BY raw.bucket_start",
        {"unit": _UTC_UNITS[granularity], "granularity": granularity, "start": start, "end": end},
    ).fetchall()
    return [row["bucket_start"] for row in rows]


# Latency rollups are UTC hours and UTC days (migrations/0003_metrics.sql says why).
_UTC_UNITS: dict[Granularity, str] = {"hourly": "hour", "daily": "day"}


def problem_keys(conn: Connection) -> list[str]:
    """Every problem's slug: the keys a latency table lists, idle or not."""
    return [row["slug"] for row in conn.execute("SELECT slug FROM problems ORDER BY slug")]


# -- snapshots and failures ----------------------------------------------------------------


def upsert_snapshot(conn: Connection, snapshot: dict[str, Any]) -> None:
    """Write one metric's bucket; writing it again replaces it, so a re-run is harmless.
    `snapshot` has metric, granularity, bucket_start, value, n, sum, min, max, histogram
    (a JSON-able dict or None) and collected_at."""
    histogram = snapshot["histogram"]
    conn.execute(
        "INSERT INTO metric_snapshots (metric, granularity, bucket_start, value, n, sum, min,"
        " max, histogram, collected_at) VALUES (%(metric)s, %(granularity)s, %(bucket_start)s,"
        " %(value)s, %(n)s, %(sum)s, %(min)s, %(max)s, %(histogram)s, %(collected_at)s)"
        " ON CONFLICT (metric, granularity, bucket_start) DO UPDATE SET value = EXCLUDED.value,"
        " n = EXCLUDED.n, sum = EXCLUDED.sum, min = EXCLUDED.min, max = EXCLUDED.max,"
        " histogram = EXCLUDED.histogram, collected_at = EXCLUDED.collected_at",
        {**snapshot, "histogram": None if histogram is None else Jsonb(histogram)},
    )


def collected_buckets(
    conn: Connection, granularity: Granularity, since: datetime
) -> set[tuple[Metric, datetime]]:
    """The (metric, bucket_start) pairs already stored from `since` on."""
    rows = conn.execute(
        "SELECT metric, bucket_start FROM metric_snapshots"
        " WHERE granularity = %s AND bucket_start >= %s",
        (granularity, since),
    ).fetchall()
    return {(row["metric"], row["bucket_start"]) for row in rows}


def record_failure(conn: Connection, failure: dict[str, Any]) -> None:
    """`failure` has metric, granularity, bucket_start, attempts, error and failed_at."""
    conn.execute(
        "INSERT INTO metric_collection_failures (metric, granularity, bucket_start, attempts,"
        " error, failed_at) VALUES (%(metric)s, %(granularity)s, %(bucket_start)s,"
        " %(attempts)s, %(error)s, %(failed_at)s)",
        failure,
    )


# -- latency rollups -----------------------------------------------------------------------


def upsert_latency_rollup(conn: Connection, rollup: dict[str, Any]) -> None:
    """Write one key's bucket; writing it again replaces it. `rollup` has key_kind, key,
    granularity, bucket_start, n, sum, min, max, histogram (a JSON-able dict), newest_at
    and collected_at."""
    conn.execute(
        "INSERT INTO latency_rollups (key_kind, key, granularity, bucket_start, n, sum, min,"
        " max, histogram, newest_at, collected_at) VALUES (%(key_kind)s, %(key)s,"
        " %(granularity)s, %(bucket_start)s, %(n)s, %(sum)s, %(min)s, %(max)s, %(histogram)s,"
        " %(newest_at)s, %(collected_at)s)"
        " ON CONFLICT (key_kind, granularity, bucket_start, key) DO UPDATE SET n = EXCLUDED.n,"
        " sum = EXCLUDED.sum, min = EXCLUDED.min, max = EXCLUDED.max,"
        " histogram = EXCLUDED.histogram, newest_at = EXCLUDED.newest_at,"
        " collected_at = EXCLUDED.collected_at",
        {**rollup, "histogram": Jsonb(rollup["histogram"])},
    )


def latency_rollups(
    conn: Connection,
    key_kind: KeyKind,
    granularity: Granularity,
    start: datetime,
    end: datetime,
    key: str | None = None,
) -> list[Row]:
    """The rollups of buckets starting in the span, of every key or of `key` only:
    key, bucket_start, histogram and newest_at."""
    return conn.execute(
        "SELECT key, bucket_start, histogram, newest_at FROM latency_rollups"
        " WHERE key_kind = %(key_kind)s AND granularity = %(granularity)s"
        " AND bucket_start >= %(start)s AND bucket_start < %(end)s"
        " AND (%(key)s::text IS NULL OR key = %(key)s) ORDER BY bucket_start, key",
        {"key_kind": key_kind, "granularity": granularity, "start": start, "end": end, "key": key},
    ).fetchall()


# -- retention -----------------------------------------------------------------------------


def delete_snapshots_before(conn: Connection, granularity: Granularity, before: datetime) -> int:
    cursor = conn.execute(
        "DELETE FROM metric_snapshots WHERE granularity = %s AND bucket_start < %s",
        (granularity, before),
    )
    return cursor.rowcount


def delete_latency_rollups_before(
    conn: Connection, granularity: Granularity, before: datetime
) -> int:
    cursor = conn.execute(
        "DELETE FROM latency_rollups WHERE granularity = %s AND bucket_start < %s",
        (granularity, before),
    )
    return cursor.rowcount


def delete_failures_before(conn: Connection, before: datetime) -> int:
    cursor = conn.execute("DELETE FROM metric_collection_failures WHERE failed_at < %s", (before,))
    return cursor.rowcount


def delete_job_runs_before(conn: Connection, before: datetime) -> int:
    cursor = conn.execute("DELETE FROM job_runs WHERE started_at < %s", (before,))
    return cursor.rowcount


# -- job runs ------------------------------------------------------------------------------


def start_job_run(conn: Connection, job: str, started_at: datetime) -> int:
    row = _one(
        conn,
        "INSERT INTO job_runs (job, started_at) VALUES (%(job)s, %(started_at)s) RETURNING id",
        {"job": job, "started_at": started_at},
    )
    return int(row["id"])


def last_good_run_started(conn: Connection, job: str) -> datetime | None:
    """When the newest run of `job` that ended well (finished, no error) began; None when
    none has."""
    row = _one(
        conn,
        "SELECT max(started_at) AS at FROM job_runs WHERE job = %(job)s"
        " AND finished_at IS NOT NULL AND error IS NULL",
        {"job": job},
    )
    return row["at"]  # type: ignore[no-any-return]


def finish_job_run(
    conn: Connection, run_id: int, finished_at: datetime, rows: int | None, error: str | None
) -> None:
    conn.execute(
        "UPDATE job_runs SET finished_at = %s, rows = %s, error = %s WHERE id = %s",
        (finished_at, rows, error, run_id),
    )


def _one(conn: Connection, sql: str, params: dict[str, Any]) -> Row:
    row = conn.execute(sql, params).fetchone()
    assert row is not None, "an aggregate or RETURNING always gives a row"
    return row


# -- reads of the metrics API (appliance/metrics/routes.py) --------------------------------


def latest_snapshots(conn: Connection, granularity: Granularity) -> list[Row]:
    """Each metric's newest bucket: metric, bucket_start, value, n and collected_at."""
    return conn.execute(
        "SELECT DISTINCT ON (metric) metric, bucket_start, value, n, collected_at"
        " FROM metric_snapshots WHERE granularity = %s ORDER BY metric, bucket_start DESC",
        (granularity,),
    ).fetchall()


def snapshot_values(
    conn: Connection, metric: Metric, granularity: Granularity, start: datetime, end: datetime
) -> list[Row]:
    """One metric's buckets starting in the span, oldest first: bucket_start, value, n."""
    return conn.execute(
        "SELECT bucket_start, value, n FROM metric_snapshots WHERE metric = %s"
        " AND granularity = %s AND bucket_start >= %s AND bucket_start < %s ORDER BY bucket_start",
        (metric, granularity, start, end),
    ).fetchall()


def snapshot_histograms(
    conn: Connection, metric: Metric, granularity: Granularity, start: datetime, end: datetime
) -> list[Row]:
    """The histograms of one duration metric's buckets starting in the span (buckets with
    none are left out): bucket_start, histogram."""
    return conn.execute(
        "SELECT bucket_start, histogram FROM metric_snapshots WHERE metric = %s"
        " AND granularity = %s AND bucket_start >= %s AND bucket_start < %s"
        " AND histogram IS NOT NULL ORDER BY bucket_start",
        (metric, granularity, start, end),
    ).fetchall()


def last_successes(conn: Connection, jobs: list[str], main_job: str) -> Row:
    """When a run of `main_job` last ended well (`main_at`), and a run of any of `jobs`
    (`any_at`); None for either that never did."""
    return _one(
        conn,
        "SELECT max(finished_at) FILTER (WHERE job = %(main)s) AS main_at,"
        " max(finished_at) AS any_at FROM job_runs WHERE job = ANY(%(jobs)s)"
        " AND finished_at IS NOT NULL AND error IS NULL",
        {"main": main_job, "jobs": jobs},
    )


def recent_collection_failures(conn: Connection, jobs: list[str], limit: int) -> list[Row]:
    """The newest failures, newest first: buckets that could not be collected (job
    'metrics_snapshots', which records them) and runs of `jobs` that ended in an error
    (metric, granularity and bucket_start None). Columns job, metric, granularity,
    bucket_start, error, failed_at."""
    return conn.execute(
        "(SELECT 'metrics_snapshots' AS job, metric, granularity, bucket_start, error, failed_at"
        " FROM metric_collection_failures ORDER BY failed_at DESC LIMIT %(limit)s)"
        " UNION ALL (SELECT job, NULL, NULL, NULL, error, finished_at FROM job_runs"
        " WHERE job = ANY(%(jobs)s) AND error IS NOT NULL AND finished_at IS NOT NULL"
        " ORDER BY finished_at DESC LIMIT %(limit)s) ORDER BY failed_at DESC LIMIT %(limit)s",
        {"jobs": jobs, "limit": limit},
    ).fetchall()


def collection_failures_since(conn: Connection, jobs: list[str], since: datetime) -> int:
    """How many buckets failed, plus how many runs of `jobs` ended in an error, from `since`."""
    row = _one(
        conn,
        "SELECT (SELECT count(*) FROM metric_collection_failures WHERE failed_at >= %(since)s)"
        " + (SELECT count(*) FROM job_runs WHERE job = ANY(%(jobs)s) AND error IS NOT NULL"
        " AND finished_at >= %(since)s) AS n",
        {"jobs": jobs, "since": since},
    )
    return int(row["n"])


def submissions_by_status(conn: Connection) -> list[Row]:
    """Every stored submission counted by status: status, n."""
    return conn.execute(
        "SELECT status, count(*) AS n FROM submissions GROUP BY status ORDER BY status"
    ).fetchall()


def judge_duration_buckets(conn: Connection, negated_bounds_ms: list[float]) -> list[Row]:
    return _bucketed(conn, _JUDGE_MS, negated_bounds_ms)


def queue_wait_buckets(conn: Connection, negated_bounds_ms: list[float]) -> list[Row]:
    return _bucketed(conn, _WAIT_MS, negated_bounds_ms)


def _bucketed(conn: Connection, expression: str, negated_bounds_ms: list[float]) -> list[Row]:
    """Every judged submission's value (ms) grouped by width_bucket(-value, bounds), with
    the count and sum of each group: at_or_above, n, total_ms (metrics/exposition.py)."""
    return conn.execute(
        "SELECT width_bucket(-v, %s::float8[]) AS at_or_above, count(*) AS n,"
        f" sum(v) AS total_ms FROM (SELECT {expression} AS v FROM submissions s"
        " WHERE s.finished_at IS NOT NULL AND s.started_at IS NOT NULL) judged GROUP BY 1",
        (negated_bounds_ms,),
    ).fetchall()


# -- per-model latency pulled from Prometheus (appliance/metrics/prometheus.py) ------------


def upsert_model_sample(conn: Connection, sample: dict[str, Any]) -> None:
    """Write one model's answer for one range; writing it again replaces it. `sample` has
    model, taken_at, window_s, p50_ms, p95_ms, p99_ms, count and collected_at."""
    conn.execute(
        "INSERT INTO model_latency_samples (model, taken_at, window_s, p50_ms, p95_ms, p99_ms,"
        " count, collected_at) VALUES (%(model)s, %(taken_at)s, %(window_s)s, %(p50_ms)s,"
        " %(p95_ms)s, %(p99_ms)s, %(count)s, %(collected_at)s)"
        " ON CONFLICT (window_s, model, taken_at) DO UPDATE SET p50_ms = EXCLUDED.p50_ms,"
        " p95_ms = EXCLUDED.p95_ms, p99_ms = EXCLUDED.p99_ms, count = EXCLUDED.count,"
        " collected_at = EXCLUDED.collected_at",
        sample,
    )


def newest_model_samples(conn: Connection, window_s: int, at: datetime) -> list[Row]:
    """Each model's newest sample of the range `window_s` taken at or before `at`: model,
    taken_at, p50_ms, p95_ms, p99_ms, count."""
    return conn.execute(
        "SELECT DISTINCT ON (model) model, taken_at, p50_ms, p95_ms, p99_ms, count"
        " FROM model_latency_samples WHERE window_s = %s AND taken_at <= %s"
        " ORDER BY model, taken_at DESC",
        (window_s, at),
    ).fetchall()


def hourly_model_samples(
    conn: Connection, model: str, window_s: int, start: datetime, end: datetime
) -> list[Row]:
    """For each UTC hour in the span, the newest sample of `model` and range `window_s`
    taken in it: hour, taken_at, p50_ms, p95_ms, p99_ms, count."""
    return conn.execute(
        "SELECT DISTINCT ON (hour) date_trunc('hour', taken_at, 'UTC') AS hour, taken_at,"
        " p50_ms, p95_ms, p99_ms, count FROM model_latency_samples WHERE model = %s"
        " AND window_s = %s AND taken_at >= %s AND taken_at < %s ORDER BY hour, taken_at DESC",
        (model, window_s, start, end),
    ).fetchall()


def delete_model_samples_before(conn: Connection, before: datetime) -> int:
    cursor = conn.execute("DELETE FROM model_latency_samples WHERE taken_at < %s", (before,))
    return cursor.rowcount


# -- what the console's metrics page draws (appliance/metrics/reports.py) -------------------


def snapshot_series(
    conn: Connection,
    metrics: tuple[Metric, ...],
    granularity: Granularity,
    start: datetime,
    end: datetime,
) -> list[Row]:
    """The buckets of `metrics` starting in the span, without their histograms (a page
    draws values): metric, bucket_start, value, n."""
    return conn.execute(
        "SELECT metric, bucket_start, value, n FROM metric_snapshots"
        " WHERE metric = ANY(%(metrics)s) AND granularity = %(granularity)s"
        " AND bucket_start >= %(start)s AND bucket_start < %(end)s ORDER BY metric, bucket_start",
        {"metrics": list(metrics), "granularity": granularity, "start": start, "end": end},
    ).fetchall()


# -- latency thresholds (migrations/0006_latency_thresholds.sql) ---------------------------


def latency_thresholds(conn: Connection, key_kind: KeyKind) -> Row | None:
    """The stored thresholds of a key kind: warning_ms, danger_ms, updated_at, updated_by."""
    return conn.execute(
        "SELECT warning_ms, danger_ms, updated_at, updated_by FROM latency_thresholds"
        " WHERE key_kind = %s",
        (key_kind,),
    ).fetchone()


def locked_latency_thresholds(conn: Connection, key_kind: KeyKind) -> Row | None:
    """The same row, locked until the transaction ends: two admins saving at once each
    record the values they really replaced."""
    return conn.execute(
        "SELECT warning_ms, danger_ms FROM latency_thresholds WHERE key_kind = %s FOR UPDATE",
        (key_kind,),
    ).fetchone()


def store_latency_thresholds(
    conn: Connection,
    key_kind: KeyKind,
    warning_ms: float,
    danger_ms: float,
    user_id: int,
    at: datetime,
) -> None:
    conn.execute(
        "INSERT INTO latency_thresholds (key_kind, warning_ms, danger_ms, updated_at,"
        " updated_by) VALUES (%(kind)s, %(warning)s, %(danger)s, %(at)s, %(user)s)"
        " ON CONFLICT (key_kind) DO UPDATE SET warning_ms = EXCLUDED.warning_ms,"
        " danger_ms = EXCLUDED.danger_ms, updated_at = EXCLUDED.updated_at,"
        " updated_by = EXCLUDED.updated_by",
        {"kind": key_kind, "warning": warning_ms, "danger": danger_ms, "at": at, "user": user_id},
    )


# -- the appliance's own model requests (issue 11 item 5) ----------------------------------

# Every request the appliance made to a model and kept the latency of, one row each: an
# evaluation sample's (answered when a response was stored; it ended when its latency had
# passed after the sample was claimed, just before the model was asked) and a feedback's
# (stored as soon as the answer came; failed without an answer when the client gave a
# failure's detail). A sample or feedback asked again keeps only its newest request. Keyed
# by `name@number` of the model version; `at` is when the request ended.
_MODEL_REQUESTS = (
    "(SELECT e.model_version_id AS version_id, e.latency_ms::float8 AS ms,"
    " e.completion_tokens AS tokens, e.response IS NULL AS failed,"
    " e.started_at + e.latency_ms * interval '1 millisecond' AS at FROM evaluation_samples e"
    " WHERE e.model_version_id IS NOT NULL AND e.latency_ms IS NOT NULL"
    " AND e.started_at IS NOT NULL"
    " UNION ALL SELECT f.model_version_id, f.latency_ms::float8, f.completion_tokens,"
    " f.status = 'failed' AND f.detail IS NOT NULL,"
    " f.finished_at FROM feedback f WHERE f.latency_ms IS NOT NULL AND f.finished_at IS NOT NULL)"
)
_MODEL_KEY = "me.name || '@' || mv.number"
_MODEL_REQUESTS_IN = (
    f"FROM {_MODEL_REQUESTS} q JOIN model_versions mv ON mv.id = q.version_id"
    " JOIN model_endpoints me ON me.id = mv.endpoint_id"
    " WHERE q.at >= %(start)s AND q.at < %(end)s"
)


def model_keys(conn: Connection) -> list[str]:
    """Every model version's `name@number`: the keys the model latency lists, idle or not."""
    rows = conn.execute(
        f"SELECT {_MODEL_KEY} AS key FROM model_versions mv"
        " JOIN model_endpoints me ON me.id = mv.endpoint_id ORDER BY me.name, mv.number"
    )
    return [row["key"] for row in rows]


def model_requests_by_key(conn: Connection, start: datetime, end: datetime) -> list[Row]:
    """Per model version (`key`), the requests that ended in the span: their latencies
    (`ms`, failed ones too: a timeout is a wait all the same), the completion tokens per
    second of the answered ones that reported usage (`tokens_per_s`), how many failed
    (`errors`) and when the newest ended (`newest_at`)."""
    return conn.execute(
        f"SELECT {_MODEL_KEY} AS key, array_agg(q.ms) AS ms,"
        " coalesce(array_agg((q.tokens / (q.ms / 1000))::float8) FILTER (WHERE NOT q.failed"
        " AND q.tokens IS NOT NULL AND q.ms > 0), '{}') AS tokens_per_s,"
        " count(*) FILTER (WHERE q.failed) AS errors, max(q.at) AS newest_at"
        f" {_MODEL_REQUESTS_IN} GROUP BY 1",
        {"start": start, "end": end},
    ).fetchall()


def model_latency_buckets_out_of_date(
    conn: Connection, granularity: Granularity, start: datetime, end: datetime
) -> list[datetime]:
    """The UTC hours or days in the span where some model version's count of requests
    differs from its latency rollup's (key_kind 'model')."""
    rows = conn.execute(
        "SELECT raw.bucket_start FROM (SELECT date_trunc(%(unit)s, q.at, 'UTC')"
        f" AS bucket_start, {_MODEL_KEY} AS key, count(*) AS n {_MODEL_REQUESTS_IN}"
        " GROUP BY 1, 2) raw LEFT JOIN latency_rollups r ON r.key_kind = 'model'"
        " AND r.key = raw.key AND r.granularity = %(granularity)s"
        " AND r.bucket_start = raw.bucket_start WHERE r.n IS DISTINCT FROM raw.n"
        " GROUP BY raw.bucket_start ORDER BY raw.bucket_start",
        {"unit": _UTC_UNITS[granularity], "granularity": granularity, "start": start, "end": end},
    ).fetchall()
    return [row["bucket_start"] for row in rows]
