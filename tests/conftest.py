"""Real services for every test: a PostgreSQL server (one template database copied per
test), a Redis server (flushed per test), and the Docker engine with the real judge image.
Outbound network connections are refused."""

from __future__ import annotations

import itertools
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
import redis
from litestar.testing import TestClient

from appliance import db, migrate, queue
from appliance.accounts.users import create_user
from appliance.judging.sandbox import docker_client
from appliance.problems import jobs, versions
from appliance.settings import Settings, from_env
from appliance.workers.worker import ContextWorker, WorkerContext, beat_once, close, make_context
from tests import services
from tests.bundles import mini_bundle

JUDGE_IMAGE = os.environ.get("ARENA_JUDGE_IMAGE", "arena/judge:latest")
TEMPLATE = "arena_template"
PROBLEM = "mini-clamp"
# The same problem with a 1 s wall limit, for suites that are meant to time out.
FAST_PROBLEM = "mini-clamp-fast"
# The same problem with its golden code hidden from learners (show_golden = false).
HIDDEN_PROBLEM = "mini-clamp-hidden"
_database_numbers = itertools.count()


# -- no outbound network ---------------------------------------------------------------

_real_connect = socket.socket.connect


def _local_only(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        if not (host.startswith("127.") or host in ("::1", "localhost")):
            raise ConnectionRefusedError(f"tests may not connect to {host}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True, scope="session")
def _block_outbound_network() -> Iterator[None]:
    socket.socket.connect = _local_only  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


# -- services ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[docker.DockerClient]:
    client = docker_client()
    try:
        client.ping()
        client.api.inspect_image(JUDGE_IMAGE)
    except docker.errors.DockerException as exc:
        pytest.fail(
            f"Docker with the judge image {JUDGE_IMAGE} is required (ops/dev.sh test): {exc}"
        )
    yield client
    client.close()


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    with services.postgres() as url:
        yield url


@pytest.fixture(scope="session")
def redis_base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with services.redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


def _database_url(admin_url: str, name: str) -> str:
    return admin_url.rsplit("/", 1)[0] + "/" + name


def make_settings(database_url: str, redis_url: str, **overrides: str) -> Settings:
    env = {
        "ARENA_DATABASE_URL": database_url,
        "ARENA_REDIS_URL": redis_url,
        "ARENA_JUDGE_IMAGE": JUDGE_IMAGE,
        "ARENA_INFRA_RETRY_DELAYS": "0.1,0.2",
        "ARENA_DATA_DIR": "/nonexistent-test-data-dir",
        **overrides,
    }
    return from_env(env)


@pytest.fixture(scope="session")
def template_database(
    pg_admin_url: str, redis_base_url: str, docker_engine: docker.DockerClient
) -> str:
    """Migrations applied, and the test problem validated through the real judge, once."""
    admin = db.connect(pg_admin_url)
    admin.execute(f"CREATE DATABASE {TEMPLATE}")
    url = _database_url(pg_admin_url, TEMPLATE)
    with db.connect(url) as conn:
        migrate.apply_all(conn)
        settings = make_settings(url, redis_base_url)
        ctx = make_context(settings, conn, docker_engine, "template-builder")
        beat_once(conn, docker_engine, ctx.name, JUDGE_IMAGE)
        bundles = (
            mini_bundle(),
            mini_bundle(FAST_PROBLEM, wall_seconds=1.0),
            mini_bundle(HIDDEN_PROBLEM, show_golden=False),
        )
        for bundle in bundles:
            ref = versions.add_version(conn, bundle, created_by=None)
            assert jobs.validate(ctx, ref.id) == "valid"
            versions.publish(conn, ref.slug, ref.number)
        conn.execute("DELETE FROM workers")
    admin.close()
    return TEMPLATE


@pytest.fixture
def database_url(pg_admin_url: str, template_database: str) -> Iterator[str]:
    name = f"test_{os.getpid()}_{next(_database_numbers)}"
    with db.connect(pg_admin_url) as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {template_database}")
    yield _database_url(pg_admin_url, name)
    with db.connect(pg_admin_url) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def redis_url(redis_base_url: str) -> str:
    client = redis.Redis.from_url(redis_base_url)
    client.flushdb()
    client.close()
    return redis_base_url


@pytest.fixture
def settings(database_url: str, redis_url: str) -> Settings:
    return make_settings(database_url, redis_url)


@pytest.fixture
def conn(database_url: str) -> Iterator[db.Connection]:
    with db.connect(database_url) as connection:
        yield connection


@pytest.fixture
def broker(redis_url: str) -> Iterator[redis.Redis]:
    client = queue.connect(redis_url)
    yield client
    client.close()


@pytest.fixture
def worker_ctx(settings: Settings, docker_engine: docker.DockerClient) -> Iterator[WorkerContext]:
    """The context jobs run with in this process, as a worker process would have it."""
    with db.connect(settings.database_url) as connection:
        ctx = make_context(settings, connection, docker_engine, f"test-worker-{os.getpid()}")
        beat_once(connection, docker_engine, ctx.name, settings.judge_image)
        yield ctx
        close(ctx)


@pytest.fixture
def drain(worker_ctx: WorkerContext, broker: redis.Redis) -> Any:
    """Run every queued job to completion in this process, as a worker would: both queues,
    learners' judging first."""

    def run() -> None:
        ContextWorker(queue.worker_queues(broker), broker, worker_ctx).work(
            burst=True, logging_level="WARNING"
        )

    return run


# -- the API -----------------------------------------------------------------------------


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient[Any]]:
    from appliance.api import create_app

    with TestClient(app=create_app(settings)) as client:
        yield client


def _token(conn: db.Connection, name: str, role: str) -> str:
    return create_user(conn, name, role)[1]


@pytest.fixture
def admin_token(conn: db.Connection) -> str:
    return _token(conn, "root", "admin")


@pytest.fixture
def learner_token(conn: db.Connection) -> str:
    return _token(conn, "ada", "learner")


@pytest.fixture
def other_learner_token(conn: db.Connection) -> str:
    return _token(conn, "bob", "learner")


@pytest.fixture
def author_token(conn: db.Connection) -> str:
    return _token(conn, "grace", "author")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
