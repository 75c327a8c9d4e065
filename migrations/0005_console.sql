-- The admin console (issue 9): password logins, disabled users, a remembered language,
-- the failed logins that throttle guessing, and the audit trail of every admin action.

-- password_hash: an argon2id PHC string, NULL for users who only use tokens.
-- session_epoch: bumped by a password change or a disable; a console session remembers the
-- epoch it was opened under and ends when they differ.
ALTER TABLE users
    ADD COLUMN password_hash  text,
    ADD COLUMN disabled_at    timestamptz,
    ADD COLUMN locale         text NOT NULL DEFAULT 'ko' CHECK (locale IN ('ko', 'en')),
    ADD COLUMN session_epoch  integer NOT NULL DEFAULT 0;

-- One row per failed console login; only the last minute matters, older rows are deleted
-- as new ones are written.
CREATE TABLE login_failures (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL,
    source     text NOT NULL,
    failed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_name ON login_failures (name, failed_at);
CREATE INDEX login_failures_source ON login_failures (source, failed_at);

-- Who did what, when and from where. actor_name is kept as written: the user may be
-- renamed or gone by the time someone reads it.
CREATE TABLE audit_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    bigint REFERENCES users (id) ON DELETE SET NULL,
    actor_name  text NOT NULL,
    action      text NOT NULL,
    target      text NOT NULL DEFAULT '',
    detail      jsonb NOT NULL DEFAULT '{}',
    source      text NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_at ON audit_events (at DESC);
CREATE INDEX audit_events_action ON audit_events (action, at DESC);
CREATE INDEX audit_events_actor ON audit_events (actor_name, at DESC);
