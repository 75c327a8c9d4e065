"""Submitting from the learner's editor goes through the same intake as the API: stored,
queued, judged by the real worker, and the draft becomes the submitted code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis
from litestar.testing import TestClient

from appliance import db
from appliance.errors import Conflict, Invalid, NotFound, PayloadTooLarge, RateLimited
from appliance.learning import history, workspace
from appliance.settings import Settings
from appliance.submissions import intake, queries
from tests.bundles import STRONG_SUITE, WEAK_SUITE
from tests.conftest import PROBLEM, bearer, make_settings
from tests.learning.helpers import add_problem, new_version, user


def test_a_submission_is_judged_and_becomes_the_draft(
    conn: db.Connection, broker: redis.Redis, settings: Settings, drain: Callable[[], None]
) -> None:
    ada = user(conn, "ada")
    accepted = intake.submit(conn, broker, settings, ada, PROBLEM, STRONG_SUITE)
    assert (accepted["status"], accepted["problem"], accepted["version"]) == (
        "PENDING",
        PROBLEM,
        1,
    )
    assert workspace.load_draft(conn, ada.id, PROBLEM) == STRONG_SUITE
    drain()
    row = queries.detail(conn, accepted["id"])
    assert row is not None and (row["status"], row["score"]) == ("SUCCESS", 100)
    page = workspace.problem_page(conn, ada.id, PROBLEM)
    assert page is not None and (page.state, page.best_score) == ("solved", 100)
    attempts, total = history.attempts(conn, ada.id, PROBLEM, 10, 0)
    assert total == 1 and attempts[0].id == accepted["id"] and attempts[0].code == STRONG_SUITE


def test_a_submission_goes_to_the_current_version(
    conn: db.Connection, broker: redis.Redis, settings: Settings
) -> None:
    new_version(conn)
    accepted = intake.submit(conn, broker, settings, user(conn, "ada"), PROBLEM, WEAK_SUITE)
    assert accepted["version"] == 2


def test_the_same_key_answers_the_first_submission_again(
    conn: db.Connection, broker: redis.Redis, settings: Settings
) -> None:
    ada = user(conn, "ada")
    first = intake.submit(conn, broker, settings, ada, PROBLEM, WEAK_SUITE, key="k1")
    again = intake.submit(conn, broker, settings, ada, PROBLEM, WEAK_SUITE, key="k1")
    assert again == first
    with pytest.raises(Conflict):
        intake.submit(conn, broker, settings, ada, PROBLEM, STRONG_SUITE, key="k1")
    assert history.attempts(conn, ada.id, None, 10, 0)[1] == 1


def test_refusals_store_nothing_and_keep_the_draft(
    conn: db.Connection, broker: redis.Redis, settings: Settings
) -> None:
    ada = user(conn, "ada")
    add_problem(conn, "draft-only", "Not yet", published=False)
    workspace.save_draft(conn, ada.id, PROBLEM, "kept = True\n", settings.max_code_bytes)
    refusals = [
        (PROBLEM, "x" * (settings.max_code_bytes + 1), PayloadTooLarge),
        (PROBLEM, "def test_x():\n    pass\x00\n", Invalid),
        (PROBLEM, "s = '\udfff'\n", Invalid),
        ("no-such-problem", WEAK_SUITE, NotFound),
        ("draft-only", WEAK_SUITE, NotFound),
        ("mini-clamp\x00", WEAK_SUITE, NotFound),
    ]
    for slug, code, refusal in refusals:
        with pytest.raises(refusal):
            intake.submit(conn, broker, settings, ada, slug, code)
    assert history.attempts(conn, ada.id, None, 10, 0) == ([], 0)
    assert workspace.load_draft(conn, ada.id, PROBLEM) == "kept = True\n"


def test_the_rate_limit_applies_to_the_editor_too(
    conn: db.Connection, broker: redis.Redis, database_url: str, redis_url: str
) -> None:
    strict = make_settings(database_url, redis_url, ARENA_RATE_LIMIT_PER_MINUTE="1")
    ada = user(conn, "ada")
    intake.submit(conn, broker, strict, ada, PROBLEM, WEAK_SUITE)
    with pytest.raises(RateLimited) as refused:
        intake.submit(conn, broker, strict, ada, PROBLEM, STRONG_SUITE)
    assert refused.value.retry_after >= 1


def test_a_submission_through_the_api_becomes_the_draft_too(
    conn: db.Connection, api: TestClient[Any], learner_token: str
) -> None:
    response = api.post(
        "/api/v1/submissions",
        json={"problem": PROBLEM, "code": WEAK_SUITE},
        headers=bearer(learner_token),
    )
    assert response.status_code == 202, response.text
    assert response.json()["version"] == 1
    ada = conn.execute("SELECT id FROM users WHERE name = 'ada'").fetchone()
    assert ada is not None and workspace.load_draft(conn, ada["id"], PROBLEM) == WEAK_SUITE
