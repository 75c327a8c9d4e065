"""Registering model endpoints: immutable versions, identical content found again, keys
sealed at rest, and the connectivity check against the scripted server (real HTTP)."""

from __future__ import annotations

import dataclasses
import socket
import threading
from typing import Any

import psycopg
import pytest

from appliance import db
from appliance.accounts.users import User, create_user
from appliance.audit.trail import Actor
from appliance.errors import Invalid, NotFound
from appliance.models import endpoints, keys
from appliance.models.endpoints import Registration, Sampling
from appliance.models.urls import RefusedUrl
from appliance.settings import Settings
from tests.llm_server import ScriptedServer

KEY = "sk-test-4f9a2c7e"


def registration(base_url: str = "http://127.0.0.1:9", **changes: Any) -> Registration:
    reg = Registration("coder", base_url, "strong", None, Sampling(), "Test $title.")
    return dataclasses.replace(reg, **changes)


@pytest.fixture
def admin(conn: db.Connection) -> Actor:
    user, _ = create_user(conn, "root", "admin")
    return Actor(User(user.id, user.name, user.role), "127.0.0.1")


def versions(conn: db.Connection) -> list[dict[str, object]]:
    return conn.execute(
        "SELECT v.number, v.model, v.sampling FROM model_versions v ORDER BY v.number"
    ).fetchall()


def test_the_first_registration_is_version_1_and_current(
    conn: db.Connection, settings: Settings, admin: Actor
) -> None:
    assert endpoints.register(conn, settings, registration(), admin) == endpoints.Registered(
        1, True
    )
    found, listed = endpoints.endpoint_with_versions(conn, "coder")
    assert found["current_version"] == 1
    assert [(v["number"], v["model"], v["has_api_key"]) for v in listed] == [(1, "strong", False)]
    assert listed[0]["created_by"] == "root"


def test_identical_content_returns_the_existing_version(
    conn: db.Connection, settings: Settings
) -> None:
    endpoints.register(conn, settings, registration())
    assert endpoints.register(conn, settings, registration()) == endpoints.Registered(1, False)
    assert len(versions(conn)) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"base_url": "http://127.0.0.1:10"},
        {"model": "weak"},
        {"sampling": Sampling(temperature=0.7)},
        {"sampling": Sampling(seed=7)},
        {"sampling": Sampling(max_tokens=10)},
        {"sampling": Sampling(top_p=0.9)},
        {"prompt_template": "Other $title."},
        {"api_key": KEY},
    ],
)
def test_any_change_is_a_new_immutable_version(
    conn: db.Connection, settings: Settings, change: dict[str, Any]
) -> None:
    endpoints.register(conn, settings, registration())
    assert endpoints.register(conn, settings, registration(**change)) == endpoints.Registered(
        2, True
    )
    found, listed = endpoints.endpoint_with_versions(conn, "coder")
    assert found["current_version"] == 2 and [v["number"] for v in listed] == [2, 1]
    assert listed[0]["content_hash"] != listed[1]["content_hash"]


def test_a_new_api_key_is_a_new_version_and_the_same_key_is_not(
    conn: db.Connection, settings: Settings
) -> None:
    endpoints.register(conn, settings, registration(api_key=KEY))
    assert endpoints.register(conn, settings, registration(api_key=KEY)).number == 1
    assert endpoints.register(conn, settings, registration(api_key=KEY + "x")).number == 2


def test_registering_earlier_content_makes_that_version_current_again(
    conn: db.Connection, settings: Settings
) -> None:
    endpoints.register(conn, settings, registration())
    endpoints.register(conn, settings, registration(model="weak"))
    assert endpoints.register(conn, settings, registration()) == endpoints.Registered(1, False)
    found, listed = endpoints.endpoint_with_versions(conn, "coder")
    assert found["current_version"] == 1 and len(listed) == 2


def test_the_database_refuses_to_change_or_delete_a_version(
    conn: db.Connection, settings: Settings
) -> None:
    endpoints.register(conn, settings, registration())
    with pytest.raises(psycopg.errors.RestrictViolation, match="immutable"):
        conn.execute("UPDATE model_versions SET model = 'weak'")
    with pytest.raises(psycopg.errors.RestrictViolation, match="immutable"):
        conn.execute("DELETE FROM model_versions")
    assert versions(conn)[0]["model"] == "strong"


def test_an_api_key_is_stored_sealed_and_never_in_the_clear(
    conn: db.Connection, settings: Settings
) -> None:
    endpoints.register(conn, settings, registration(api_key=KEY))
    row = conn.execute(
        "SELECT api_key_encrypted, row_to_json(v)::text AS all_columns FROM model_versions v"
    ).fetchone()
    assert row is not None
    assert KEY not in row["all_columns"] and KEY.encode() not in bytes(row["api_key_encrypted"])
    assert settings.model_key is not None
    assert keys.unseal(settings.model_key, bytes(row["api_key_encrypted"]), "coder") == KEY
    _, listed = endpoints.endpoint_with_versions(conn, "coder")
    assert listed[0]["has_api_key"] is True and KEY not in repr(listed)


