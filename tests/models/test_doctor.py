"""`python -m appliance models check` (what `arenactl doctor` runs in the container): each
registered endpoint asked for real over loopback, one line each naming the model and why it
does not answer, never an API key, and exit 3 (a warning for doctor) rather than a crash."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator

import pytest

from appliance import db
from appliance.__main__ import main
from appliance.models import doctor, endpoints
from appliance.models.endpoints import Registration, Sampling
from appliance.settings import Settings, load
from tests.llm_server import ScriptedServer
from tests.models.conftest import ALLOWED_HOSTS, MODEL_KEY, MODEL_TIMEOUT_S

KEY = "sk-doctor-7c1e9b3d"


def registration(
    name: str, base_url: str, model: str = "strong", key: str | None = None
) -> Registration:
    return Registration(name, base_url, model, key, Sampling(), "Test $title.")


def closed_port_url() -> str:
    """A loopback address nothing listens on: the port was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def keyed_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer(api_key=KEY).start()
    yield server
    server.stop()


@pytest.fixture
def one_up_one_down(conn: db.Connection, settings: Settings, keyed_server: ScriptedServer) -> None:
    endpoints.register(conn, settings, registration("alive", keyed_server.base_url, key=KEY))
    endpoints.register(conn, settings, registration("gone", closed_port_url()))


@pytest.fixture
def environment(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test database and the models' settings as `python -m appliance` reads them."""
    monkeypatch.setenv("ARENA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ARENA_REDIS_URL", settings.redis_url)
    monkeypatch.setenv("ARENA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ARENA_MODEL_KEY", MODEL_KEY)
    monkeypatch.setenv("ARENA_MODEL_HOSTS", ALLOWED_HOSTS)
    monkeypatch.setenv("ARENA_MODEL_TIMEOUT_SECONDS", MODEL_TIMEOUT_S)
    load.cache_clear()
    yield
    load.cache_clear()


@pytest.mark.usefixtures("one_up_one_down")
def test_the_endpoint_that_answers_is_ok_and_the_one_down_is_named_with_its_reason(
    conn: db.Connection, settings: Settings, keyed_server: ScriptedServer
) -> None:
    alive, gone = doctor.check_all(conn, settings)
    assert (alive.name, alive.version, alive.ok) == ("alive", 1, True)
    assert "one-token chat answered" in alive.detail
    assert (gone.name, gone.version, gone.ok) == ("gone", 1, False)
    assert "the chat request failed (connection)" in gone.detail
    assert doctor.exit_code([alive, gone]) == doctor.SOME_DO_NOT_ANSWER
    assert doctor.exit_code([alive]) == 0
    # The key went to the server that needs it, and into no line.
    chats = [r for r in keyed_server.requests if r.path == "/v1/chat/completions"]
    assert chats[0].headers["authorization"] == f"Bearer {KEY}"
    assert chats[0].body["model"] == "strong"


@pytest.mark.usefixtures("environment", "one_up_one_down")
def test_the_command_prints_a_line_per_model_without_keys_and_exits_3(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["models", "check"]) == doctor.SOME_DO_NOT_ANSWER
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert out[0].startswith("ok    model alive@1 ('strong'): the server lists 'strong'")
    assert out[1].startswith("warn  model gone@1 ('strong'): the model list could not be read")
    assert "Connection refused" in out[1]
    assert all(KEY not in line for line in out)


def test_a_model_the_server_does_not_serve_is_a_warning_saying_so(
    conn: db.Connection, settings: Settings, keyed_server: ScriptedServer
) -> None:
    endpoints.register(
        conn, settings, registration("renamed", keyed_server.base_url, "no-such-model", KEY)
    )
    [found] = doctor.check_all(conn, settings)
    assert not found.ok
    assert "does not list 'no-such-model'" in found.detail and "HTTP 404" in found.detail
    assert KEY not in doctor.line(found)


def test_a_url_the_policy_now_refuses_is_a_warning_and_the_next_endpoint_is_still_asked(
    conn: db.Connection, settings: Settings, keyed_server: ScriptedServer
) -> None:
    # Registered while the allow-list held its network; the operator has removed it since.
    endpoints.register(conn, settings, registration("inside", "http://100.64.0.1:8000"))
    endpoints.register(conn, settings, registration("loop", keyed_server.base_url, key=KEY))
    narrower = dataclasses.replace(settings, model_hosts=())
    inside, loop = doctor.check_all(conn, narrower)
    assert (inside.ok, inside.version) == (False, None)
    assert "neither loopback nor a private network" in inside.detail
    assert doctor.line(inside).startswith("warn  model inside ('strong'): the base URL's host")
    assert loop.ok


@pytest.mark.usefixtures("environment")
def test_no_endpoints_is_said_and_is_no_warning(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "check"]) == 0
    assert capsys.readouterr().out == "no model endpoints are registered\n"
