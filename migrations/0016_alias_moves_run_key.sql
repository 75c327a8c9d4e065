-- A policy decision names the evaluation run whose evidence it read (0012 left the key for
-- when evaluation_runs was settled, 0011): a decision can no longer name a run that does
-- not exist. Runs are never deleted, so nothing cascades.

ALTER TABLE alias_moves
    ADD CONSTRAINT alias_moves_evaluation_run_fk
    FOREIGN KEY (evaluation_run_id) REFERENCES evaluation_runs (id);
