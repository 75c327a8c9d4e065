-- The model registry (issue 11 item 6): aliases over model versions and the history of
-- every move; AI feedback for learners (item 7), cached by what it was written from
-- (appliance/registry/queries.py, appliance/feedback/queries.py).

-- An alias names one model version, or none (before its first move, or rolled back past
-- it). Both rows exist from the start, so a move locks its alias's row: two admins moving
-- the same alias at once move it one after the other.
CREATE TABLE model_aliases (
    alias       text PRIMARY KEY CHECK (alias IN ('feedback-champion', 'challenger')),
    version_id  bigint REFERENCES model_versions (id),
    moved_at    timestamptz
);
INSERT INTO model_aliases (alias) VALUES ('feedback-champion'), ('challenger');

-- Every move of an alias, and every policy decision that did not move it (`moved` false),
-- with its numbers and reasons as the policy gave them. A rollback names the move it
-- undoes: a second rollback undoes the move before that one, not the first rollback.
-- `evaluation_run_id` is the run whose evidence a policy decision read (a foreign key to
-- evaluation_runs can be added once that table is settled).
CREATE TABLE alias_moves (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alias              text NOT NULL REFERENCES model_aliases (alias),
    kind               text NOT NULL CHECK (kind IN ('policy', 'manual', 'rollback')),
    moved              boolean NOT NULL,
    from_version_id    bigint REFERENCES model_versions (id),
    to_version_id      bigint REFERENCES model_versions (id),
    undoes             bigint UNIQUE REFERENCES alias_moves (id),
    actor_id           bigint REFERENCES users (id),
    actor_name         text NOT NULL,
    reason             text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    decision_reasons   jsonb NOT NULL DEFAULT '[]',
    decision_numbers   jsonb NOT NULL DEFAULT '{}',
    evaluation_run_id  bigint,
    at                 timestamptz NOT NULL DEFAULT now(),
    CHECK (moved OR kind = 'policy'),
    CHECK ((kind = 'rollback') = (undoes IS NOT NULL)),
    CHECK (kind = 'rollback' OR to_version_id IS NOT NULL)
);
CREATE INDEX alias_moves_alias_idx ON alias_moves (alias, id DESC);

CREATE TRIGGER alias_moves_immutable
    BEFORE UPDATE OR DELETE ON alias_moves
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Feedback on a suite, written by one model version: the same suite (by hash) on the same
-- problem version by the same model is written once and read by every request for it.
-- `text` is what a learner reads, only when `status` is 'ready'; a refused answer is kept
-- in `withheld` for admins and never shown. `reason` is the learner-safe sentence of a
-- refusal or failure, `detail` the admin's (it may name an endpoint's URL).
CREATE TABLE feedback (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code_sha256       text NOT NULL,
    version_id        bigint NOT NULL REFERENCES problem_versions (id),
    model_version_id  bigint NOT NULL REFERENCES model_versions (id),
    -- The submission whose stored results the prompt was written from.
    submission_id     uuid NOT NULL REFERENCES submissions (id),
    status            text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'ready', 'refused', 'failed')),
    text              text,
    withheld          text,
    reason            text,
    detail            text,
    prompt            text,
    latency_ms        integer,
    prompt_tokens     integer,
    completion_tokens integer,
    attempts          integer NOT NULL DEFAULT 1,
    requested_at      timestamptz NOT NULL DEFAULT now(),
    finished_at       timestamptz,
    UNIQUE (code_sha256, version_id, model_version_id),
    CHECK ((status = 'ready') = (text IS NOT NULL)),
    CHECK (status NOT IN ('refused', 'failed') OR reason IS NOT NULL)
);

-- Which submission asked for which feedback: a learner sees feedback only for the
-- submissions they asked it for.
CREATE TABLE feedback_requests (
    submission_id  uuid PRIMARY KEY REFERENCES submissions (id),
    feedback_id    bigint NOT NULL REFERENCES feedback (id),
    requested_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feedback_requests_feedback_idx ON feedback_requests (feedback_id);
