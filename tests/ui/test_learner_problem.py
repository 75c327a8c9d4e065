"""The problem page (/learn/{slug}): the statement, the signature, golden code only where
the problem shows it, the editor's server-side draft, submitting with the button or
Ctrl+Enter, the judged result arriving in the page, refusals said with the draft kept,
and the learner's attempts and leaderboard."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import redis
from nicegui import ui
from nicegui.testing.user import User as SimulatedUser

from appliance import db, ratelimit
from appliance.accounts.users import User
from appliance.learning import workspace
from appliance.settings import Settings
from appliance.submissions import intake
from tests.bundles import STRONG_SUITE, WEAK_SUITE
from tests.ui.conftest import (
    judged_submission,
    log_in,
    make_console_user,
    text_of,
    user_id,
)


def _one(user: SimulatedUser, marker: str) -> Any:
    (element,) = user.find(marker=marker).elements
    return element


def _result(user: SimulatedUser) -> ui.element:
    assert user.client is not None
    (panel,) = [e for e in user.client.elements.values() if e.props.get("data-testid") == "result"]
    return panel


async def _until(check: Callable[[], Any], what: str, seconds: float = 10.0) -> Any:
    for _ in range(int(seconds / 0.05)):
        if value := check():
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {seconds} s: {what}")


def _draft(conn: db.Connection, name: str, slug: str) -> str | None:
    return workspace.load_draft(conn, user_id(conn, name), slug)


async def test_the_page_shows_the_statement_signature_limits_and_golden(
    learner_user: SimulatedUser,
) -> None:
    await learner_user.open("/learn/mini-clamp")
    await learner_user.should_see("Clamp (test problem)")
    assert "Limit x to [lo, hi]" in _one(learner_user, "learn-statement").content
    assert _one(learner_user, "learn-signature").content == "def clamp(x, lo, hi)"
    assert "def clamp(x, lo, hi):" in _one(learner_user, "learn-golden").content
    await learner_user.should_see("Time limit 5.0 s per run · 3 mutants to kill · version 1")


async def test_hidden_golden_code_is_never_shown(learner_user: SimulatedUser) -> None:
    await learner_user.open("/learn/mini-clamp-hidden")
    await learner_user.should_see(marker="learn-signature")
    await learner_user.should_not_see(marker="learn-golden")
    await learner_user.should_not_see("Show the correct implementation")


async def test_an_unknown_problem_says_so(learner_user: SimulatedUser) -> None:
    await learner_user.open("/learn/no-such-problem")
    await learner_user.should_see("There is no published problem at this address.")


async def test_a_new_learner_starts_from_the_starter_suite(learner_user: SimulatedUser) -> None:
    await learner_user.open("/learn/mini-clamp")
    code = _one(learner_user, "learn-editor").value
    assert "from target import clamp" in code
    compile(code, "starter.py", "exec")  # valid Python


async def test_a_typed_draft_survives_a_reload_and_belongs_to_its_user(
    learner_user: SimulatedUser, conn: db.Connection
) -> None:
    await learner_user.open("/learn/mini-clamp")
    editor = _one(learner_user, "learn-editor")
    with learner_user:
        editor.value = WEAK_SUITE  # what typing leaves in the editor
    await _until(lambda: _draft(conn, "lee", "mini-clamp") == WEAK_SUITE, "the draft saved")
    await learner_user.should_see("Draft saved")
    await learner_user.open("/learn/mini-clamp")
    assert _one(learner_user, "learn-editor").value == WEAK_SUITE
    await learner_user.open("/learn/mini-clamp-fast")  # a draft is per problem too
    assert _one(learner_user, "learn-editor").value != WEAK_SUITE
    learner_user.find("Log out").click()
    await learner_user.should_see(marker="login-name", retries=20)
    make_console_user(conn, "kim", "learner")
    await log_in(learner_user, "kim", path="/login?next=/learn/mini-clamp")
    await learner_user.should_see(marker="learn-editor", retries=20)
    assert _one(learner_user, "learn-editor").value != WEAK_SUITE


async def test_submitting_judges_the_suite_and_the_result_appears_live(
    learner_user: SimulatedUser, conn: db.Connection, drain: Callable[[], None]
) -> None:
    await learner_user.open("/learn/mini-clamp")
    assert _one(learner_user, "learn-problem-state").props["data-state"] == "new"
    with learner_user:
        _one(learner_user, "learn-editor").value = STRONG_SUITE
    learner_user.find(marker="learn-submit").click()
    row = await _until(
        lambda: conn.execute("SELECT id, code FROM submissions").fetchone(), "a submission"
    )
    assert row["code"] == STRONG_SUITE
    assert _draft(conn, "lee", "mini-clamp") == STRONG_SUITE
    await _until(
        lambda: _result(learner_user).props.get("data-submission") == str(row["id"]), "shown"
    )
    drain()
    await _until(lambda: _result(learner_user).props.get("data-status") == "SUCCESS", "judged")
    await _until(lambda: "100 / 100" in text_of(learner_user, "learn-problem-attempts"), "listed")
    await _until(lambda: "lee (you)" in text_of(learner_user, "learn-leaderboard"), "ranked")
    # The learner's state and best score at the top follow the verdict too, unreloaded.
    await _until(
        lambda: _one(learner_user, "learn-problem-state").props["data-state"] == "solved", "solved"
    )
    assert "100" in _one(learner_user, "learn-problem-best").text
    links = [link.props["href"] for link in learner_user.find(kind=ui.link).elements]
    assert f"/learn/results/{row['id']}" in links


async def test_a_page_opened_while_judging_shows_the_verdict_when_it_comes(
    learner_user: SimulatedUser,
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    drain: Callable[[], None],
) -> None:
    lee = User(user_id(conn, "lee"), "lee", "learner", "en")
    submitted = intake.submit(conn, broker, settings, lee, "mini-clamp", STRONG_SUITE)  # the CLI
    await learner_user.open("/learn/mini-clamp")
    assert "Queued" in text_of(learner_user, "learn-problem-attempts")
    assert _one(learner_user, "learn-editor").value == STRONG_SUITE  # the submitted draft
    drain()
    await _until(lambda: _result(learner_user).props.get("data-status") == "SUCCESS", "judged")
    await _until(lambda: "100 / 100" in text_of(learner_user, "learn-problem-attempts"), "listed")
    assert _result(learner_user).props.get("data-submission") == submitted["id"]


async def test_ctrl_enter_in_the_editor_submits(
    learner_user: SimulatedUser, conn: db.Connection
) -> None:
    await learner_user.open("/learn/mini-clamp")
    with learner_user:
        _one(learner_user, "learn-editor").value = WEAK_SUITE
    learner_user.find(marker="learn-editor").trigger("keybinding", {"key": "Ctrl-Enter"})
    row = await _until(
        lambda: conn.execute("SELECT code FROM submissions").fetchone(), "a submission"
    )
    assert row["code"] == WEAK_SUITE


async def test_a_rate_limited_submission_is_refused_and_the_draft_is_kept(
    learner_user: SimulatedUser, conn: db.Connection, broker: redis.Redis
) -> None:
    lee = user_id(conn, "lee")
    window = int(ratelimit.clock()) // ratelimit.WINDOW_S
    for w in (window, window + 1):  # the whole minute used up, even across its end
        broker.set(f"arena:rate:{lee}:{w}", 10_000)
    await learner_user.open("/learn/mini-clamp")
    with learner_user:
        _one(learner_user, "learn-editor").value = WEAK_SUITE
    learner_user.find(marker="learn-submit").click()
    await learner_user.should_see(marker="learn-message", retries=50)
    await _until(lambda: "Too many submissions" in _one(learner_user, "learn-message").text, "said")
    assert _one(learner_user, "learn-editor").value == WEAK_SUITE
    assert conn.execute("SELECT count(*) AS n FROM submissions").fetchone() == {"n": 0}


async def test_a_suite_over_the_size_limit_is_refused_and_kept_in_the_editor(
    learner_user: SimulatedUser, conn: db.Connection
) -> None:
    huge = WEAK_SUITE + "#" * 70_000
    await learner_user.open("/learn/mini-clamp")
    with learner_user:
        _one(learner_user, "learn-editor").value = huge
    learner_user.find(marker="learn-submit").click()
    await _until(
        lambda: "larger than 65,536 bytes" in _one(learner_user, "learn-message").text, "said"
    )
    assert _one(learner_user, "learn-editor").value == huge
    assert conn.execute("SELECT count(*) AS n FROM submissions").fetchone() == {"n": 0}


async def test_the_leaderboard_names_only_users_who_opted_in(
    learner_user: SimulatedUser, conn: db.Connection
) -> None:
    make_console_user(conn, "kim", "learner")
    make_console_user(conn, "max", "learner")
    judged_submission(conn, "kim", "mini-clamp", score=100, minutes_ago=9)
    judged_submission(conn, "max", "mini-clamp", score=100, minutes_ago=5)
    judged_submission(conn, "lee", "mini-clamp", score=41)
    conn.execute("UPDATE users SET leaderboard_name = true WHERE name = 'max'")
    await learner_user.open("/learn/mini-clamp")
    assert "anonymous" in text_of(learner_user, "learn-rank-1")  # kim: first to 100
    assert "max" in text_of(learner_user, "learn-rank-2")
    assert "lee (you)" in text_of(learner_user, "learn-rank-3")


async def test_the_bookmark_switch_is_kept(
    learner_user: SimulatedUser, conn: db.Connection
) -> None:
    await learner_user.open("/learn/mini-clamp")
    with learner_user:
        _one(learner_user, "learn-bookmark").value = True
    await _until(
        lambda: conn.execute("SELECT count(*) AS n FROM bookmarks").fetchone()["n"] == 1,
        "bookmarked",
    )
    await learner_user.open("/learn/mini-clamp")
    assert _one(learner_user, "learn-bookmark").value is True


async def test_every_control_of_the_editor_is_labelled(learner_user: SimulatedUser) -> None:
    await learner_user.open("/learn/mini-clamp")
    editor = _one(learner_user, "learn-editor")
    wrapper = editor.parent_slot.parent
    assert wrapper.props["data-testid"] == "editor"
    assert wrapper.props["aria-labelledby"] == "learn-editor-label"
    submit = _one(learner_user, "learn-submit")
    assert submit.props["data-testid"] == "submit"
    assert submit.text == "Submit"
    await learner_user.should_see("or Ctrl+Enter in the editor")


async def test_the_problem_page_speaks_korean(visitor: SimulatedUser, conn: db.Connection) -> None:
    make_console_user(conn, "lee", "learner")
    await log_in(visitor, "lee")
    await visitor.open("/learn/mini-clamp")
    await visitor.should_see("제출")
    await visitor.should_see("또는 편집기에서 Ctrl+Enter")
    await visitor.should_see("순위표")
