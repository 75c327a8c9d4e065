"""Evaluations' fixtures: settings with a short model timeout, the scripted OpenAI-compatible
server (tests/llm_server.py) that knows the test problem, a problem set of it, an admin to
start runs (the session's `drain` works both queues in priority order, as a worker does)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from appliance import db
from appliance.accounts.users import User, create_user
from appliance.audit.trail import Actor
from appliance.models import endpoints, problem_sets
from appliance.models.endpoints import DEFAULT_PROMPT_TEMPLATE, Registration, Sampling
from appliance.models.problem_sets import SetFilter
from appliance.settings import Settings
from tests.bundles import STRONG_SUITE, WEAK_SUITE
from tests.conftest import PROBLEM, make_settings
from tests.llm_server import KnownProblem, ScriptedServer

# Short, so that the "slow" model (3 s) times out quickly.
MODEL_TIMEOUT_S = "1"
SET = "clamp-only"
# What the server recognises the test problem by: its prompt carries the signature.
SIGNATURE = "def clamp(x, lo, hi)"


@pytest.fixture
def settings(database_url: str, redis_url: str) -> Settings:
    return make_settings(database_url, redis_url, ARENA_MODEL_TIMEOUT_SECONDS=MODEL_TIMEOUT_S)


@pytest.fixture
def llm_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer([KnownProblem(SIGNATURE, STRONG_SUITE, WEAK_SUITE)]).start()
    yield server
    server.stop()


@pytest.fixture
def admin(conn: db.Connection) -> Actor:
    user, _ = create_user(conn, "evaluator", "admin")
    return Actor(User(user.id, user.name, user.role), "127.0.0.1")


@pytest.fixture
def problem_set(conn: db.Connection) -> str:
    """The one test problem, frozen."""
    problem_sets.create(conn, SET, SetFilter(slugs=[PROBLEM]))
    return SET


@pytest.fixture
def register(conn: db.Connection, settings: Settings, llm_server: ScriptedServer) -> Any:
    """Register one of the scripted server's models under its own name."""

    def make(model: str, template: str = DEFAULT_PROMPT_TEMPLATE) -> str:
        reg = Registration(model, llm_server.base_url, model, None, Sampling(), template)
        endpoints.register(conn, settings, reg)
        return model

    return make
