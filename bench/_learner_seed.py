"""The learner behind bench/learner.py, in a database bench/_console_seed.py has seeded: who
logs in, which problem page and which result page they open, the draft their editor opens
with, and how the bench learns the moment a submission became terminal.

In the seeded database the learner is the owner of the submission the result page opens
(a generated user, given a password); in the empty one, a new learner who is given the one
judged submission there. Either way the learner's draft on the problem is its reference
suite, so that every press of the submit button sends a suite the judge scores 100."""

from __future__ import annotations

from dataclasses import dataclass

from appliance import db
from appliance.accounts.users import create_user, set_password
from appliance.learning.workspace import save_draft

LEARNER_PASSWORD = "bench learner password"  # a throwaway database's learner
EMPTY_LEARNER = "bench-learner"


@dataclass(frozen=True)
class Learner:
    name: str
    user_id: int
    submissions: int  # of their own, in this database
    slug: str  # the problem page the bench opens and submits on
    result_id: str  # the result page the bench opens


def learner_of(conn: db.Connection, submission_id: str, slug: str) -> Learner:
    """The owner of `submission_id`, made a learner with a password, drafting on `slug`.
    In the empty database (its one submission is the admin's) a new learner takes it over."""
    owner = conn.execute(
        "SELECT u.id, u.name, u.role FROM submissions s JOIN users u ON u.id = s.user_id"
        " WHERE s.id = %s",
        (submission_id,),
    ).fetchone()
    assert owner is not None, f"no submission {submission_id}"
    if owner["role"] == "admin":
        user, _ = create_user(conn, EMPTY_LEARNER, "learner")
        conn.execute("UPDATE submissions SET user_id = %s WHERE id = %s", (user.id, submission_id))
        user_id, name = user.id, EMPTY_LEARNER
    else:
        # A learner sees mutants by neutral label only: the view being measured.
        conn.execute("UPDATE users SET role = 'learner' WHERE id = %s", (owner["id"],))
        user_id, name = owner["id"], owner["name"]
    set_password(conn, name, LEARNER_PASSWORD)
    suite = reference_suite(conn, slug)
    save_draft(conn, user_id, slug, suite, len(suite.encode()) + 1)
    return Learner(name, user_id, own_submissions(conn, user_id), slug, submission_id)


def reference_suite(conn: db.Connection, slug: str) -> str:
    """The reference suite of the problem's current version."""
    row = conn.execute(
        "SELECT v.reference_tests FROM problem_versions v JOIN problems p ON p.id = v.problem_id"
        " WHERE p.slug = %s AND v.id = p.current_version_id",
        (slug,),
    ).fetchone()
    assert row is not None, f"no published problem {slug}"
    return str(row["reference_tests"])


def own_submissions(conn: db.Connection, user_id: int) -> int:
    row = conn.execute("SELECT count(*) AS n FROM submissions WHERE user_id = %s", (user_id,))
    found = row.fetchone()
    return int(found["n"]) if found else 0


# -- when a submission became terminal -------------------------------------------------------

# A bench-only trigger (never in the product's migrations): the statement that made a
# submission terminal notes its transaction and the clock at that statement; the server's
# commit timestamps (track_commit_timestamp, turned on by the bench) then tell when that
# transaction committed, which is when the product's NOTIFY is delivered.
TERMINAL_TRIGGER = """
CREATE TABLE bench_terminal (
    submission_id uuid PRIMARY KEY,
    xact bigint NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE FUNCTION bench_note_terminal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bench_terminal VALUES (NEW.id, txid_current(), clock_timestamp())
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER bench_note_terminal AFTER UPDATE OF status ON submissions FOR EACH ROW
    WHEN (NEW.status IN ('SUCCESS', 'FAILURE', 'ERROR') AND OLD.status <> NEW.status)
    EXECUTE FUNCTION bench_note_terminal();
"""


def note_terminal_updates(conn: db.Connection) -> None:
    conn.execute(TERMINAL_TRIGGER)


@dataclass(frozen=True)
class Terminal:
    """When a submission became terminal, in ms since the epoch (the host's clock, which
    the browser's Date.now() reads too)."""

    status: str
    updated_ms: float  # the UPDATE statement that set the terminal status
    committed_ms: float | None  # its transaction's commit
    finished_ms: float | None  # the row's finished_at, as the worker wrote it


def terminal(conn: db.Connection, submission_id: str) -> Terminal | None:
    row = conn.execute(
        "SELECT s.status, extract(epoch FROM t.updated_at) * 1000 AS updated_ms,"
        " extract(epoch FROM pg_xact_commit_timestamp((t.xact %% 4294967296)::text::xid))"
        "  * 1000 AS committed_ms,"
        " extract(epoch FROM s.finished_at) * 1000 AS finished_ms"
        " FROM bench_terminal t JOIN submissions s ON s.id = t.submission_id"
        " WHERE t.submission_id = %s",
        (submission_id,),
    ).fetchone()
    if row is None:
        return None
    committed, finished = row["committed_ms"], row["finished_ms"]
    return Terminal(
        row["status"],
        float(row["updated_ms"]),
        float(committed) if committed is not None else None,
        float(finished) if finished is not None else None,
    )
