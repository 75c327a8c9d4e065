"""The learner's progress (/learn/progress): counts by difficulty and by tag, bookmarks,
and the switch that shows the learner's name on the leaderboards to other users."""

from __future__ import annotations

import asyncio

from nicegui.testing.user import User as SimulatedUser

from appliance import db
from appliance.learning import leaderboard, workspace
from tests.ui.conftest import judged_submission, log_in, make_console_user, text_of, user_id


async def test_progress_counts_problems_tried_and_solved_by_difficulty_and_tag(
    learner_user: SimulatedUser, conn: db.Connection
) -> None:
    conn.execute(
        "UPDATE problem_versions v SET difficulty = 'Hard', tags = '{sorting}' FROM problems p"
        " WHERE v.id = p.current_version_id AND p.slug = 'mini-clamp-fast'"
    )
    judged_submission(conn, "lee", "mini-clamp", score=100)
    judged_submission(conn, "lee", "mini-clamp-hidden", score=41)
    await learner_user.open("/learn/progress")
    easy = text_of(learner_user, "learn-progress-difficulty-Easy")
    # problems, tried without solving yet, solved, mean of the best scores
    assert easy.split()[-4:] == ["2", "1", "1", "70.5"]
    hard = text_of(learner_user, "learn-progress-difficulty-Hard")
    assert hard.split()[-4:-1] == ["1", "0", "0"]
    by_tag = text_of(learner_user, "learn-progress-tag-boundaries")
    assert by_tag.split()[-4:-1] == ["2", "1", "1"]


async def test_bookmarks_are_listed_with_their_links(
    learner_user: SimulatedUser, conn: db.Connection
) -> None:
    await learner_user.open("/learn/progress")
    await learner_user.should_see("No bookmark yet: bookmark a problem from its page.")
    workspace.set_bookmark(conn, user_id(conn, "lee"), "mini-clamp-fast", True)
    await learner_user.open("/learn/progress")
    assert "mini-clamp-fast" in text_of(learner_user, "learn-bookmarks")


async def test_the_name_switch_changes_what_others_see_on_the_leaderboard(
    learner_user: SimulatedUser, conn: db.Connection
) -> None:
    make_console_user(conn, "kim", "learner")
    judged_submission(conn, "lee", "mini-clamp", score=100)
    kim = user_id(conn, "kim")
    assert leaderboard.leaderboard(conn, kim, "mini-clamp")[0].name is None
    await learner_user.open("/learn/progress")
    (switch,) = learner_user.find(marker="learn-show-name").elements
    assert switch.value is False
    with learner_user:
        switch.value = True
    for _ in range(100):
        if leaderboard.shows_leaderboard_name(conn, user_id(conn, "lee")):
            break
        await asyncio.sleep(0.05)
    learner_user.find("Log out").click()
    await learner_user.should_see(marker="login-name", retries=20)
    await log_in(learner_user, "kim", path="/login?next=/learn/mini-clamp")
    await learner_user.should_see(marker="learn-leaderboard", retries=20)
    assert "lee" in text_of(learner_user, "learn-rank-1")


async def test_progress_speaks_korean(visitor: SimulatedUser, conn: db.Connection) -> None:
    make_console_user(conn, "lee", "learner")
    await log_in(visitor, "lee")
    await visitor.open("/learn/progress")
    await visitor.should_see("난이도별")
    await visitor.should_see("태그별")
