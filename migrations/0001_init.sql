-- Accounts, problems with immutable versions, submissions with their per-variant and
-- per-test results, and the workers' heartbeats.

CREATE TABLE users (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$'),
    role        text NOT NULL CHECK (role IN ('admin', 'author', 'learner')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Only a SHA-256 of each token is kept; the token itself is shown once.
CREATE TABLE api_tokens (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE problems (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug                text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
    current_version_id  bigint,
    created_at          timestamptz NOT NULL DEFAULT now()
);

-- A version's content never changes; only its status moves.
CREATE TABLE problem_versions (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    problem_id          bigint NOT NULL REFERENCES problems (id),
    number              integer NOT NULL CHECK (number >= 1),
    title               text NOT NULL,
    description_md      text NOT NULL,
    difficulty          text NOT NULL CHECK (difficulty IN ('Very Easy', 'Easy', 'Medium', 'Hard')),
    tags                text[] NOT NULL DEFAULT '{}',
    function_signature  text NOT NULL,
    show_golden         boolean NOT NULL,
    wall_seconds        double precision NOT NULL CHECK (wall_seconds > 0 AND wall_seconds <= 60),
    golden_code         text NOT NULL,
    reference_tests     text NOT NULL,
    content_hash        text NOT NULL,
    status              text NOT NULL DEFAULT 'validating'
                        CHECK (status IN ('validating', 'valid', 'invalid', 'published', 'retired')),
    validation          jsonb,
    created_by          bigint REFERENCES users (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    validated_at        timestamptz,
    published_at        timestamptz,
    UNIQUE (problem_id, number),
    UNIQUE (problem_id, content_hash)
);

ALTER TABLE problems
    ADD CONSTRAINT problems_current_version_fk
    FOREIGN KEY (current_version_id) REFERENCES problem_versions (id);

CREATE TABLE mutants (
    version_id  bigint NOT NULL REFERENCES problem_versions (id),
    position    integer NOT NULL CHECK (position >= 0),
    name        text NOT NULL CHECK (name ~ '^[a-z0-9_]{1,64}$'),
    code        text NOT NULL,
    weight      integer NOT NULL CHECK (weight BETWEEN 1 AND 5),
    hint        text NOT NULL DEFAULT '',
    PRIMARY KEY (version_id, position),
    UNIQUE (version_id, name)
);

CREATE TABLE submissions (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id          bigint NOT NULL REFERENCES users (id),
    version_id       bigint NOT NULL REFERENCES problem_versions (id),
    code             text NOT NULL,
    code_sha256      text NOT NULL,
    idempotency_key  text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    status           text NOT NULL DEFAULT 'PENDING'
                     CHECK (status IN ('PENDING', 'RUNNING', 'SUCCESS', 'FAILURE', 'ERROR')),
    reason           text CHECK (reason IN ('golden_failed', 'golden_timeout', 'no_tests',
                                            'collection_error', 'syntax_error', 'flaky',
                                            'introspection', 'too_large')),
    error_detail     text,
    score            integer CHECK (score BETWEEN 0 AND 100),
    killed_weight    integer CHECK (killed_weight >= 0),
    total_weight     integer CHECK (total_weight >= 0),
    killed_count     integer CHECK (killed_count >= 0),
    total_count      integer CHECK (total_count >= 0),
    attempts         integer NOT NULL DEFAULT 0,
    claimed_by       text,
    sandbox_id       text,  -- the container that judged it, for tracing and the reaper's tests
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    -- A FAILURE always says why; only SUCCESS carries a positive score.
    CHECK ((status = 'FAILURE') = (reason IS NOT NULL)),
    CHECK (status <> 'SUCCESS' OR score IS NOT NULL),
    UNIQUE (user_id, idempotency_key)
);
CREATE INDEX submissions_user_created_idx ON submissions (user_id, created_at DESC);
CREATE INDEX submissions_created_idx ON submissions (created_at DESC);
CREATE INDEX submissions_unfinished_idx ON submissions (status, created_at)
    WHERE status IN ('PENDING', 'RUNNING');

CREATE TABLE variant_results (
    submission_id     uuid NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    position          integer NOT NULL,
    name              text NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('golden', 'twin', 'mutant')),
    verdict           text NOT NULL CHECK (verdict IN ('passed', 'failed', 'error', 'timeout',
                                                       'no_tests', 'killed', 'survived')),
    duration_ms       integer NOT NULL,
    limit_ms          integer NOT NULL,
    output            text NOT NULL DEFAULT '',
    output_truncated  boolean NOT NULL DEFAULT false,
    PRIMARY KEY (submission_id, position)
);

-- One row per (variant run, test): the kill matrix is the mutant rows whose outcome is
-- failed or error.
CREATE TABLE test_results (
    submission_id  uuid NOT NULL,
    position       integer NOT NULL,
    test_name      text NOT NULL,
    outcome        text NOT NULL CHECK (outcome IN ('passed', 'failed', 'error', 'skipped')),
    duration_ms    integer NOT NULL,
    message        text NOT NULL DEFAULT '',
    PRIMARY KEY (submission_id, position, test_name),
    FOREIGN KEY (submission_id, position)
        REFERENCES variant_results (submission_id, position) ON DELETE CASCADE
);

-- Each worker process writes its heartbeat here; health and the sweeper read it.
CREATE TABLE workers (
    name            text PRIMARY KEY,
    hostname        text NOT NULL,
    pid             integer NOT NULL,
    started_at      timestamptz NOT NULL DEFAULT now(),
    heartbeat_at    timestamptz NOT NULL DEFAULT now(),
    docker_ok       boolean NOT NULL DEFAULT false,
    judge_image_id  text
);
