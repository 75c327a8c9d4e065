"""The policy's decision from a finished evaluation run, over the API: models of known
quality (tests/llm_server.py on loopback) judged for real, a first champion, a strong
challenger taking the champion alias from a weak champion, the reverse refused, and every
decision kept in the alias's history with its reasons."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from appliance import db
from appliance.models import endpoints, problem_sets
from appliance.models.endpoints import DEFAULT_PROMPT_TEMPLATE, Registration, Sampling
from appliance.models.problem_sets import SetFilter
from appliance.settings import Settings
from tests.bundles import STRONG_SUITE, WEAK_SUITE
from tests.conftest import PROBLEM, bearer
from tests.evaluations.conftest import SIGNATURE
from tests.llm_server import KnownProblem, ScriptedServer

SET = "decide-set"
CHAMPION = "feedback-champion"


@pytest.fixture
def llm_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer([KnownProblem(SIGNATURE, STRONG_SUITE, WEAK_SUITE)]).start()
    yield server
    server.stop()


@pytest.fixture
def register(
    conn: db.Connection, settings: Settings, llm_server: ScriptedServer
) -> Callable[[str], str]:
    """One of the scripted server's models under its own name: its "name@number"."""

    def make(model: str) -> str:
        reg = Registration(
            model, llm_server.base_url, model, None, Sampling(), DEFAULT_PROMPT_TEMPLATE
        )
        return f"{model}@{endpoints.register(conn, settings, reg).number}"

    return make


@pytest.fixture
def run_of(
    api: TestClient[Any],
    conn: db.Connection,
    admin_token: str,
    drain: Callable[[], None],
) -> Callable[..., int]:
    """Start a run on the test problem over the API and work both queues to its end."""
    problem_sets.create(conn, SET, SetFilter(slugs=[PROBLEM]))

    def run(models: list[str], baselines: list[str], judged: bool = True) -> int:
        sent = {"problem_set": SET, "models": [{"name": m} for m in models], "baselines": baselines}
        created = api.post("/api/v1/evaluations", json=sent, headers=bearer(admin_token))
        assert created.status_code == 201, created.text
        if judged:
            drain()
        return int(created.json()["id"])

    return run


def decide(api: TestClient[Any], token: str, **body: object) -> Any:
    return api.post("/api/v1/registry/decide", json=body, headers=bearer(token))


def promote(api: TestClient[Any], token: str, model: str) -> None:
    body = {"model": model, "version": 1, "reason": "the first champion"}
    moved = api.post(f"/api/v1/registry/{CHAMPION}/promote", json=body, headers=bearer(token))
    assert moved.status_code == 200, moved.text


def champion(api: TestClient[Any], token: str) -> tuple[str | None, int | None]:
    listed = api.get("/api/v1/registry", headers=bearer(token)).json()
    found = next(a for a in listed if a["alias"] == CHAMPION)
    return found["model"], found["version"]


def test_strong_takes_the_champion_from_weak_and_weak_cannot_take_it_back(
    api: TestClient[Any],
    admin_token: str,
    register: Callable[[str], str],
    run_of: Callable[..., int],
) -> None:
    strong, weak = register("strong"), register("weak")
    run_id = run_of(["strong", "weak"], [])
    # No champion yet: weak becomes the first one (its suites pass on golden).
    first = decide(api, admin_token, run=run_id, challenger=weak, margin=5).json()
    assert (first["champion"], first["promote"], first["moved"]) == (None, True, True)
    assert first["reasons"][0].startswith("first champion: passed")
    assert champion(api, admin_token) == ("weak", 1)

    won = decide(api, admin_token, run=run_id, challenger=strong, margin=5, max_p95_ms=60000)
    assert won.status_code == 200, won.text
    decision = won.json()
    assert (decision["champion"], decision["promote"], decision["moved"]) == (weak, True, True)
    assert decision["numbers"]["difference"] == 59.0  # 100 points against 41
    assert decision["numbers"]["challenger_p95_ms"] >= 0
    assert all(": passed: " in reason for reason in decision["reasons"])
    assert champion(api, admin_token) == ("strong", 1)

    lost = decide(api, admin_token, run=run_id, challenger=weak, margin=5)
    assert lost.status_code == 200, lost.text
    refused = lost.json()
    assert (refused["champion"], refused["promote"], refused["moved"]) == (strong, False, False)
    assert any(r.startswith("margin: failed") for r in refused["reasons"])
    assert any(r.startswith("lower bound: failed") for r in refused["reasons"])
    assert champion(api, admin_token) == ("strong", 1)

    history = api.get(f"/api/v1/registry/{CHAMPION}/history", headers=bearer(admin_token)).json()
    policy = [m for m in history if m["kind"] == "policy"]
    assert [(m["to_model"], m["moved"], m["evaluation_run_id"]) for m in policy] == [
        ("weak", False, run_id),
        ("strong", True, run_id),
        ("weak", True, run_id),
    ]
    assert policy[0]["decision_reasons"] == refused["reasons"]
    assert policy[1]["decision_reasons"] == decision["reasons"]
    assert policy[0]["id"] == refused["move_id"]


def test_a_decision_needs_a_finished_run_with_both_sides_in_it(
    api: TestClient[Any],
    conn: db.Connection,
    settings: Settings,
    admin_token: str,
    learner_token: str,
    run_of: Callable[..., int],
) -> None:
    alpha = Registration(
        "alpha", "http://127.0.0.1:9", "strong", None, Sampling(), DEFAULT_PROMPT_TEMPLATE
    )
    endpoints.register(conn, settings, alpha)
    run_id = run_of([], ["reference"])

    assert decide(api, learner_token, run=run_id, challenger="alpha@1", margin=1).status_code == 403
    missing = decide(api, admin_token, run=999999, challenger="alpha@1", margin=1)
    assert missing.status_code == 404
    outsider = decide(api, admin_token, run=run_id, challenger="alpha@1", margin=1)
    assert outsider.status_code == 422 and "not a subject" in outsider.json()["detail"]
    baseline = decide(api, admin_token, run=run_id, challenger="reference", margin=1)
    assert baseline.status_code == 422 and "baseline" in baseline.json()["detail"]
    running = run_of([], ["reference"], judged=False)
    unfinished = decide(api, admin_token, run=running, challenger="alpha@1", margin=1)
    assert unfinished.status_code == 409 and "finished" in unfinished.json()["detail"]

    promote(api, admin_token, "alpha")
    absent = decide(api, admin_token, run=run_id, challenger="reference", margin=1)
    assert absent.status_code == 409
    assert "alpha@1, which is not a subject" in absent.json()["detail"]
    history = api.get(f"/api/v1/registry/{CHAMPION}/history", headers=bearer(admin_token)).json()
    assert [m["kind"] for m in history] == ["manual"]  # no refusal kept for a bad request
