-- The learner's workspace (issue 10): a server-side draft per user and problem, bookmarks,
-- the leaderboard name opt-in, and the indexes that keep a learner's pages fast with
-- 100,000 submissions (appliance/learning/queries.py).

-- The editor's content, saved as the learner types and on every submit, so that it
-- survives a reload and another browser. An empty draft is kept: the learner cleared it.
CREATE TABLE drafts (
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    problem_id  bigint NOT NULL REFERENCES problems (id) ON DELETE CASCADE,
    code        text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, problem_id)
);

CREATE TABLE bookmarks (
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    problem_id  bigint NOT NULL REFERENCES problems (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, problem_id)
);

-- Whether other users see this user's name on leaderboards (anonymous unless opted in).
ALTER TABLE users ADD COLUMN leaderboard_name boolean NOT NULL DEFAULT false;

-- One user's submissions per problem version, newest first: the browser's and progress's
-- per-problem best score and attempts (an index-only scan of the user's entries), the
-- history filtered by problem, and the previous attempt of each history row (one index
-- descent each).
-- (created_at, id) orders attempts made in the same instant too.
CREATE INDEX submissions_user_version_idx ON submissions (user_id, version_id, created_at, id)
    INCLUDE (status, score, rejudge_of);

-- A problem's leaderboard: its versions' judged suites, best score first, earliest first
-- among equal scores, with who sent them (an index-only scan).
CREATE INDEX submissions_leaderboard_idx ON submissions (version_id, score DESC, created_at)
    INCLUDE (user_id) WHERE status = 'SUCCESS';
