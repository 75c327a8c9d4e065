-- Evaluation runs (issue 11, items 3 and 9): models and built-in baselines x a frozen problem
-- set x samples, one row per sample with its evidence (appliance/evaluations/queries.py).

-- Who wrote a suite: a learner (through the API or the editor) or a model (an evaluation
-- sample, stored by the worker that asked the model). Learners' lists, leaderboards,
-- progress and metrics read only 'learner' rows.
ALTER TABLE submissions
    ADD COLUMN source text NOT NULL DEFAULT 'learner' CHECK (source IN ('learner', 'model'));
CREATE INDEX submissions_model_idx ON submissions (created_at DESC) WHERE source = 'model';

-- A run's manifest is what it was made of, written once: model versions, the problem set
-- and its hash, the judge image, the app version, the git sha and the seed. Only the
-- status moves: running -> held -> running ..., then finished or cancelled.
CREATE TABLE evaluation_runs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    set_id       bigint NOT NULL REFERENCES problem_sets (id),
    samples      integer NOT NULL CHECK (samples BETWEEN 1 AND 100),
    seed         bigint NOT NULL,
    manifest     jsonb NOT NULL,
    status       text NOT NULL DEFAULT 'running'
                 CHECK (status IN ('running', 'held', 'finished', 'cancelled')),
    rerun_of     bigint REFERENCES evaluation_runs (id),
    -- The admin who started it; the model submissions of its samples are theirs.
    created_by   bigint NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
CREATE INDEX evaluation_runs_created_idx ON evaluation_runs (created_at DESC);

-- One sample: one subject (a model version, or a baseline) asked once for one problem
-- version. Its evidence is kept whatever happened: prompt, response, extracted suite, the
-- submission that judged it (its stored results are the verdicts), score, latency, tokens.
CREATE TABLE evaluation_samples (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id             bigint NOT NULL REFERENCES evaluation_runs (id),
    model_version_id   bigint REFERENCES model_versions (id),
    baseline           text CHECK (baseline IN ('examples', 'reference')),
    subject            text NOT NULL,  -- "name@version" or "baseline:examples", for reading
    version_id         bigint NOT NULL REFERENCES problem_versions (id),
    sample_index       integer NOT NULL CHECK (sample_index >= 0),
    seed               bigint NOT NULL,
    status             text NOT NULL DEFAULT 'PENDING'
                       CHECK (status IN ('PENDING', 'RUNNING', 'SUCCESS', 'FAILURE', 'ERROR',
                                         'CANCELLED')),
    -- A FAILURE's reason: its submission's, or no_suite (the answer held no suite).
    reason             text CHECK (reason IN ('golden_failed', 'golden_timeout', 'no_tests',
                                              'collection_error', 'syntax_error', 'flaky',
                                              'introspection', 'too_large', 'no_suite')),
    error              text,
    attempts           integer NOT NULL DEFAULT 0,
    claimed_by         text,
    submission_id      uuid REFERENCES submissions (id),
    prompt             text,
    response           text,
    suite              text,
    score              integer CHECK (score BETWEEN 0 AND 100),
    killed_weight      integer,
    total_weight       integer,
    killed_count       integer,
    total_count        integer,
    latency_ms         integer,
    prompt_tokens      integer,
    completion_tokens  integer,
    started_at         timestamptz,
    finished_at        timestamptz,
    duration_ms        integer,
    CHECK ((model_version_id IS NULL) <> (baseline IS NULL)),
    CHECK ((status = 'FAILURE') = (reason IS NOT NULL)),
    UNIQUE (run_id, subject, version_id, sample_index)
);
CREATE INDEX evaluation_samples_run_idx ON evaluation_samples (run_id, status);
