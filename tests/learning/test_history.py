"""The learner's attempts: newest first, each with a diff against the attempt before it
on the same problem, paged in SQL."""

from __future__ import annotations

from appliance import db
from appliance.learning.history import MAX_DIFF_LINES, attempts, code_diff
from tests.conftest import FAST_PROBLEM, PROBLEM
from tests.learning.helpers import judged, new_version, user, version_id

V1 = "def test_a():\n    assert True\n"
V2 = "def test_a():\n    assert 1 == 1\n"
V3 = V2 + "\n\ndef test_b():\n    pass\n"


def test_attempts_are_newest_first_each_diffed_against_the_one_before(
    conn: db.Connection,
) -> None:
    ada = user(conn, "ada")
    first = judged(conn, ada, version_id(conn), code=V1, minute=1)
    second = judged(conn, ada, version_id(conn), "FAILURE", code=V2, minute=2)
    third = judged(conn, ada, version_id(conn), "RUNNING", score=None, code=V3, minute=3)
    rows, total = attempts(conn, ada.id, None, 10, 0)
    assert total == 3 and [row.id for row in rows] == [third, second, first]
    assert [row.previous_id for row in rows] == [second, first, None]
    assert rows[2].diff == ""
    assert "-    assert True\n+    assert 1 == 1\n" in rows[1].diff
    assert (
        rows[0].diff.startswith("--- previous\n+++ this attempt\n")
        and "+def test_b():" in rows[0].diff
    )
    assert (rows[1].status, rows[1].reason, rows[1].score) == ("FAILURE", "golden_failed", 0)
    assert (rows[0].status, rows[0].finished_at) == ("RUNNING", None)


def test_the_previous_attempt_is_on_the_same_problem_across_its_versions(
    conn: db.Connection,
) -> None:
    ada = user(conn, "ada")
    first = judged(conn, ada, version_id(conn), code=V1, minute=1)
    judged(conn, ada, version_id(conn, FAST_PROBLEM), code=V3, minute=2)
    new_version(conn)
    latest = judged(conn, ada, version_id(conn), code=V2, minute=3)
    rows, total = attempts(conn, ada.id, PROBLEM, 10, 0)
    assert total == 2 and [row.id for row in rows] == [latest, first]
    assert rows[0].previous_id == first and [row.version for row in rows] == [2, 1]
    assert rows[0].problem == PROBLEM and rows[0].title == "Clamp (test problem)"


def test_a_rejudge_is_diffed_against_what_it_judges_again_and_skipped_after(
    conn: db.Connection,
) -> None:
    ada = user(conn, "ada")
    first = judged(conn, ada, version_id(conn), "ERROR", score=None, code=V1, minute=1)
    second = judged(conn, ada, version_id(conn), code=V2, minute=2)
    rejudge = judged(conn, ada, version_id(conn), code=V1, minute=3, rejudge_of=first)
    third = judged(conn, ada, version_id(conn), code=V3, minute=4)
    rows, _ = attempts(conn, ada.id, PROBLEM, 10, 0)
    by_id = {row.id: row for row in rows}
    assert (by_id[rejudge].previous_id, by_id[rejudge].diff) == (first, "")
    assert by_id[rejudge].rejudge_of == first and by_id[second].rejudge_of is None
    assert by_id[third].previous_id == second and "+def test_b():" in by_id[third].diff


def test_attempts_page_in_sql_and_count_them_all(conn: db.Connection) -> None:
    ada = user(conn, "ada")
    ids = [judged(conn, ada, version_id(conn), code=f"n = {n}\n", minute=n) for n in range(7)]
    page, total = attempts(conn, ada.id, None, 3, 3)
    assert total == 7 and [row.id for row in page] == ids[3:0:-1]
    assert page[-1].previous_id == ids[0] and "-n = 0\n+n = 1\n" in page[-1].diff
    assert attempts(conn, ada.id, None, 3, 10**12) == ([], 7)


def test_a_learner_sees_only_their_own_attempts(conn: db.Connection) -> None:
    ada, bob = user(conn, "ada"), user(conn, "bob")
    judged(conn, bob, version_id(conn), code=V1, minute=1)
    mine = judged(conn, ada, version_id(conn), code=V2, minute=2)
    rows, total = attempts(conn, ada.id, None, 10, 0)
    assert total == 1 and rows[0].id == mine and rows[0].previous_id is None


def test_an_unknown_problem_has_no_attempts(conn: db.Connection) -> None:
    ada = user(conn, "ada")
    judged(conn, ada, version_id(conn))
    for slug in ("no-such-problem", "mini-clamp\x00"):
        assert attempts(conn, ada.id, slug, 10, 0) == ([], 0)


def test_code_diff_is_empty_for_the_same_code_and_marks_a_missing_last_newline() -> None:
    assert code_diff(V1, V1) == ""
    diff = code_diff("a = 1", "a = 2")
    assert diff.endswith("-a = 1\n+a = 2\n")


def test_code_diff_of_huge_code_says_so_instead_of_diffing() -> None:
    huge = "x = 1\n" * (MAX_DIFF_LINES + 1)
    assert "no diff shown" in code_diff(huge, "x = 2\n")
