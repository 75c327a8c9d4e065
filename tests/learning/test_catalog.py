"""The problem browser: published problems with the learner's own standing, filtered and
paged in SQL."""

from __future__ import annotations

from appliance import db
from appliance.learning import workspace
from appliance.learning.catalog import Filters, browse, tags
from tests.conftest import FAST_PROBLEM, HIDDEN_PROBLEM, PROBLEM
from tests.learning.helpers import add_problem, judged, new_version, user, version_id


def _slugs(conn: db.Connection, user_id: int, filters: Filters) -> list[str]:
    rows, total = browse(conn, user_id, filters, 100, 0)
    assert total == len(rows)
    return [row.slug for row in rows]


def test_browse_lists_published_problems_easiest_first_then_by_title(conn: db.Connection) -> None:
    ada = user(conn, "ada")
    add_problem(conn, "zeta-easy", "Aardvark counting", "Easy", ("counting",))
    add_problem(conn, "very", "Zebra", "Very Easy")
    add_problem(conn, "hard-one", "Anything", "Hard")
    add_problem(conn, "draft-only", "Not yet published", "Very Easy", published=False)
    slugs = _slugs(conn, ada.id, Filters())
    assert slugs[0] == "very" and slugs[1] == "zeta-easy" and slugs[-1] == "hard-one"
    assert set(slugs[2:-1]) == {PROBLEM, FAST_PROBLEM, HIDDEN_PROBLEM}
    assert "draft-only" not in slugs


def test_a_new_problem_has_no_score_no_attempts_and_its_mutant_count(conn: db.Connection) -> None:
    ada = user(conn, "ada")
    rows, _ = browse(conn, ada.id, Filters(text=PROBLEM), 10, 0)
    row = next(row for row in rows if row.slug == PROBLEM)
    assert (row.state, row.best_score, row.attempts, row.bookmarked) == ("new", None, 0, False)
    assert row.mutant_count == 3 and row.tags == ["boundaries"] and row.difficulty == "Easy"


def test_best_score_is_the_users_own_best_success_on_any_version(conn: db.Connection) -> None:
    ada, bob = user(conn, "ada"), user(conn, "bob")
    old = version_id(conn)
    judged(conn, ada, old, score=72, minute=1)
    judged(conn, ada, old, "FAILURE", minute=2)
    new_version(conn)
    judged(conn, ada, version_id(conn), score=58, minute=3)
    judged(conn, bob, version_id(conn), score=100, minute=4)
    row = next(r for r in browse(conn, ada.id, Filters(), 10, 0)[0] if r.slug == PROBLEM)
    assert (row.best_score, row.attempts, row.state) == (72, 3, "tried")


def test_a_score_of_100_on_any_version_solves_the_problem(conn: db.Connection) -> None:
    ada = user(conn, "ada")
    judged(conn, ada, version_id(conn), score=100)
    new_version(conn)
    judged(conn, ada, version_id(conn), score=41, minute=1)
    judged(conn, ada, version_id(conn, FAST_PROBLEM), "FAILURE", minute=2)
    assert _slugs(conn, ada.id, Filters(state="solved")) == [PROBLEM]
    assert _slugs(conn, ada.id, Filters(state="tried")) == [FAST_PROBLEM]
    assert _slugs(conn, ada.id, Filters(state="new")) == [HIDDEN_PROBLEM]


def test_a_rejudge_is_no_attempt_of_the_learner(conn: db.Connection) -> None:
    ada = user(conn, "ada")
    first = judged(conn, ada, version_id(conn), "ERROR", score=None)
    judged(conn, ada, version_id(conn), score=86, minute=5, rejudge_of=first)
    row = next(r for r in browse(conn, ada.id, Filters(), 10, 0)[0] if r.slug == PROBLEM)
    assert (row.attempts, row.best_score) == (1, 86)


