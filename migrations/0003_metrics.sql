-- Metrics history (issue 8, DESIGN.md 7): hourly and daily snapshots of six metrics, the
-- collections that failed, per-key latency rollups, and a record of every scheduler job run.
-- Raw latencies are not copied anywhere: a judged submission's queue wait
-- (started_at - created_at) and judge duration (finished_at - started_at) are read from
-- its row, and the indexes below keep those reads to the window asked for.

-- One row per metric and bucket; a missing row is a missed collection (a gap), never 0.
-- n, sum, min and max describe the bucket's samples so buckets can be combined exactly;
-- the two duration metrics also keep a mergeable log-bucket histogram (metrics/histogram.py).
CREATE TABLE metric_snapshots (
    metric        text NOT NULL CHECK (metric IN ('submissions', 'active_users',
                                                  'judge_duration_p95', 'queue_wait_p95',
                                                  'success_rate', 'error_rate', 'mean_score')),
    granularity   text NOT NULL CHECK (granularity IN ('hourly', 'daily')),
    bucket_start  timestamptz NOT NULL,
    value         double precision,
    n             bigint NOT NULL CHECK (n >= 0),
    sum           double precision NOT NULL,
    min           double precision,
    max           double precision,
    histogram     jsonb,
    collected_at  timestamptz NOT NULL,
    UNIQUE (metric, granularity, bucket_start)
);
-- Retention deletes by age, whatever the metric.
CREATE INDEX metric_snapshots_age_idx ON metric_snapshots (granularity, bucket_start);

-- A metric's bucket that could not be collected after every try; its bucket stays a gap
-- until a later run succeeds.
CREATE TABLE metric_collection_failures (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    metric        text NOT NULL,
    granularity   text NOT NULL CHECK (granularity IN ('hourly', 'daily')),
    bucket_start  timestamptz NOT NULL,
    attempts      integer NOT NULL CHECK (attempts >= 1),
    error         text NOT NULL,
    failed_at     timestamptz NOT NULL
);
CREATE INDEX metric_collection_failures_failed_idx ON metric_collection_failures (failed_at);

-- Judge duration per key, hourly (UTC hours) and daily (UTC days: these only serve window
-- merging, never a displayed day, and a UTC day is whole UTC hours in every zone). The key
-- kind is 'problem' (key: its slug) now and 'model' once models exist, in the same table.
CREATE TABLE latency_rollups (
    key_kind      text NOT NULL CHECK (key_kind IN ('problem', 'model')),
    key           text NOT NULL,
    granularity   text NOT NULL CHECK (granularity IN ('hourly', 'daily')),
    bucket_start  timestamptz NOT NULL,
    n             bigint NOT NULL CHECK (n >= 0),
    sum           double precision NOT NULL,
    min           double precision,
    max           double precision,
    histogram     jsonb NOT NULL,
    newest_at     timestamptz,
    collected_at  timestamptz NOT NULL,
    PRIMARY KEY (key_kind, granularity, bucket_start, key)
);
CREATE INDEX latency_rollups_key_idx ON latency_rollups (key_kind, key, granularity, bucket_start);

-- One row per run of a scheduler job: started when it began, finished (and rows or error)
-- when it ended; a row without finished_at is running or died mid-run.
CREATE TABLE job_runs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job          text NOT NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    rows         bigint,
    error        text
);
CREATE INDEX job_runs_job_started_idx ON job_runs (job, started_at DESC);

-- Window reads over judged submissions: by finish time for every metric and window, and
-- per problem (through version_id) for the latency of one key.
CREATE INDEX submissions_finished_idx ON submissions (finished_at)
    INCLUDE (started_at, created_at, version_id, status, score)
    WHERE finished_at IS NOT NULL;
CREATE INDEX submissions_version_finished_idx ON submissions (version_id, finished_at)
    WHERE finished_at IS NOT NULL;
