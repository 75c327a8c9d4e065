"""A problem as the learner works on it: its page, the draft and the bookmark."""

from __future__ import annotations

import pytest

from appliance import db
from appliance.errors import Invalid, NotFound, PayloadTooLarge
from appliance.learning import workspace
from appliance.problems.examples import Example
from tests.conftest import HIDDEN_PROBLEM, PROBLEM
from tests.learning.helpers import add_problem, judged, new_version, user, version_id

MAX = 64 * 1024


def test_problem_page_shows_the_current_version_and_the_learners_standing(
    conn: db.Connection,
) -> None:
    ada = user(conn, "ada")
    judged(conn, ada, version_id(conn), score=72)
    new_version(conn)
    workspace.set_bookmark(conn, ada.id, PROBLEM, True)
    page = workspace.problem_page(conn, ada.id, PROBLEM)
    assert page is not None
    assert (page.slug, page.version, page.mutant_count, page.wall_seconds) == (PROBLEM, 2, 3, 5.0)
    assert page.function_signature == "def clamp(x, lo, hi)" and page.tags == ["boundaries"]
    assert page.golden_code is not None and "def clamp" in page.golden_code
    assert (page.best_score, page.state, page.bookmarked) == (72, "tried", True)


def test_problem_page_hides_golden_code_unless_the_problem_shows_it(conn: db.Connection) -> None:
    page = workspace.problem_page(conn, user(conn, "ada").id, HIDDEN_PROBLEM)
    assert page is not None and page.golden_code is None


def test_problem_page_renders_the_examples_below_the_statement(conn: db.Connection) -> None:
    conn.execute(
        "UPDATE problem_versions SET examples = %s::jsonb WHERE id = %s",
        ('[{"call": "clamp(5, 0, 3)", "result": "3"}]', version_id(conn)),
    )
    page = workspace.problem_page(conn, user(conn, "ada").id, PROBLEM)
    assert page is not None
    assert page.examples == (Example(call="clamp(5, 0, 3)", result="3"),)
    assert page.description_md.startswith("Limit x to [lo, hi]")
    assert "## Examples" in page.description_md and ">>> clamp(5, 0, 3)\n3" in page.description_md


def test_problem_page_is_none_without_a_published_problem(conn: db.Connection) -> None:
    ada = user(conn, "ada")
    add_problem(conn, "draft-only", "Not yet", published=False)
    for slug in ("no-such-problem", "draft-only", "", "mini-clamp\x00", "\ud800", "x" * 10_000):
        assert workspace.problem_page(conn, ada.id, slug) is None


def test_a_draft_is_kept_per_user_and_problem_and_replaced_when_saved_again(
    conn: db.Connection,
) -> None:
    ada, bob = user(conn, "ada"), user(conn, "bob")
    assert workspace.load_draft(conn, ada.id, PROBLEM) is None
    workspace.save_draft(conn, ada.id, PROBLEM, "def test_one():\n    pass\n", MAX)
    workspace.save_draft(conn, ada.id, PROBLEM, "def test_two():\n    pass\n", MAX)
    assert workspace.load_draft(conn, ada.id, PROBLEM) == "def test_two():\n    pass\n"
    assert workspace.load_draft(conn, bob.id, PROBLEM) is None
    assert workspace.load_draft(conn, ada.id, HIDDEN_PROBLEM) is None


def test_saving_a_draft_again_moves_its_time(conn: db.Connection) -> None:
    ada = user(conn, "ada")
    workspace.save_draft(conn, ada.id, PROBLEM, "a = 1\n", MAX)
    conn.execute("UPDATE drafts SET updated_at = now() - interval '1 day'")
    workspace.save_draft(conn, ada.id, PROBLEM, "a = 2\n", MAX)
    row = conn.execute("SELECT updated_at > now() - interval '1 hour' AS fresh FROM drafts")
    assert row.fetchone() == {"fresh": True}


def test_an_emptied_editor_is_a_draft_too(conn: db.Connection) -> None:
    ada = user(conn, "ada")
    workspace.save_draft(conn, ada.id, PROBLEM, "", MAX)
    assert workspace.load_draft(conn, ada.id, PROBLEM) == ""


def test_a_draft_up_to_the_limit_is_kept_and_one_byte_more_is_refused(
    conn: db.Connection,
) -> None:
    ada = user(conn, "ada")
    exact = "# " + "가" * ((MAX - 2) // 3) + "x" * ((MAX - 2) % 3)
    assert len(exact.encode()) == MAX
    workspace.save_draft(conn, ada.id, PROBLEM, exact, MAX)
    assert workspace.load_draft(conn, ada.id, PROBLEM) == exact
    with pytest.raises(PayloadTooLarge):
        workspace.save_draft(conn, ada.id, PROBLEM, exact + "x", MAX)
    assert workspace.load_draft(conn, ada.id, PROBLEM) == exact


@pytest.mark.parametrize("code", ["a = 1\x00\n", "s = '\ud800'\n"])
def test_a_draft_postgresql_cannot_store_is_refused(conn: db.Connection, code: str) -> None:
    ada = user(conn, "ada")
    with pytest.raises(Invalid):
        workspace.save_draft(conn, ada.id, PROBLEM, code, MAX)
    assert workspace.load_draft(conn, ada.id, PROBLEM) is None


@pytest.mark.parametrize("slug", ["no-such-problem", "draft-only", "mini-clamp\x00"])
def test_drafts_and_bookmarks_need_a_published_problem(conn: db.Connection, slug: str) -> None:
    ada = user(conn, "ada")
    add_problem(conn, "draft-only", "Not yet", published=False)
    with pytest.raises(NotFound):
        workspace.save_draft(conn, ada.id, slug, "a = 1\n", MAX)
    with pytest.raises(NotFound):
        workspace.set_bookmark(conn, ada.id, slug, True)
    assert workspace.load_draft(conn, ada.id, slug) is None


def test_bookmarking_twice_or_removing_twice_changes_nothing(conn: db.Connection) -> None:
    ada = user(conn, "ada")
    for on in (True, True, False, False, True):
        workspace.set_bookmark(conn, ada.id, PROBLEM, on)
        page = workspace.problem_page(conn, ada.id, PROBLEM)
        assert page is not None and page.bookmarked is on
