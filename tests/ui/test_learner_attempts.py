"""The learner's history (/learn/attempts): every own attempt, newest first, with its
score and the change since the previous attempt on the same problem, filtered by problem;
never another user's."""

from __future__ import annotations

from nicegui import ui
from nicegui.testing.user import User as SimulatedUser

from appliance import db
from tests.ui.conftest import judged_submission, log_in, make_console_user, text_of
from ui.learner.attempts import PAGE_SIZE

FIRST = "from target import clamp\n\ndef test_inside():\n    assert clamp(5, 0, 10) == 5\n"
SECOND = FIRST.replace("clamp(5, 0, 10) == 5", "clamp(11, 0, 10) == 10")


async def test_an_attempt_shows_its_score_and_the_diff_against_the_previous_one(
    learner_user: SimulatedUser, conn: db.Connection
) -> None:
    first = judged_submission(conn, "lee", "mini-clamp", FIRST, score=41, minutes_ago=5)
    second = judged_submission(conn, "lee", "mini-clamp", SECOND, score=58)
    await learner_user.open("/learn/attempts")
    assert "58 / 100" in text_of(learner_user, f"learn-attempt-{second}")
    diff = text_of(learner_user, f"learn-diff-{second}")
    assert "-    assert clamp(5, 0, 10) == 5" in diff
    assert "+    assert clamp(11, 0, 10) == 10" in diff
    assert "First attempt on this problem." in text_of(learner_user, f"learn-attempt-{first}")
    await learner_user.should_see("2 attempts · page 1 of 1")


async def test_added_and_removed_lines_are_coloured_plain_text(
    learner_user: SimulatedUser, conn: db.Connection
) -> None:
    judged_submission(conn, "lee", "mini-clamp", FIRST, score=41, minutes_ago=5)
    second = judged_submission(conn, "lee", "mini-clamp", SECOND + "<b>bold?</b>\n", score=58)
    await learner_user.open("/learn/attempts")
    (block,) = learner_user.find(marker=f"learn-diff-{second}").elements
    lines = {label.text: label.classes for label in block.descendants()}
    assert "text-green-900" in lines["+    assert clamp(11, 0, 10) == 10"]
    assert "text-red-900" in lines["-    assert clamp(5, 0, 10) == 5"]
    assert "+<b>bold?</b>" in lines  # shown as the characters typed, never as HTML


async def test_the_problem_filter_keeps_one_problems_attempts(
    learner_user: SimulatedUser, conn: db.Connection
) -> None:
    on_clamp = judged_submission(conn, "lee", "mini-clamp", FIRST, score=41)
    on_fast = judged_submission(conn, "lee", "mini-clamp-fast", FIRST, score=41)
    await learner_user.open("/learn/attempts?problem=mini-clamp-fast")
    await learner_user.should_see(marker=f"learn-attempt-{on_fast}")
    await learner_user.should_not_see(marker=f"learn-attempt-{on_clamp}")
    (select,) = learner_user.find(marker="learn-attempts-problem").elements
    with learner_user:
        select.value = "mini-clamp"
    await learner_user.should_see(marker=f"learn-attempt-{on_clamp}", retries=20)
    await learner_user.should_not_see(marker=f"learn-attempt-{on_fast}")


async def test_another_users_attempts_are_never_listed(
    learner_user: SimulatedUser, conn: db.Connection
) -> None:
    make_console_user(conn, "kim", "learner")
    theirs = judged_submission(conn, "kim", "mini-clamp", FIRST, score=41)
    await learner_user.open("/learn/attempts")
    await learner_user.should_see("No attempt yet.")
    await learner_user.should_not_see(marker=f"learn-attempt-{theirs}")


async def test_the_history_speaks_korean(visitor: SimulatedUser, conn: db.Connection) -> None:
    make_console_user(conn, "lee", "learner")
    judged_submission(conn, "lee", "mini-clamp", FIRST, score=41)
    await log_in(visitor, "lee")
    await visitor.open("/learn/attempts")
    await visitor.should_see("이 문제의 첫 제출입니다.")


async def test_the_next_page_holds_the_older_attempts(
    learner_user: SimulatedUser, conn: db.Connection
) -> None:
    ids = [
        judged_submission(conn, "lee", "mini-clamp", FIRST, score=41, minutes_ago=age)
        for age in range(PAGE_SIZE + 1)
    ]  # ids[0] is the newest
    await learner_user.open("/learn/attempts")
    await learner_user.should_see(f"{PAGE_SIZE + 1} attempts · page 1 of 2")
    await learner_user.should_not_see(marker=f"learn-attempt-{ids[-1]}")
    learner_user.find(kind=ui.button, content="Next").click()
    await learner_user.should_see(f"{PAGE_SIZE + 1} attempts · page 2 of 2", retries=20)
    await learner_user.should_see(marker=f"learn-attempt-{ids[-1]}")
    await learner_user.should_not_see(marker=f"learn-attempt-{ids[0]}")
