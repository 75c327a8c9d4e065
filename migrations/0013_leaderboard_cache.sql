-- The leaderboard's cache (issue 11 item 4): a finished run's table (or paired comparison)
-- as JSON, keyed by statistics.cache_key over the run's model versions, its problem set's
-- content hash and every parameter the numbers depend on (appliance/evaluations/queries.py).
-- A row is written once and never changed: a hit returns exactly what was computed.
CREATE TABLE leaderboard_cache (
    cache_key   text PRIMARY KEY CHECK (cache_key ~ '^[0-9a-f]{64}$'),
    run_id      bigint NOT NULL REFERENCES evaluation_runs (id),
    result      jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX leaderboard_cache_run_idx ON leaderboard_cache (run_id);

CREATE TRIGGER leaderboard_cache_immutable
    BEFORE UPDATE ON leaderboard_cache
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