def test_filters_by_difficulty_tag_and_bookmark(conn: db.Connection) -> None:
    ada = user(conn, "ada")
    add_problem(conn, "roman", "To Roman", "Medium", ("strings", "numbers"))
    add_problem(conn, "words", "Word wrap", "Medium", ("strings",))
    workspace.set_bookmark(conn, ada.id, "words", True)
    workspace.set_bookmark(conn, ada.id, PROBLEM, True)
    assert _slugs(conn, ada.id, Filters(difficulty="Medium")) == ["roman", "words"]
    assert _slugs(conn, ada.id, Filters(tag="numbers")) == ["roman"]
    assert _slugs(conn, ada.id, Filters(tag="strings", bookmarked=True)) == ["words"]
    assert _slugs(conn, ada.id, Filters(bookmarked=True)) == [PROBLEM, "words"]
    assert _slugs(conn, ada.id, Filters(difficulty="Hard")) == []


def test_bookmarks_are_each_users_own(conn: db.Connection) -> None:
    ada, bob = user(conn, "ada"), user(conn, "bob")
    workspace.set_bookmark(conn, ada.id, PROBLEM, True)
    assert _slugs(conn, bob.id, Filters(bookmarked=True)) == []
    rows, _ = browse(conn, ada.id, Filters(text=PROBLEM), 10, 0)
    assert [row.bookmarked for row in rows if row.slug == PROBLEM] == [True]


def test_text_matches_title_slug_or_tag_whatever_the_case(conn: db.Connection) -> None:
    ada = user(conn, "ada")
    add_problem(conn, "roman", "Convert To Roman numerals", "Medium", ("Strings",))
    assert _slugs(conn, ada.id, Filters(text="roMAN NUM")) == ["roman"]
    assert _slugs(conn, ada.id, Filters(text="OMA")) == ["roman"]
    assert _slugs(conn, ada.id, Filters(text="strINGS")) == ["roman"]
    assert _slugs(conn, ada.id, Filters(text="  ")) == _slugs(conn, ada.id, Filters())


def test_like_wildcards_in_the_text_are_taken_literally(conn: db.Connection) -> None:
    ada = user(conn, "ada")
    add_problem(conn, "percent", "Apply a 10% discount", "Easy")
    add_problem(conn, "under", "snake_case names", "Easy")
    add_problem(conn, "back", "Escape \\ backslashes", "Easy")
    assert _slugs(conn, ada.id, Filters(text="%")) == ["percent"]
    assert _slugs(conn, ada.id, Filters(text="_")) == ["under"]
    assert _slugs(conn, ada.id, Filters(text="e_c")) == ["under"]
    assert _slugs(conn, ada.id, Filters(text="\\")) == ["back"]
    assert _slugs(conn, ada.id, Filters(text="a%d")) == []


def test_text_postgresql_cannot_hold_matches_nothing(conn: db.Connection) -> None:
    ada = user(conn, "ada")
    for text in ("clamp\x00", "\ud800", "x" * 100_000):
        assert browse(conn, ada.id, Filters(text=text), 10, 0) == ([], 0)
    assert browse(conn, ada.id, Filters(tag="boundaries\x00"), 10, 0) == ([], 0)


def test_pages_count_every_match(conn: db.Connection) -> None:
    ada = user(conn, "ada")
    for n in range(7):
        add_problem(conn, f"p{n}", f"Problem {n}", "Hard", ("paged",))
    first, total = browse(conn, ada.id, Filters(tag="paged"), 3, 0)
    last, same_total = browse(conn, ada.id, Filters(tag="paged"), 3, 6)
    beyond, _ = browse(conn, ada.id, Filters(tag="paged"), 3, 10**12)
    assert [r.slug for r in first] == ["p0", "p1", "p2"] and [r.slug for r in last] == ["p6"]
    assert total == same_total == 7 and beyond == []
    assert browse(conn, ada.id, Filters(tag="paged"), -1, -5) == ([], 7)


def test_tags_are_the_published_problems_distinct_and_sorted(conn: db.Connection) -> None:
    add_problem(conn, "roman", "To Roman", "Medium", ("strings", "numbers"))
    add_problem(conn, "hidden", "Not published", "Medium", ("secret",), published=False)
    assert tags(conn) == ["boundaries", "numbers", "strings"]