def test_without_a_model_key_only_endpoints_without_an_api_key_register(
    conn: db.Connection, settings: Settings
) -> None:
    keyless = dataclasses.replace(settings, model_key=None)
    with pytest.raises(keys.NoModelKey, match="ARENA_MODEL_KEY") as refused:
        endpoints.register(conn, keyless, registration(api_key=KEY))
    assert KEY not in refused.value.detail
    assert versions(conn) == []
    assert endpoints.register(conn, keyless, registration()).number == 1


def test_a_refused_url_or_template_stores_nothing(conn: db.Connection, settings: Settings) -> None:
    with pytest.raises(RefusedUrl):
        endpoints.register(conn, settings, registration("http://8.8.8.8"))
    with pytest.raises(Invalid, match="unknown placeholders answer"):
        endpoints.register(conn, settings, registration(prompt_template="Give $answer"))
    with pytest.raises(Invalid, match=r"\$\$"):
        endpoints.register(conn, settings, registration(prompt_template="Costs 5$"))
    assert conn.execute("SELECT count(*) AS n FROM model_endpoints").fetchone() == {"n": 0}


def test_the_default_prompt_template_is_a_valid_one() -> None:
    assert endpoints.checked_template(endpoints.DEFAULT_PROMPT_TEMPLATE)


def test_registrations_are_audited_without_the_key(
    conn: db.Connection, settings: Settings, admin: Actor
) -> None:
    endpoints.register(conn, settings, registration(api_key=KEY), admin)
    endpoints.register(conn, settings, registration(api_key=KEY), admin)  # no change
    rows = conn.execute("SELECT action, target, detail::text FROM audit_events").fetchall()
    assert [(r["action"], r["target"]) for r in rows] == [("model.register", "coder")]
    assert '"has_api_key": true' in rows[0]["detail"] and KEY not in rows[0]["detail"]


# -- the connectivity check --------------------------------------------------------------


def test_a_check_of_a_live_endpoint_is_ok_with_its_latencies(
    conn: db.Connection, settings: Settings, llm_server: ScriptedServer
) -> None:
    endpoints.register(conn, settings, registration(llm_server.base_url))
    result = endpoints.check(conn, settings, "coder")
    assert result.ok and result.model_listed and result.version == 1
    assert result.chat_latency_ms is not None and result.models_latency_ms is not None
    assert "lists 'strong'" in result.detail and "one-token chat answered" in result.detail
    assert [(r.method, r.path) for r in llm_server.requests] == [
        ("GET", "/v1/models"),
        ("POST", "/v1/chat/completions"),
    ]
    assert llm_server.requests[1].body["max_tokens"] == 1


def test_a_check_sends_the_decrypted_key(conn: db.Connection, settings: Settings) -> None:
    server = ScriptedServer(api_key=KEY).start()
    try:
        endpoints.register(conn, settings, registration(server.base_url, api_key=KEY))
        assert endpoints.check(conn, settings, "coder").ok
        endpoints.register(conn, settings, registration(server.base_url, api_key="sk-wrong"))
        wrong = endpoints.check(conn, settings, "coder")
    finally:
        server.stop()
    assert not wrong.ok and "HTTP 401" in wrong.detail and "sk-wrong" not in wrong.detail


def test_a_slow_model_fails_the_check_with_a_timeout(
    conn: db.Connection, settings: Settings, llm_server: ScriptedServer
) -> None:
    endpoints.register(conn, settings, registration(llm_server.base_url, model="slow"))
    result = endpoints.check(conn, settings, "coder")
    assert not result.ok and result.model_listed and result.chat_latency_ms is None
    assert "failed (timeout)" in result.detail and "did not answer in time" in result.detail


def test_a_check_of_an_endpoint_that_is_down_says_so(
    conn: db.Connection, settings: Settings
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoints.register(conn, settings, registration(f"http://127.0.0.1:{port}"))
    result = endpoints.check(conn, settings, "coder")
    assert not result.ok and result.model_listed is None
    assert "model list could not be read (connection)" in result.detail
    assert "chat request failed (connection)" in result.detail


def test_a_model_the_server_does_not_serve_fails_the_check(
    conn: db.Connection, settings: Settings, llm_server: ScriptedServer
) -> None:
    endpoints.register(conn, settings, registration(llm_server.base_url, model="gpt-9"))
    result = endpoints.check(conn, settings, "coder")
    assert not result.ok and result.model_listed is False
    assert "does not list 'gpt-9'" in result.detail and "HTTP 404" in result.detail


def test_a_check_applies_the_url_policy_of_now(conn: db.Connection, settings: Settings) -> None:
    allowing = dataclasses.replace(settings, model_hosts=("8.8.8.8",))
    endpoints.register(conn, allowing, registration("http://8.8.8.8"))
    with pytest.raises(RefusedUrl):
        endpoints.check(conn, settings, "coder")
    with pytest.raises(NotFound):
        endpoints.check(conn, settings, "nobody")


def test_concurrent_registrations_number_versions_one_after_another(
    database_url: str, settings: Settings, conn: db.Connection
) -> None:
    results: list[endpoints.Registered] = []

    def run(model: str) -> None:
        with db.connect(database_url) as own:
            results.append(endpoints.register(own, settings, registration(model=model)))

    threads = [threading.Thread(target=run, args=(m,)) for m in ("a", "a", "b", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.number for r in results if r.created) == [1, 2, 3]
    assert sorted(v["model"] for v in versions(conn)) == ["a", "b", "c"]
