"""Planner's fixtures: settings for models (a short model timeout, so the "slow" model
times out), the scripted OpenAI-compatible server on loopback (its "planner" model answers
what a test sets), models registered from it, a champion, an admin, and a Hard problem
beside the template's three Easy ones."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from appliance.accounts.users import create_user
from appliance.audit.trail import Actor
from appliance.db import Connection
from appliance.models import endpoints
from appliance.models.endpoints import DEFAULT_PROMPT_TEMPLATE, Registration, Sampling
from appliance.problems import jobs, versions
from appliance.registry import store
from appliance.settings import Settings
from appliance.workers.worker import WorkerContext
from tests.bundles import STRONG_SUITE, WEAK_SUITE, mini_bundle
from tests.llm_server import KnownProblem, ScriptedServer
from tests.models import conftest as model_fixtures

HARD_PROBLEM = "hard-clamp"
# What the server recognises the test problems by: their prompts carry the signature.
SIGNATURE = "def clamp(x, lo, hi)"
Register = Callable[..., str]
Crown = Callable[..., str]


# The models' settings: a model key, the allow-list and a short model timeout.
settings = model_fixtures.settings


@pytest.fixture
def llm_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer([KnownProblem(SIGNATURE, STRONG_SUITE, WEAK_SUITE)]).start()
    yield server
    server.stop()


@pytest.fixture
def admin(conn: Connection) -> Actor:
    user, _ = create_user(conn, "planner-admin", "admin")
    return Actor(user, "127.0.0.1")


@pytest.fixture
def register(conn: Connection, settings: Settings, llm_server: ScriptedServer) -> Register:
    """register(model, name=model, base_url=the server's): an endpoint of the scripted
    server's `model`; its current version's number."""

    def make(model: str, name: str | None = None, base_url: str | None = None) -> str:
        url = base_url or llm_server.base_url
        reg = Registration(name or model, url, model, None, Sampling(), DEFAULT_PROMPT_TEMPLATE)
        number = endpoints.register(conn, settings, reg).number
        return f"{name or model}@{number}"

    return make


@pytest.fixture
def crown(conn: Connection, register: Register, admin: Actor) -> Crown:
    """crown(model, name=...): register the scripted server's `model` and make it the
    feedback champion; its "name@number"."""

    def make(model: str, name: str | None = None, base_url: str | None = None) -> str:
        key = register(model, name, base_url)
        endpoint, number = key.split("@")
        store.promote(conn, "feedback-champion", endpoint, int(number), "planner test", admin)
        return key

    return make


@pytest.fixture
def hard_problem(conn: Connection, worker_ctx: WorkerContext) -> str:
    """The test problem again, as a Hard one tagged parsing, published through the judge."""
    bundle = replace(mini_bundle(HARD_PROBLEM), difficulty="Hard", tags=("parsing", "state"))
    ref = versions.add_version(conn, bundle, created_by=None)
    assert jobs.validate(worker_ctx, ref.id) == "valid"
    versions.publish(conn, ref.slug, ref.number)
    return ref.slug
