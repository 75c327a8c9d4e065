"""AI feedback end to end: a learner's finished submission, judged by the real judge, gets
feedback from the champion (a scripted model on loopback), cached, rate-limited, guarded
against hidden code and canaries, and never touching the score."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import redis
from litestar.testing import TestClient

from appliance.db import Connection
from appliance.feedback import service
from appliance.feedback.jobs import TIMED_OUT, UNREACHABLE
from tests.bundles import GOLDEN, MUTANTS, WEAK_SUITE
from tests.conftest import PROBLEM, bearer
from tests.feedback.conftest import (
    GOLDEN_CANARY,
    INJECTION,
    Crown,
    ScriptedWithEcho,
    canary_bundle,
)
from tests.submissions.helpers import result, submit
from tests.test_openapi import _exercise, _operations

FAILING_SUITE = """\
from target import clamp

def test_above_is_kept():
    assert clamp(11, 0, 10) == 11, "clamp(11, 0, 10) was expected to stay 11"
"""


def ask(api: TestClient[Any], token: str, submission_id: str) -> dict[str, Any]:
    response = api.post(f"/api/v1/submissions/{submission_id}/feedback", headers=bearer(token))
    assert response.status_code == 202, response.text
    return dict(response.json())


def read(api: TestClient[Any], token: str, submission_id: str) -> dict[str, Any]:
    response = api.get(f"/api/v1/submissions/{submission_id}/feedback", headers=bearer(token))
    assert response.status_code == 200, response.text
    return dict(response.json())


def judged(api: TestClient[Any], token: str, drain: Any, code: str, problem: str = PROBLEM) -> str:
    submission_id = str(submit(api, token, code, problem)["id"])
    drain()
    return submission_id


def chats(server: ScriptedWithEcho) -> list[str]:
    """Every chat request the server was sent, as JSON text."""
    return [json.dumps(seen.body) for seen in server.requests if seen.method == "POST"]


def test_without_a_champion_feedback_is_unavailable(
    api: TestClient[Any], learner_token: str, drain: Any
) -> None:
    submission_id = judged(api, learner_token, drain, WEAK_SUITE)
    assert read(api, learner_token, submission_id)["status"] == "unavailable"
    asked = ask(api, learner_token, submission_id)
    assert (asked["status"], asked["text"]) == ("unavailable", None)


def test_the_champion_writes_feedback_from_the_hints_and_the_suite(
    api: TestClient[Any],
    learner_token: str,
    drain: Any,
    crown: Crown,
    llm_server: ScriptedWithEcho,
) -> None:
    crown("echo", "leaky")
    submission_id = judged(api, learner_token, drain, WEAK_SUITE)
    before = result(api, learner_token, submission_id)
    assert read(api, learner_token, submission_id)["status"] == "not_requested"
    assert ask(api, learner_token, submission_id)["status"] == "pending"
    drain()
    feedback = read(api, learner_token, submission_id)
    assert (feedback["status"], feedback["model"]) == ("ready", "echo@1")
    # The leaky model echoes its prompt: the survivors' hints and the suite were in it...
    for _, _, hint in [MUTANTS["upper_exclusive"], MUTANTS["no_range_check"]]:
        assert hint in feedback["text"]
    assert "def test_inside_is_unchanged" in feedback["text"]
    # ...the killed mutant's hint and every mutant's name and code were not.
    assert MUTANTS["bounds_swapped"][2] not in feedback["text"]
    for name, (code, _, _) in MUTANTS.items():
        assert name not in feedback["text"]
        changed = [line.strip() for line in code.splitlines() if line not in GOLDEN]
        assert not any(line in feedback["text"] for line in changed if len(line) >= 12)
    assert result(api, learner_token, submission_id) == before


def test_the_same_suite_on_the_same_version_reads_the_stored_feedback(
    api: TestClient[Any],
    learner_token: str,
    other_learner_token: str,
    drain: Any,
    crown: Crown,
    llm_server: ScriptedWithEcho,
) -> None:
    crown("echo", "leaky")
    first = judged(api, learner_token, drain, WEAK_SUITE)
    ask(api, learner_token, first)
    drain()
    asked = len(chats(llm_server))
    second = judged(api, other_learner_token, drain, WEAK_SUITE)
    again = ask(api, other_learner_token, second)
    assert again["status"] == "ready"
    assert again["text"] == read(api, learner_token, first)["text"]
    assert len(chats(llm_server)) == asked


def test_a_failure_gets_feedback_from_golden_failing_messages(
    api: TestClient[Any], learner_token: str, drain: Any, crown: Crown
) -> None:
    crown("echo", "leaky")
    submission_id = judged(api, learner_token, drain, FAILING_SUITE)
    assert result(api, learner_token, submission_id)["reason"] == "golden_failed"
    ask(api, learner_token, submission_id)
    drain()
    feedback = read(api, learner_token, submission_id)
    assert feedback["status"] == "ready"
    assert "golden_failed" in feedback["text"]
    assert "test_above_is_kept" in feedback["text"]
    assert "was expected to stay 11" in feedback["text"]


def test_canaries_in_hidden_code_reach_neither_the_prompt_nor_the_feedback(
    api: TestClient[Any],
    learner_token: str,
    drain: Any,
    crown: Crown,
    llm_server: ScriptedWithEcho,
    canary_problem: str,
) -> None:
    crown("echo", "leaky")
    submission_id = judged(api, learner_token, drain, WEAK_SUITE, canary_problem)
    ask(api, learner_token, submission_id)
    drain()
    feedback = read(api, learner_token, submission_id)
    assert feedback["status"] == "ready"
    assert INJECTION in feedback["text"]  # the statement was passed on as data
    bundle = canary_bundle()
    hidden = [bundle.golden_code, *(m.code for m in bundle.mutants)]
    for sent in [*chats(llm_server), feedback["text"]]:
        assert "ARENA-CANARY" not in sent
        assert "hi - 1" not in sent and "max(lo, min(x, hi))" not in sent
        assert not any(m.name in sent for m in bundle.mutants)
    assert all(GOLDEN_CANARY not in text for text in hidden[1:])  # planted where meant


def test_feedback_that_echoes_a_canary_is_refused_and_never_shown(
    api: TestClient[Any],
    conn: Connection,
    learner_token: str,
    drain: Any,
    crown: Crown,
    llm_server: ScriptedWithEcho,
    canary_problem: str,
) -> None:
    llm_server.echo = f"- Check the bounds.\n- The answer key says {GOLDEN_CANARY}."
    crown("parrot", "garbage")
    submission_id = judged(api, learner_token, drain, WEAK_SUITE, canary_problem)
    before = result(api, learner_token, submission_id)
    ask(api, learner_token, submission_id)
    drain()
    feedback = read(api, learner_token, submission_id)
    assert (feedback["status"], feedback["text"]) == ("refused", None)
    assert "canary" in feedback["reason"]
    assert GOLDEN_CANARY not in json.dumps(feedback)
    stored = conn.execute("SELECT withheld FROM feedback").fetchone()
    assert stored is not None and GOLDEN_CANARY in stored["withheld"]  # kept for admins
    assert result(api, learner_token, submission_id) == before
    # Asked again, a refusal stands: the model is not asked again.
    asked = len(chats(llm_server))
    assert ask(api, learner_token, submission_id)["status"] == "refused"
    assert len(chats(llm_server)) == asked


def test_a_prompt_that_would_carry_a_canary_is_never_sent(
    api: TestClient[Any],
    learner_token: str,
    drain: Any,
    crown: Crown,
    llm_server: ScriptedWithEcho,
    careless_problem: str,
) -> None:
    crown("echo", "leaky")
    submission_id = judged(api, learner_token, drain, WEAK_SUITE, careless_problem)
    ask(api, learner_token, submission_id)
    drain()
    feedback = read(api, learner_token, submission_id)
    assert (feedback["status"], feedback["text"]) == ("refused", None)
    assert "its prompt" in feedback["reason"]
    assert chats(llm_server) == []


def test_feedback_that_quotes_a_mutants_line_is_refused(
    api: TestClient[Any],
    learner_token: str,
    drain: Any,
    crown: Crown,
    llm_server: ScriptedWithEcho,
) -> None:
    llm_server.echo = "- Your suite misses this: return max(lo, min(x, hi - 1))"
    crown("parrot", "garbage")
    submission_id = judged(api, learner_token, drain, WEAK_SUITE)
    ask(api, learner_token, submission_id)
    drain()
    feedback = read(api, learner_token, submission_id)
    assert (feedback["status"], feedback["text"]) == ("refused", None)
    assert "hidden code" in feedback["reason"]


def test_a_model_that_is_down_fails_the_feedback_not_the_submission_and_a_retry_asks_again(
    api: TestClient[Any], learner_token: str, drain: Any, crown: Crown
) -> None:
    crown("down", "strong", base_url="http://127.0.0.1:9")
    submission_id = judged(api, learner_token, drain, WEAK_SUITE)
    before = result(api, learner_token, submission_id)
    ask(api, learner_token, submission_id)
    drain()
    feedback = read(api, learner_token, submission_id)
    assert (feedback["status"], feedback["reason"]) == ("failed", UNREACHABLE)
    assert "127.0.0.1" not in json.dumps(feedback)  # the endpoint's URL is for admins
    assert result(api, learner_token, submission_id) == before
    assert ask(api, learner_token, submission_id)["status"] == "pending"


def test_a_model_that_times_out_fails_the_feedback(
    api: TestClient[Any], learner_token: str, drain: Any, crown: Crown
) -> None:
    crown("sleepy", "slow")
    submission_id = judged(api, learner_token, drain, WEAK_SUITE)
    ask(api, learner_token, submission_id)
    drain()
    assert read(api, learner_token, submission_id)["reason"] == TIMED_OUT


def test_only_the_owner_asks_and_only_for_a_finished_learner_submission(
    api: TestClient[Any],
    learner_token: str,
    other_learner_token: str,
    admin_token: str,
    drain: Any,
    crown: Crown,
) -> None:
    crown("echo", "leaky")
    pending = str(submit(api, learner_token, WEAK_SUITE)["id"])
    url = f"/api/v1/submissions/{pending}/feedback"
    assert api.post(url, headers=bearer(learner_token)).status_code == 409
    drain()
    assert api.post(url, headers=bearer(other_learner_token)).status_code == 404
    assert api.get(url, headers=bearer(other_learner_token)).status_code == 404
    assert api.post(url, headers=bearer(admin_token)).status_code == 404
    assert api.get(url, headers=bearer(admin_token)).status_code == 200
    assert (
        api.get("/api/v1/submissions/nope/feedback", headers=bearer(learner_token)).status_code
        == 404
    )


def test_model_requests_are_limited_per_learner_and_hour(broker: redis.Redis) -> None:
    hour = 1_800_000_000 - 1_800_000_000 % service.WINDOW_S
    allowed = [service.retry_after(broker, 7, hour + i) for i in range(service.PER_HOUR)]
    assert allowed == [None] * service.PER_HOUR
    assert service.retry_after(broker, 7, hour + 600) == service.WINDOW_S - 600
    assert service.retry_after(broker, 8, hour + 600) is None  # another learner
    assert service.retry_after(broker, 7, hour + service.WINDOW_S) is None  # the next hour


def test_over_the_hourly_limit_a_request_is_refused_with_retry_after(
    api: TestClient[Any],
    conn: Connection,
    broker: redis.Redis,
    learner_token: str,
    drain: Any,
    crown: Crown,
) -> None:
    crown("echo", "leaky")
    submission_id = judged(api, learner_token, drain, WEAK_SUITE)
    user = conn.execute("SELECT id FROM users WHERE name = 'ada'").fetchone()
    assert user is not None
    window = int(time.time()) // service.WINDOW_S
    for hour in (window, window + 1):  # whichever hour the request falls in, it is spent
        broker.set(f"arena:feedback-rate:{user['id']}:{hour}", service.PER_HOUR)
    refused = api.post(
        f"/api/v1/submissions/{submission_id}/feedback", headers=bearer(learner_token)
    )
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert read(api, learner_token, submission_id)["status"] == "not_requested"


def test_a_models_submission_gets_no_feedback(
    api: TestClient[Any], conn: Connection, learner_token: str, drain: Any, crown: Crown
) -> None:
    crown("echo", "leaky")
    submission_id = judged(api, learner_token, drain, WEAK_SUITE)
    conn.execute("UPDATE submissions SET source = 'model' WHERE id = %s", (submission_id,))
    url = f"/api/v1/submissions/{submission_id}/feedback"
    assert api.post(url, headers=bearer(learner_token)).status_code == 409


def test_the_openapi_document_describes_feedback(api: TestClient[Any]) -> None:
    path = api.get("/schema/openapi.json").json()["paths"][
        "/api/v1/submissions/{submission_id}/feedback"
    ]
    assert "429" in path["post"]["responses"] and "200" in path["get"]["responses"]


@pytest.mark.parametrize("role", ["learner", "admin"])
def test_feedback_answers_within_its_documented_statuses_and_schemas(
    api: TestClient[Any], learner_token: str, admin_token: str, role: str
) -> None:
    """tests/test_openapi.py's schemathesis run, on feedback's operations (that file covers
    them itself once appliance/api.py registers them)."""
    token = admin_token if role == "admin" else learner_token
    for operation in _operations(api):
        if operation.path.endswith("/feedback"):
            _exercise(api, operation, token)
