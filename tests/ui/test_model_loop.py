"""The whole loop of locally hosted models, end to end, as an operator and a learner live it:
the real API process and a real worker process (judging in Docker) against this test's
PostgreSQL and Redis, a scripted OpenAI-compatible server on loopback for the models, and
the console's learner page. Everything goes over HTTP, as the README walks it:

register two models and check them -> freeze a problem set -> evaluate them beside the
baselines -> the leaderboard ranks them -> the policy crowns the weak one first and then
lets the strong one take the champion alias from it -> a learner's suite is judged -> the
learner asks for AI feedback -> the champion writes it -> the learner reads it on their
result page, and the score it explains has not moved."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from nicegui.testing.user import User as SimulatedUser

from appliance import db
from appliance.accounts.users import create_user, issue_token
from appliance.settings import Settings
from tests import services
from tests.bundles import STRONG_SUITE, WEAK_SUITE
from tests.conftest import PROBLEM, bearer, make_settings
from tests.evaluations.conftest import SIGNATURE
from tests.llm_server import KnownProblem, ScriptedServer
from tests.models.conftest import ALLOWED_HOSTS, MODEL_KEY
from tests.programs import appliance_programs, wait_for
from tests.ui.conftest import log_in, make_console_user, user_id
from tests.ui.test_result_panel import PATIENCE, texts

WAIT_S = 240
CHAMPION = "feedback-champion"
TERMINAL = {"SUCCESS", "FAILURE", "ERROR"}


@pytest.fixture
def settings(database_url: str, redis_url: str) -> Settings:
    return make_settings(
        database_url, redis_url, ARENA_MODEL_KEY=MODEL_KEY, ARENA_MODEL_HOSTS=ALLOWED_HOSTS
    )


@pytest.fixture
def llm_server() -> Iterator[ScriptedServer]:
    """Knows the test problem by its signature (an evaluation's prompt) and by its slug (a
    feedback prompt)."""
    known = [KnownProblem(m, STRONG_SUITE, WEAK_SUITE) for m in (SIGNATURE, PROBLEM)]
    server = ScriptedServer(known).start()
    yield server
    server.stop()


@pytest.fixture
def appliance(settings: Settings, tmp_path: Path) -> Iterator[httpx.Client]:
    """The API and a worker, as processes; an HTTP client on the API."""
    port = services.free_port()
    env = {"ARENA_API_PORT": str(port), "ARENA_MODEL_KEY": MODEL_KEY}
    with appliance_programs(settings, tmp_path, ARENA_MODEL_HOSTS=ALLOWED_HOSTS, **env) as start:
        start("api")
        start("worker")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            wait_for(lambda: _answers(client), 60, "the API")
            yield client


def _answers(client: httpx.Client) -> bool:
    try:
        return client.get("/readyz").status_code == 200
    except httpx.HTTPError:
        return False


def call(client: httpx.Client, token: str, method: str, path: str, **body: Any) -> Any:
    """One API call that must succeed; its JSON."""
    sent = client.request(method, path, headers=bearer(token), json=body or None)
    assert sent.status_code in (200, 201, 202), f"{method} {path}: {sent.text}"
    return sent.json()


def settled(client: httpx.Client, token: str, path: str, done: Any) -> Any:
    """GET `path` until `done(answer)`; that answer."""
    return wait_for(
        lambda: (answer := call(client, token, "GET", path)) and done(answer) and answer,
        WAIT_S,
        path,
    )


def operator_crowns_the_strong_model(client: httpx.Client, admin: str, base_url: str) -> int:
    """Register, check, freeze, evaluate, rank and decide, over the API; the run's id."""
    for name, model in (("sharp", "strong"), ("dull", "weak")):
        call(client, admin, "POST", "/api/v1/models", name=name, base_url=base_url, model=model)
        check = call(client, admin, "POST", f"/api/v1/models/{name}/check")
        assert (check["ok"], check["model_listed"]) == (True, True), check
    call(client, admin, "POST", "/api/v1/problem-sets", name="loop", slugs=[PROBLEM])
    run = call(
        client,
        admin,
        "POST",
        "/api/v1/evaluations",
        problem_set="loop",
        models=[{"name": "sharp"}, {"name": "dull"}],
        baselines=["examples", "reference"],
        samples=2,
    )
    path = f"/api/v1/evaluations/{run['id']}"
    finished = settled(client, admin, path, lambda r: r["status"] == "finished")
    # 4 subjects x 2 samples; the test problem has no examples, so that baseline's suite
    # has no test and fails.
    progress = finished["progress"]
    assert (progress["success"], progress["failure"]) == (6, 2), progress

    board = call(client, admin, "GET", f"{path}/leaderboard")
    means = {row["model"]: row["mean_score"]["estimate"] for row in board["rows"]}
    assert means["sharp@1"] == means["reference"] == 100.0, means
    assert means["sharp@1"] > means["dull@1"], means
    assert [row["model"] for row in board["rows"]][-2:] == ["dull@1", "examples"]

    first = call(
        client,
        admin,
        "POST",
        "/api/v1/registry/decide",
        run=run["id"],
        challenger="dull@1",
        margin=5,
    )
    assert (first["champion"], first["moved"]) == (None, True), first
    won = call(
        client,
        admin,
        "POST",
        "/api/v1/registry/decide",
        run=run["id"],
        challenger="sharp@1",
        margin=5,
        max_p95_ms=60000,
    )
    assert (won["champion"], won["promote"], won["moved"]) == ("dull@1", True, True), won
    history = call(client, admin, "GET", f"/api/v1/registry/{CHAMPION}/history")
    assert [(m["to_model"], m["moved"]) for m in history if m["kind"] == "policy"][:2] == [
        ("sharp", True),
        ("dull", True),
    ]
    return int(run["id"])


