"""The submissions pages: every submission paged and filtered in SQL, one submission in
full with its kill matrix, and rejudge through the real judge."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis
from nicegui import ui
from nicegui.testing.user import User as SimulatedUser

from appliance import db, queue
from appliance.accounts.users import create_user
from appliance.submissions import reading
from tests.bundles import WEAK_SUITE
from tests.ui.conftest import log_in, make_console_user

SEOUL = ZoneInfo("Asia/Seoul")
# The newest seeded submission; the others go back an hour each.
NEWEST = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)
STATUSES = ("SUCCESS", "FAILURE", "FAILURE", "ERROR", "PENDING")
REASONS = {1: "flaky", 2: "no_tests"}
USERS = ("lee", "kim", "park_jiho")
PROBLEMS = ("mini-clamp", "mini-clamp-fast", "mini-clamp-hidden")


@pytest.fixture(autouse=True)
def seoul_time(console_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Dates shown and filtered in Seoul time, so that day boundaries are not UTC's."""
    monkeypatch.setenv("ARENA_TIMEZONE", "Asia/Seoul")


def seeded(i: int) -> dict[str, Any]:
    """What seed() stores as submission i: the tests count their expectations from this."""
    status = STATUSES[i % 5]
    return {
        "user": USERS[i % 3],
        "problem": PROBLEMS[(i // 3) % 3],
        "status": status,
        "reason": REASONS.get(i % 5),
        "created_at": NEWEST - timedelta(hours=i),
    }


def seed(conn: db.Connection, count: int) -> None:
    """`count` submissions straight into the table, as a busy appliance would have them."""
    users = [create_user(conn, name, "learner")[0].id for name in USERS]
    versions = [
        conn.execute(
            "SELECT v.id FROM problem_versions v JOIN problems p ON p.id = v.problem_id"
            " WHERE p.slug = %s",
            (slug,),
        ).fetchone()["id"]  # type: ignore[index]
        for slug in PROBLEMS
    ]
    conn.execute(
        "INSERT INTO submissions (user_id, version_id, code, code_sha256, status, reason, score,"
        " killed_weight, total_weight, created_at, finished_at)"
        " SELECT (%(users)s::bigint[])[1 + i %% 3], (%(versions)s::bigint[])[1 + (i / 3) %% 3],"
        " 'code', 'sha', (%(statuses)s::text[])[1 + i %% 5],"
        " CASE i %% 5 WHEN 1 THEN 'flaky' WHEN 2 THEN 'no_tests' END,"
        " CASE i %% 5 WHEN 0 THEN 30 + i %% 70 WHEN 1 THEN 0 WHEN 2 THEN 0 END,"
        " CASE WHEN i %% 5 < 3 THEN i %% 7 END, CASE WHEN i %% 5 < 3 THEN 6 END,"
        " %(newest)s - i * interval '1 hour',"
        " CASE WHEN i %% 5 < 4 THEN %(newest)s - i * interval '1 hour' + interval '5 s' END"
        " FROM generate_series(0, %(count)s - 1) AS i",
        {
            "users": users,
            "versions": versions,
            "statuses": list(STATUSES),
            "newest": NEWEST,
            "count": count,
        },
    )


def the(user: SimulatedUser, marker: str) -> Any:
    return next(iter(user.find(marker=marker).elements))


async def eventually(condition: Callable[[], Any], what: str, timeout_s: float = 10) -> Any:
    for _ in range(int(timeout_s / 0.05)):
        if value := condition():
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def choose(user: SimulatedUser, marker: str, value: str) -> None:
    """What picking a value in a control does."""
    with user:
        the(user, marker).value = value


def shown_ids(user: SimulatedUser) -> list[str]:
    return [row["id"] for row in the(user, "submissions-table").rows]


def ids_in_order(conn: db.Connection, where: str = "TRUE") -> list[str]:
    rows = conn.execute(
        f"SELECT id FROM submissions WHERE {where} ORDER BY created_at DESC, id DESC"
    ).fetchall()
    return [str(row["id"]) for row in rows]


# -- the list ---------------------------------------------------------------------------


async def test_the_list_pages_fifty_at_a_time_newest_first_and_sorts_by_creation(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    seed(conn, 120)
    everything = ids_in_order(conn)
    await admin_user.open("/submissions")
    await admin_user.should_see("Matching submissions: 120")
    assert shown_ids(admin_user) == everything[:50]
    first = the(admin_user, "submissions-table").rows[0]
    assert first["created"] == "2026-11-20 21:30:00"  # 12:30 UTC, shown in Seoul time
    assert first["user"] == "lee" and first["problem"] == "mini-clamp v1"

    admin_user.find(marker="submissions-table").trigger(
        "request", {"pagination": {"page": 3, "rowsPerPage": 50, "sortBy": "created"}}
    )
    await eventually(lambda: shown_ids(admin_user) == everything[100:], "the third page")
    assert the(admin_user, "submissions-table").pagination["rowsNumber"] == 120

    admin_user.find(marker="submissions-table").trigger(
        "request",
        {"pagination": {"page": 1, "rowsPerPage": 50, "sortBy": "created", "descending": False}},
    )
    await eventually(lambda: shown_ids(admin_user) == everything[::-1][:50], "oldest first")
    assert the(admin_user, "submissions-order").value is False  # the order control follows
    choose(admin_user, "submissions-order", True)  # and sorts too, from the keyboard
    await eventually(lambda: shown_ids(admin_user) == everything[:50], "newest first again")


async def test_each_filter_narrows_the_list_to_the_matching_rows(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    count = 300
    seed(conn, count)
    rows = [seeded(i) for i in range(count)]
    day = datetime(2026, 11, 15).date()

    def local_day(row: dict[str, Any]) -> Any:
        return row["created_at"].astimezone(SEOUL).date()

    cases: list[tuple[str, Callable[[dict[str, Any]], bool]]] = [
        ("status=FAILURE", lambda r: r["status"] == "FAILURE"),
        ("reason=flaky", lambda r: r["reason"] == "flaky"),
        ("problem=mini-clamp-fast", lambda r: r["problem"] == "mini-clamp-fast"),
        ("user=JIHO", lambda r: r["user"] == "park_jiho"),
        ("user=k%25j", lambda r: False),  # '%' is a character here, not a wildcard
        ("since=2026-11-15&until=2026-11-15", lambda r: local_day(r) == day),
        ("since=2026-11-10", lambda r: local_day(r) >= datetime(2026, 11, 10).date()),
        (
            "status=FAILURE&problem=mini-clamp&user=lee&until=2026-11-18",
            lambda r: (
                r["status"] == "FAILURE"
                and r["problem"] == "mini-clamp"
                and r["user"] == "lee"
                and local_day(r) <= datetime(2026, 11, 18).date()
            ),
        ),
    ]
    for query, matches in cases:
        expected = sum(1 for row in rows if matches(row))
        await admin_user.open(f"/submissions?{query}")
        await admin_user.should_see(f"Matching submissions: {expected:,}")
        assert len(shown_ids(admin_user)) == min(expected, 50), query


async def test_the_filter_controls_reload_the_list(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    seed(conn, 200)
    await admin_user.open("/submissions")
    await admin_user.should_see("Matching submissions: 200")
    choose(admin_user, "submissions-filter-status", "ERROR")
    await admin_user.should_see("Matching submissions: 40")
    assert shown_ids(admin_user) == ids_in_order(conn, "status = 'ERROR'")[:40]
    choose(admin_user, "submissions-filter-user", "kim")
    await admin_user.should_see("Matching submissions: 13")
    choose(admin_user, "submissions-filter-since", "2026-11-20")
    choose(admin_user, "submissions-filter-until", "2026-11-19")
    await admin_user.should_see("The end date is before the start date", retries=20)
    # The list keeps what it showed, and the filters a link to it gives (kim's errors).
    await admin_user.should_see("Matching submissions: 13")


async def test_no_matching_submission_says_so(admin_user: SimulatedUser) -> None:
    await admin_user.open("/submissions?status=SUCCESS&page=7")
    await admin_user.should_see("Matching submissions: 0")
    assert shown_ids(admin_user) == []


# -- one submission ---------------------------------------------------------------------


def judged(conn: db.Connection, broker: redis.Redis, drain: Callable[[], None], code: str) -> str:
    """A learner's submission of `code` to mini-clamp, judged by the real judge."""
    learner = create_user(conn, "lee", "learner")[0]
    version = conn.execute(
        "SELECT v.id FROM problem_versions v JOIN problems p ON p.id = v.problem_id"
        " WHERE p.slug = 'mini-clamp'"
    ).fetchone()
    assert version is not None
    row = conn.execute(
        "INSERT INTO submissions (user_id, version_id, code, code_sha256)"
        " VALUES (%s, %s, %s, %s) RETURNING id",
        (learner.id, version["id"], code, hashlib.sha256(code.encode()).hexdigest()),
    ).fetchone()
    assert row is not None
    queue.enqueue_submission(broker, str(row["id"]))
    drain()
    return str(row["id"])


def stored_kills(conn: db.Connection, submission_id: str) -> set[tuple[str, str]]:
    """(test, mutant) pairs whose stored mutant run has the test failing or erroring."""
    rows = conn.execute(
        "SELECT t.test_name, v.name FROM test_results t JOIN variant_results v"
        " ON v.submission_id = t.submission_id AND v.position = t.position"
        " WHERE t.submission_id = %s AND v.kind = 'mutant' AND t.outcome IN ('failed', 'error')",
        (submission_id,),
    ).fetchall()
    return {(row["test_name"], row["name"]) for row in rows}


async def test_a_judged_submission_shows_golden_tests_and_the_stored_kill_matrix(
    admin_user: SimulatedUser, conn: db.Connection, broker: redis.Redis, drain: Any
) -> None:
    submission_id = judged(conn, broker, drain, WEAK_SUITE)
    await admin_user.open(f"/submissions/{submission_id}")
    await admin_user.should_see(submission_id)
    await admin_user.should_see("Success")
    await admin_user.should_see("41 (killed weight 1 / 6, mutants 1 / 3)")
    await admin_user.should_see("lee")
    await admin_user.should_see("mini-clamp v1")

    golden = the(admin_user, "golden-tests").rows
    assert [(row["name"], row["outcome"]) for row in golden] == [
        ("test_inside_is_unchanged", "passed")
    ]
    matrix = the(admin_user, "kill-matrix")
    mutants = {c["field"]: c for c in matrix.columns if c["name"] != "test"}
    assert {c["label"] for c in mutants.values()} == {
        "upper_exclusive",
        "no_range_check",
        "bounds_swapped",
    }
    shown = {
        (row["test"], mutants[field]["label"])
        for row in matrix.rows
        for field in mutants
        if row[field] == "✓"
    }
    assert (
        shown
        == stored_kills(conn, submission_id)
        == {("test_inside_is_unchanged", "bounds_swapped")}
    )
    survivors = {c["label"] for c in mutants.values() if c["survived"]}
    assert survivors == {"upper_exclusive", "no_range_check"}
    code = the(admin_user, "submission-code")
    assert code.content.strip() == WEAK_SUITE.strip()


async def test_an_unknown_submission_is_said_to_be_missing(admin_user: SimulatedUser) -> None:
    await admin_user.open("/submissions/not-a-submission")
    await admin_user.should_see("There is no submission not-a-submission.")
    await admin_user.open("/submissions/00000000-0000-0000-0000-000000000000")
    await admin_user.should_see(marker="submission-missing")


async def test_rejudge_judges_the_suite_again_as_a_new_submission_and_is_audited(
    admin_user: SimulatedUser, conn: db.Connection, broker: redis.Redis, drain: Any
) -> None:
    old_id = judged(conn, broker, drain, WEAK_SUITE)
    await admin_user.open(f"/submissions/{old_id}")
    admin_user.find(marker="submission-rejudge-button").click()
    admin_user.find(marker="submission-rejudge-confirm").click()
    new = await eventually(
        lambda: conn.execute(
            "SELECT id, status, user_id, version_id, code FROM submissions WHERE rejudge_of = %s",
            (old_id,),
        ).fetchone(),
        "the rejudge",
    )
    event = conn.execute(
        "SELECT actor_name, action, target, detail FROM audit_events"
        " WHERE action = 'submission.rejudge'"
    ).fetchone()
    assert event == {
        "actor_name": "ada",
        "action": "submission.rejudge",
        "target": old_id,
        "detail": {
            "rejudge": str(new["id"]),
            "previous_status": "SUCCESS",
            "previous_reason": None,
            "previous_score": 41,
        },
    }
    await admin_user.should_see(str(new["id"]), retries=20)  # the page of the new one
    await admin_user.should_see(marker="submission-rejudge-waiting")

    drain()  # the same worker and judge as any submission
    judged_again = conn.execute(
        "SELECT status, score, killed_weight FROM submissions WHERE id = %s", (new["id"],)
    ).fetchone()
    assert judged_again == {"status": "SUCCESS", "score": 41, "killed_weight": 1}
    assert stored_kills(conn, str(new["id"])) == stored_kills(conn, old_id)
    old = conn.execute("SELECT status, score FROM submissions WHERE id = %s", (old_id,)).fetchone()
    assert old == {"status": "SUCCESS", "score": 41}  # the old result is kept as it was

    await admin_user.open(f"/submissions/{new['id']}")
    await admin_user.should_see(marker="submission-rejudge-of")
    assert reading.review(conn, str(new["id"])).detail.rejudge_of == old_id  # type: ignore[union-attr]
    await admin_user.open(f"/submissions/{old_id}")
    await admin_user.should_see(marker="submission-rejudge")


async def test_a_submission_being_judged_cannot_be_rejudged_yet(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    seed(conn, 5)  # the fifth (i = 4) is PENDING
    pending = conn.execute("SELECT id FROM submissions WHERE status = 'PENDING'").fetchone()
    assert pending is not None
    await admin_user.open(f"/submissions/{pending['id']}")
    await admin_user.should_see("This suite is being judged: rejudge once it is done.")
    assert not the(admin_user, "submission-rejudge-button").enabled
    await admin_user.should_see("Not judged yet.")


async def test_a_waiting_submission_redraws_once_it_is_judged(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    seed(conn, 5)
    pending = conn.execute("SELECT id FROM submissions WHERE status = 'PENDING'").fetchone()
    assert pending is not None
    await admin_user.open(f"/submissions/{pending['id']}")
    await admin_user.should_see("Pending")
    conn.execute(
        "UPDATE submissions SET status = 'ERROR', error_detail = 'the judge image is missing',"
        " finished_at = now() WHERE id = %s",
        (pending["id"],),
    )
    await admin_user.should_see(
        "The appliance failed to judge it: the judge image is missing", retries=80
    )


# -- who may look -----------------------------------------------------------------------


async def test_authors_are_sent_back_to_their_own_pages(
    author_user: SimulatedUser, conn: db.Connection
) -> None:
    seed(conn, 3)
    some = conn.execute("SELECT id FROM submissions LIMIT 1").fetchone()
    assert some is not None
    for path in ("/submissions", f"/submissions/{some['id']}"):
        client = await author_user.open(path)
        assert client.page.path == "/problems"  # redirected to the author's home
        await author_user.should_not_see(marker="submissions-table")
        await author_user.should_not_see(marker="submission-id")


async def test_a_visitor_is_sent_to_the_login(visitor: SimulatedUser) -> None:
    client = await visitor.open("/submissions")
    assert client.page.path == "/login"
    await visitor.should_see(marker="login-name")


async def test_the_pages_speak_korean(
    visitor: SimulatedUser, conn: db.Connection, broker: redis.Redis, drain: Any
) -> None:
    make_console_user(conn, "minji", "admin")
    submission_id = judged(conn, broker, drain, WEAK_SUITE)
    await log_in(visitor, "minji")
    await visitor.open("/submissions")
    await visitor.should_see("제출 1건")
    row = the(visitor, "submissions-table").rows[0]
    assert row["status_text"] == "성공"
    assert row["created"].startswith(datetime.now(SEOUL).strftime("%Y. %m. %d."))
    await visitor.open(f"/submissions/{submission_id}")
    await visitor.should_see("제거 행렬")
    await visitor.should_see("재채점")
    assert isinstance(the(visitor, "kill-matrix"), ui.table)


async def test_a_models_submission_is_listed_only_under_source_model(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    seed(conn, 3)
    model_id, *learners = ids_in_order(conn)
    # An evaluation's sample is stored as a submission like any other, source 'model'.
    conn.execute("UPDATE submissions SET source = 'model' WHERE id = %s", (model_id,))
    await admin_user.open("/submissions")
    await admin_user.should_see("Matching submissions: 2")
    assert shown_ids(admin_user) == learners
    assert the(admin_user, "submissions-filter-source").value == "learner"
    choose(admin_user, "submissions-filter-source", "model")
    await admin_user.should_see("Matching submissions: 1")
    assert shown_ids(admin_user) == [model_id]
    choose(admin_user, "submissions-filter-source", "any")
    await admin_user.should_see("Matching submissions: 3")
    await admin_user.open("/submissions?source=model")  # a link keeps the choice
    await admin_user.should_see("Matching submissions: 1")
    assert shown_ids(admin_user) == [model_id]
