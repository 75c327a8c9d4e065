"""The `arena` client run for real (`python -m arena_client` in a subprocess) against a
real `python -m appliance api` and `python -m appliance worker`. One appliance serves the
whole module (starting one per test would triple the time); each test logs in as a learner
of its own, so none sees another's submissions."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis

from appliance import db
from appliance.accounts.users import create_user
from tests import services
from tests.conftest import make_settings
from tests.programs import appliance_programs, wait_for

CLIENT = Path(__file__).resolve().parents[2] / "client"
# The client is its own package, not installed in the appliance's venv: the pure tests
# import it from its folder (the CLI tests run it with PYTHONPATH, as a user's shell would).
if str(CLIENT) not in sys.path:
    sys.path.insert(0, str(CLIENT))
_learners = itertools.count()


@dataclass(frozen=True)
class Appliance:
    url: str
    database_url: str


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


Arena = Callable[..., Run]


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def appliance(
    pg_admin_url: str,
    template_database: str,
    redis_base_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Appliance]:
    name = f"client_{os.getpid()}"
    with db.connect(pg_admin_url) as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {template_database}")
    database_url = pg_admin_url.rsplit("/", 1)[0] + "/" + name
    broker = redis.Redis.from_url(redis_base_url)
    broker.flushdb()
    broker.close()
    port = services.free_port()
    url = f"http://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("client-appliance")
    settings = make_settings(database_url, redis_base_url)
    overrides = {"ARENA_API_PORT": str(port), "ARENA_API_WORKERS": "1"}
    with appliance_programs(settings, logs, **overrides) as start:
        start("api")
        start("worker")
        wait_for(lambda: _up(url), 60, "the API")
        yield Appliance(url, database_url)
    with db.connect(pg_admin_url) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def learner_token(appliance: Appliance) -> str:
    with db.connect(appliance.database_url) as conn:
        return create_user(conn, f"cli-learner-{next(_learners)}", "learner")[1]


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """Where the client keeps its login in this test: a directory that does not exist yet."""
    return tmp_path / "home" / "arena" / "config.json"


@pytest.fixture
def arena(config_file: Path, tmp_path: Path) -> Arena:
    """run(*args, stdin="") runs the client as a user would and returns what it did."""

    def run(*args: str, stdin: str = "", timeout: float = 240) -> Run:
        env = {
            **os.environ,
            "PYTHONPATH": str(CLIENT),
            "ARENA_CONFIG": str(config_file),
            "HOME": str(tmp_path / "home"),
        }
        done = subprocess.run(
            [sys.executable, "-m", "arena_client", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture
def logged_in(arena: Arena, appliance: Appliance, learner_token: str) -> Arena:
    """The client, logged in as this test's learner."""
    assert arena("login", "--url", appliance.url, stdin=learner_token + "\n").code == 0
    return arena