def learner_gets_feedback(client: httpx.Client, learner: str) -> tuple[str, dict[str, Any]]:
    """Submit a suite that leaves survivors, wait for its verdict, ask for feedback and wait
    for it; the submission's id and its result."""
    accepted = call(
        client, learner, "POST", "/api/v1/submissions", problem=PROBLEM, code=WEAK_SUITE
    )
    path = f"/api/v1/submissions/{accepted['id']}"
    judged = settled(client, learner, path, lambda r: r["status"] in TERMINAL)
    assert (judged["status"], judged["score"]) == ("SUCCESS", 41), judged
    assert call(client, learner, "POST", f"{path}/feedback")["status"] == "pending"
    feedback = settled(client, learner, f"{path}/feedback", lambda f: f["status"] != "pending")
    assert (feedback["status"], feedback["model"]) == ("ready", "sharp@1"), feedback
    assert "def test_" in feedback["text"]  # the strong model answers with tests to add
    return str(accepted["id"]), judged


async def test_a_model_goes_from_registered_to_champion_to_feedback_in_a_learners_result(
    visitor: SimulatedUser,
    conn: db.Connection,
    appliance: httpx.Client,
    llm_server: ScriptedServer,
) -> None:
    admin = create_user(conn, "operator", "admin")[1]
    make_console_user(conn, "lee", "learner")
    learner = issue_token(conn, user_id(conn, "lee"))[1]

    await asyncio.to_thread(operator_crowns_the_strong_model, appliance, admin, llm_server.base_url)
    submission_id, judged = await asyncio.to_thread(learner_gets_feedback, appliance, learner)

    await log_in(visitor, "lee", path=f"/login?next=/learn/results/{submission_id}")
    await visitor.open(f"/learn/results/{submission_id}")
    await visitor.should_see("sharp@1", retries=PATIENCE)  # who wrote it is said
    await visitor.should_see(marker="feedback-text")
    shown = " ".join(texts(visitor, "feedback-text"))
    assert "def test_" in shown
    again = call(appliance, learner, "GET", f"/api/v1/submissions/{submission_id}")
    assert (again["score"], again["killed_count"]) == (judged["score"], judged["killed_count"])
