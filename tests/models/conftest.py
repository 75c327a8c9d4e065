"""Models' fixtures: settings with a model key, a short model timeout and an allow-list, and
the scripted OpenAI-compatible server (tests/llm_server.py) on loopback, which knows the
test problem's suites."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from appliance.settings import Settings
from tests.bundles import STRONG_SUITE, WEAK_SUITE
from tests.conftest import PROBLEM, make_settings
from tests.llm_server import KnownProblem, ScriptedServer

MODEL_KEY = base64.b64encode(bytes(range(32))).decode()
ALLOWED_HOSTS = "models.corp.example,100.64.0.0/10"
# Short, so that the "slow" model (3 s) times out quickly.
MODEL_TIMEOUT_S = "1"


@pytest.fixture
def settings(database_url: str, redis_url: str) -> Settings:
    return make_settings(
        database_url,
        redis_url,
        ARENA_MODEL_KEY=MODEL_KEY,
        ARENA_MODEL_HOSTS=ALLOWED_HOSTS,
        ARENA_MODEL_TIMEOUT_SECONDS=MODEL_TIMEOUT_S,
    )


@pytest.fixture
def llm_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer([KnownProblem(PROBLEM, STRONG_SUITE, WEAK_SUITE)]).start()
    yield server
    server.stop()
