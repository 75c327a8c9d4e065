"""What the console reads and does with submissions (appliance/submissions/reading.py and
intake.py): pages of 100,000 rows read fast, and rejudges that refuse to judge twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import redis

from appliance import db, queue
from appliance.accounts.users import User, create_user
from appliance.errors import Conflict, NotFound, Overloaded
from appliance.submissions import intake, reading
from appliance.submissions.reading import Filters

NEWEST = datetime(2026, 11, 20, tzinfo=UTC)


def seed(conn: db.Connection, count: int) -> User:
    """`count` judged submissions by one learner to mini-clamp, one a minute back."""
    learner = create_user(conn, "lee", "learner")[0]
    conn.execute(
        "INSERT INTO submissions (user_id, version_id, code, code_sha256, status, reason, score,"
        " created_at, finished_at)"
        " SELECT %(user)s, v.id, 'code', 'sha',"
        " CASE WHEN i %% 100 = 0 THEN 'FAILURE' ELSE 'SUCCESS' END,"
        " CASE WHEN i %% 100 = 0 THEN 'flaky' END, CASE WHEN i %% 100 = 0 THEN 0 ELSE 50 END,"
        " %(newest)s - i * interval '1 minute', %(newest)s - i * interval '1 minute'"
        " FROM generate_series(0, %(count)s - 1) AS i, problem_versions v"
        " JOIN problems p ON p.id = v.problem_id WHERE p.slug = 'mini-clamp'",
        {"user": learner.id, "newest": NEWEST, "count": count},
    )
    conn.execute("ANALYZE submissions")
    return learner


def test_pages_and_counts_of_100000_submissions_are_right(conn: db.Connection) -> None:
    # How fast they are is bench/console.py's to measure (no timing assertions in tests).
    seed(conn, 100_000)
    cases = [
        (Filters(), 100_000),
        (Filters(status="FAILURE"), 1_000),
        (Filters(reason="flaky"), 1_000),
        (Filters(problem="mini-clamp"), 100_000),
        (Filters(problem="mini-clamp-fast"), 0),
        (Filters(user="LE"), 100_000),
        (Filters(since=NEWEST - timedelta(hours=1)), 61),
        (Filters(status="FAILURE", until=NEWEST - timedelta(days=30)), 567),
    ]
    for filters, total in cases:
        for page in (1, 1_000_000):  # the first page, and one past the end (the last)
            found = reading.browse(conn, filters, page)
            assert found.total == total, filters
    last = reading.browse(conn, Filters(), 1_000_000, newest_first=False)
    assert last.page == 2_000 and last.pages == 2_000 and len(last.rows) == 50
    assert last.rows[-1].created_at == NEWEST


def _admin(conn: db.Connection) -> User:
    return create_user(conn, "root", "admin")[0]


def test_a_rejudge_is_a_new_pending_submission_of_the_same_suite(
    conn: db.Connection, broker: redis.Redis
) -> None:
    seed(conn, 1)
    old = conn.execute("SELECT id, user_id, version_id, code FROM submissions").fetchone()
    assert old is not None
    new_id = intake.rejudge(conn, broker, _admin(conn), str(old["id"]), "10.0.0.1", 1000)
    new = conn.execute(
        "SELECT user_id, version_id, code, status, rejudge_of FROM submissions WHERE id = %s",
        (new_id,),
    ).fetchone()
    assert new == {
        "user_id": old["user_id"],
        "version_id": old["version_id"],
        "code": old["code"],
        "status": "PENDING",
        "rejudge_of": old["id"],
    }
    assert queue.judge_queue(broker).job_ids == [new_id]
    audit = conn.execute("SELECT action, target, source FROM audit_events").fetchone()
    assert audit == {"action": "submission.rejudge", "target": str(old["id"]), "source": "10.0.0.1"}
    review = reading.review(conn, str(old["id"]))
    assert review is not None and [r.id for r in review.rejudges] == [new_id]


def test_a_second_rejudge_waits_for_the_first(conn: db.Connection, broker: redis.Redis) -> None:
    seed(conn, 1)
    old_id = str(conn.execute("SELECT id FROM submissions").fetchone()["id"])  # type: ignore[index]
    admin = _admin(conn)
    new_id = intake.rejudge(conn, broker, admin, old_id, "here", 1000)
    with pytest.raises(Conflict):
        intake.rejudge(conn, broker, admin, old_id, "here", 1000)
    with pytest.raises(Conflict):  # the rejudge itself is not judged yet either
        intake.rejudge(conn, broker, admin, new_id, "here", 1000)
    assert conn.execute("SELECT count(*) AS n FROM submissions").fetchone() == {"n": 2}
    assert conn.execute("SELECT count(*) AS n FROM audit_events").fetchone() == {"n": 1}


def test_a_rejudge_is_refused_when_the_backlog_is_full_or_the_id_unknown(
    conn: db.Connection, broker: redis.Redis
) -> None:
    seed(conn, 1)
    old_id = str(conn.execute("SELECT id FROM submissions").fetchone()["id"])  # type: ignore[index]
    admin = _admin(conn)
    with pytest.raises(Overloaded):
        intake.rejudge(conn, broker, admin, old_id, "here", 0)
    for unknown in ("not-an-id", "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(NotFound):
            intake.rejudge(conn, broker, admin, unknown, "here", 1000)
    assert conn.execute("SELECT count(*) AS n FROM audit_events").fetchone() == {"n": 0}
