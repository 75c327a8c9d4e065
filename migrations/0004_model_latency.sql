-- Per-model latency pulled from a customer's Prometheus (issue 8 item 5,
-- appliance/metrics/prometheus.py). Prometheus answers with quantiles it has already
-- computed (histogram_quantile over rate(NAME_bucket[range])), not with samples: they can
-- be neither merged into latency_rollups' histograms nor averaged, so each answer is kept
-- as it came, one row per model, range and evaluation time. A window's figure is the
-- newest row whose range is that window (Prometheus computed it over exactly that range).

CREATE TABLE model_latency_samples (
    model         text NOT NULL,
    -- The moment Prometheus evaluated the queries at; the row covers
    -- [taken_at - window_s, taken_at).
    taken_at      timestamptz NOT NULL,
    window_s      integer NOT NULL CHECK (window_s > 0),
    -- Milliseconds; null when Prometheus had no quantile (NaN: no requests in the range).
    p50_ms        double precision CHECK (p50_ms >= 0),
    p95_ms        double precision CHECK (p95_ms >= 0),
    p99_ms        double precision CHECK (p99_ms >= 0),
    -- Requests in the range as Prometheus's increase() estimates them (extrapolated, so
    -- not always a whole number).
    count         double precision NOT NULL CHECK (count >= 0),
    collected_at  timestamptz NOT NULL,
    PRIMARY KEY (window_s, model, taken_at)
);
-- Retention deletes by age.
CREATE INDEX model_latency_samples_taken_idx ON model_latency_samples (taken_at);
