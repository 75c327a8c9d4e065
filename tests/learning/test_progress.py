"""A learner's progress by difficulty and by tag, over the published problems."""

from __future__ import annotations

from appliance import db
from appliance.learning.progress import ProgressRow, progress
from tests.conftest import FAST_PROBLEM
from tests.learning.helpers import add_problem, judged, user, version_id


def test_progress_counts_problems_tried_and_solved_by_difficulty_and_tag(
    conn: db.Connection,
) -> None:
    ada, bob = user(conn, "ada"), user(conn, "bob")
    roman = add_problem(conn, "roman", "To Roman", "Medium", ("strings", "numbers"))
    add_problem(conn, "wrap", "Word wrap", "Medium", ("strings",))
    add_problem(conn, "hidden", "Unpublished", "Hard", ("secret",), published=False)
    judged(conn, ada, version_id(conn), score=100, minute=1)
    judged(conn, ada, version_id(conn), score=72, minute=2)
    judged(conn, ada, version_id(conn, FAST_PROBLEM), score=51, minute=3)
    judged(conn, ada, roman, "FAILURE", minute=4)
    judged(conn, bob, roman, score=100, minute=5)
    by_difficulty, by_tag = progress(conn, ada.id)
    assert by_difficulty == [
        ProgressRow("Easy", problems=3, tried=1, solved=1, mean_best=(100 + 51) / 2),
        ProgressRow("Medium", problems=2, tried=1, solved=0, mean_best=None),
    ]
    assert by_tag == [
        ProgressRow("boundaries", problems=3, tried=1, solved=1, mean_best=75.5),
        ProgressRow("numbers", problems=1, tried=1, solved=0, mean_best=None),
        ProgressRow("strings", problems=2, tried=1, solved=0, mean_best=None),
    ]


def test_a_newcomer_has_every_problem_new(conn: db.Connection) -> None:
    # The template's three problems are all Easy and tagged "boundaries".
    by_difficulty, by_tag = progress(conn, user(conn, "ada").id)
    assert by_difficulty == [ProgressRow("Easy", 3, 0, 0, None)]
    assert by_tag == [ProgressRow("boundaries", 3, 0, 0, None)]
