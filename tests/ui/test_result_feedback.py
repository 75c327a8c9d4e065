"""AI feedback in the learner's result panel: offered only on one's own finished SUCCESS
or FAILURE, asked for with a button, followed while it is written, shown as text with the
model that wrote it, not offered without a champion, failed (with a retry) when the model
is down, the hourly wait, and Korean. Real PostgreSQL, Redis and judge (`drain` runs the
feedback job too), the scripted model server on loopback and a crowned champion."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import redis
from nicegui import ui
from nicegui.testing.user import User as SimulatedUser

from appliance import db
from appliance.feedback import service
from tests.bundles import WEAK_SUITE
from tests.feedback import conftest as feedback_fixtures
from tests.feedback.conftest import Crown, ScriptedWithEcho
from tests.ui.conftest import judged_submission, log_in
from tests.ui.test_result_panel import GOLDEN_FAILS, LOGIN, PATIENCE, learner, submitted, the

# The feedback fixtures: settings that let the worker reach the scripted model server,
# the server, and `crown` (tests/feedback/conftest.py).
settings = feedback_fixtures.settings
llm_server = feedback_fixtures.llm_server
crown = feedback_fixtures.crown

PLANTED = "Check clamp(10, 0, 10) too: <b>x</b> marks the upper bound."


@pytest.fixture
async def lee(visitor: SimulatedUser, conn: db.Connection) -> SimulatedUser:
    learner(conn)
    await log_in(visitor, "lee", path=LOGIN)
    return visitor


def judged(conn: db.Connection, broker: redis.Redis, drain: Callable[[], None], code: str) -> str:
    submission_id = submitted(conn, broker, "lee", code)
    drain()
    return submission_id


async def test_the_button_is_offered_only_on_ones_own_finished_success_or_failure(
    lee: SimulatedUser,
    conn: db.Connection,
    broker: redis.Redis,
    drain: Callable[[], None],
    crown: Crown,
) -> None:
    crown("coach", "strong")
    for code, status in ((WEAK_SUITE, "SUCCESS"), (GOLDEN_FAILS, "FAILURE")):
        submission_id = judged(conn, broker, drain, code)
        await lee.open(f"/learn/results/{submission_id}")
        await lee.should_see("Get AI feedback", retries=PATIENCE)
        assert the(lee, "result").props["data-status"] == status
        assert isinstance(the(lee, "feedback-ask"), ui.button)  # focusable, Enter presses it
    error = judged_submission(conn, "lee", "mini-clamp", status="ERROR", score=None)
    pending = submitted(conn, broker, "lee", WEAK_SUITE + "\n# again\n")  # never drained
    learner(conn, "kim")
    others = judged_submission(conn, "kim", "mini-clamp")
    for submission_id in (error, pending, others):
        await lee.open(f"/learn/results/{submission_id}")
        await lee.should_see(marker="result-progress" if submission_id != others else "result")
        await lee.should_not_see("AI feedback")
        await lee.should_not_see(marker="feedback")


async def test_asked_feedback_is_followed_until_written_and_shown_as_text(
    lee: SimulatedUser,
    conn: db.Connection,
    broker: redis.Redis,
    drain: Callable[[], None],
    crown: Crown,
    llm_server: ScriptedWithEcho,
) -> None:
    llm_server.echo = PLANTED  # the "garbage" model answers this
    crown("echo", "garbage")
    submission_id = judged(conn, broker, drain, WEAK_SUITE)
    await lee.open(f"/learn/results/{submission_id}")
    await lee.should_see("Get AI feedback")
    lee.find(marker="feedback-ask").click()
    await lee.should_see("The feedback is being written", retries=PATIENCE)
    drain()  # the worker writes it; nothing reloads the page
    await lee.should_see(PLANTED, retries=PATIENCE)  # the characters, not bold markup
    assert the(lee, "feedback").props["data-feedback"] == "ready"
    assert "echo@1" in the(lee, "feedback-model").text
    await lee.should_not_see(kind=ui.html)
    await lee.should_not_see(kind=ui.markdown)
    await lee.open(f"/learn/results/{submission_id}")  # written once, shown on opening
    await lee.should_see(PLANTED)
    await lee.should_not_see(marker="feedback-ask")


async def test_without_a_champion_feedback_is_not_offered(
    lee: SimulatedUser, conn: db.Connection, broker: redis.Redis, drain: Callable[[], None]
) -> None:
    submission_id = judged(conn, broker, drain, WEAK_SUITE)
    await lee.open(f"/learn/results/{submission_id}")
    await lee.should_see("AI feedback is not offered right now.", retries=PATIENCE)
    await lee.should_not_see(marker="feedback-ask")


async def test_a_model_that_is_down_fails_the_feedback_and_it_can_be_asked_again(
    lee: SimulatedUser,
    conn: db.Connection,
    broker: redis.Redis,
    drain: Callable[[], None],
    crown: Crown,
) -> None:
    crown("down", "strong", base_url="http://127.0.0.1:9")
    submission_id = judged(conn, broker, drain, WEAK_SUITE)
    await lee.open(f"/learn/results/{submission_id}")
    await lee.should_see("Get AI feedback")
    lee.find(marker="feedback-ask").click()
    await lee.should_see("The feedback is being written", retries=PATIENCE)
    drain()
    await lee.should_see("The feedback model could not be reached.", retries=PATIENCE)
    await lee.should_not_see("127.0.0.1")  # the endpoint's address is for admins
    assert the(lee, "result").props["data-status"] == "SUCCESS"  # the score is untouched
    await lee.should_see("Ask again")
    lee.find(marker="feedback-ask").click()
    await lee.should_see("The feedback is being written", retries=PATIENCE)


async def test_over_the_hourly_limit_the_wait_is_said(
    lee: SimulatedUser,
    conn: db.Connection,
    broker: redis.Redis,
    drain: Callable[[], None],
    crown: Crown,
) -> None:
    crown("coach", "strong")
    submission_id = judged(conn, broker, drain, WEAK_SUITE)
    user = conn.execute("SELECT id FROM users WHERE name = 'lee'").fetchone()
    assert user is not None
    for window in (int(time.time()) // service.WINDOW_S + k for k in range(2)):
        broker.set(f"arena:feedback-rate:{user['id']}:{window}", service.PER_HOUR)
    await lee.open(f"/learn/results/{submission_id}")
    await lee.should_see("Get AI feedback")
    lee.find(marker="feedback-ask").click()
    await lee.should_see("You can ask again in about", retries=PATIENCE)


async def test_feedback_speaks_korean(
    visitor: SimulatedUser,
    conn: db.Connection,
    broker: redis.Redis,
    drain: Callable[[], None],
    crown: Crown,
    llm_server: ScriptedWithEcho,
) -> None:
    learner(conn, locale="ko")
    llm_server.echo = PLANTED
    crown("echo", "garbage")
    submission_id = judged(conn, broker, drain, WEAK_SUITE)
    await log_in(visitor, "lee", path=LOGIN)
    await visitor.open(f"/learn/results/{submission_id}")
    await visitor.should_see("AI 피드백 받기", retries=PATIENCE)
    visitor.find(marker="feedback-ask").click()
    await visitor.should_see("피드백을 작성하고 있습니다", retries=PATIENCE)
    drain()
    await visitor.should_see(PLANTED, retries=PATIENCE)
    assert "모델 echo@1" in the(visitor, "feedback-model").text
