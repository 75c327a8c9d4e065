-- Latency thresholds an admin can change from the console (issue 9): one row per key kind,
-- read by the latency API and the console alike. The p95 of a key is good below
-- warning_ms, a warning below danger_ms, and danger from there on.
CREATE TABLE latency_thresholds (
    key_kind    text PRIMARY KEY CHECK (key_kind IN ('problem', 'model')),
    warning_ms  double precision NOT NULL,
    danger_ms   double precision NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    -- Strictly ordered: equal values would leave no warning band to be told of.
    CHECK (warning_ms > 0 AND warning_ms < danger_ms AND danger_ms <= 3600000)
);

-- The values the appliance shipped with as constants: under 1 s good, under 2 s a warning.
INSERT INTO latency_thresholds (key_kind, warning_ms, danger_ms)
VALUES ('problem', 1000, 2000), ('model', 1000, 2000);
