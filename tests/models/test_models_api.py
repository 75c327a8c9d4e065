"""The models API, for admins only: registering and checking endpoints against the scripted
server, problem sets; an API key goes in and never comes out (responses, logs, audit)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from appliance import db
from appliance.settings import Settings
from tests.conftest import PROBLEM, bearer
from tests.llm_server import ScriptedServer

KEY = "sk-api-7d1e5b3a9c"
# Each with a body it would accept from an admin.
ROUTES = [
    ("POST", "/api/v1/models", {"name": "coder", "base_url": "http://10.0.0.5", "model": "m"}),
    ("GET", "/api/v1/models", None),
    ("GET", "/api/v1/models/coder", None),
    ("POST", "/api/v1/models/coder/check", None),
    ("POST", "/api/v1/problem-sets", {"name": "easy"}),
    ("GET", "/api/v1/problem-sets", None),
    ("GET", "/api/v1/problem-sets/easy", None),
]


def body(base_url: str, **changes: Any) -> dict[str, Any]:
    return {"name": "coder", "base_url": base_url, "model": "strong", **changes}


@pytest.mark.parametrize(("method", "path", "sent"), ROUTES)
def test_every_route_needs_a_token_and_the_admin_role(
    api: TestClient[Any], learner_token: str, method: str, path: str, sent: Any
) -> None:
    assert api.request(method, path, json=sent).status_code == 401
    answer = api.request(method, path, json=sent, headers=bearer(learner_token))
    assert answer.status_code == 403 and answer.json()["type"] == "forbidden"


def test_an_admin_registers_lists_shows_and_checks_an_endpoint(
    api: TestClient[Any],
    admin_token: str,
    llm_server: ScriptedServer,
    caplog: pytest.LogCaptureFixture,
    conn: db.Connection,
) -> None:
    caplog.set_level(logging.DEBUG)
    llm_server.api_key = KEY
    sent = body(llm_server.base_url + "/v1", api_key=KEY, sampling={"temperature": 0, "seed": 3})
    made = api.post("/api/v1/models", json=sent, headers=bearer(admin_token))
    assert made.status_code == 201, made.text
    version = made.json()["version"]
    assert made.json()["created"] is True and version["number"] == 1
    assert version["has_api_key"] is True and version["created_by"] == "root"
    assert version["sampling"] == {"temperature": 0.0, "top_p": 1.0, "max_tokens": 2048, "seed": 3}
    assert "$statement" in version["prompt_template"]
    again = api.post("/api/v1/models", json=sent, headers=bearer(admin_token))
    assert again.status_code == 201 and again.json()["created"] is False
    listed = api.get("/api/v1/models", headers=bearer(admin_token))
    assert [(m["name"], m["version_count"]) for m in listed.json()] == [("coder", 1)]
    shown = api.get("/api/v1/models/coder", headers=bearer(admin_token))
    assert shown.json()["current_version"] == 1 and len(shown.json()["versions"]) == 1
    checked = api.post("/api/v1/models/coder/check", headers=bearer(admin_token))
    assert checked.status_code == 200, checked.text
    assert checked.json()["ok"] is True and checked.json()["model_listed"] is True
    assert llm_server.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    for answer in (made, again, listed, shown, checked):
        assert KEY not in answer.text
    assert "/v1/chat/completions" in caplog.text  # the requests were logged, not the key
    assert KEY not in caplog.text
    audit = conn.execute("SELECT detail::text FROM audit_events").fetchall()
    assert len(audit) == 1 and KEY not in audit[0]["detail"]
    dumped = conn.execute("SELECT row_to_json(v)::text AS t FROM model_versions v").fetchone()
    assert dumped is not None and KEY not in dumped["t"]


def test_a_changed_endpoint_is_a_new_version_shown_newest_first(
    api: TestClient[Any], admin_token: str
) -> None:
    api.post("/api/v1/models", json=body("http://10.0.0.5:8000"), headers=bearer(admin_token))
    changed = body("http://10.0.0.5:8000", model="weak")
    made = api.post("/api/v1/models", json=changed, headers=bearer(admin_token))
    assert made.json()["version"]["number"] == 2 and made.json()["created"] is True
    shown = api.get("/api/v1/models/coder", headers=bearer(admin_token)).json()
    assert [v["number"] for v in shown["versions"]] == [2, 1] and shown["current_version"] == 2


@pytest.mark.parametrize(
    ("base_url", "status"),
    [
        ("http://10.1.2.3:8000", 201),
        ("http://127.0.0.1:11434/v1", 201),
        ("http://100.64.0.9", 201),  # the test settings' allow-list
        ("http://8.8.8.8/v1", 422),
        ("http://169.254.169.254", 422),
        ("http://u:p@10.1.2.3", 422),
        ("file:///etc/passwd", 422),
    ],
)
def test_base_urls_follow_the_policy(
    api: TestClient[Any], admin_token: str, base_url: str, status: int
) -> None:
    answer = api.post("/api/v1/models", json=body(base_url), headers=bearer(admin_token))
    assert answer.status_code == status, answer.text


def test_bad_bodies_are_refused(api: TestClient[Any], admin_token: str) -> None:
    for bad in (
        body("http://10.0.0.5", name="Bad Name"),
        body("http://10.0.0.5", sampling={"temperature": 3}),
        body("http://10.0.0.5", api_key="two words"),
        body("http://10.0.0.5", prompt_template="Tell me $secret"),
        body("http://10.0.0.5", extra=1),
    ):
        answer = api.post("/api/v1/models", json=bad, headers=bearer(admin_token))
        assert answer.status_code == 422, bad
        assert "two words" not in answer.text


@pytest.fixture
def keyless_api(settings: Settings) -> Iterator[TestClient[Any]]:
    from appliance.api import create_app

    with TestClient(app=create_app(dataclasses.replace(settings, model_key=None))) as client:
        yield client


def test_without_a_model_key_an_api_key_is_refused_and_keyless_endpoints_work(
    keyless_api: TestClient[Any], admin_token: str
) -> None:
    refused = keyless_api.post(
        "/api/v1/models", json=body("http://10.0.0.5", api_key=KEY), headers=bearer(admin_token)
    )
    assert refused.status_code == 409 and "ARENA_MODEL_KEY" in refused.json()["detail"]
    assert KEY not in refused.text
    made = keyless_api.post(
        "/api/v1/models", json=body("http://10.0.0.5"), headers=bearer(admin_token)
    )
    assert made.status_code == 201


def test_checking_a_slow_or_missing_endpoint(
    api: TestClient[Any], admin_token: str, llm_server: ScriptedServer
) -> None:
    slow = body(llm_server.base_url, model="slow")
    api.post("/api/v1/models", json=slow, headers=bearer(admin_token))
    checked = api.post("/api/v1/models/coder/check", headers=bearer(admin_token))
    assert checked.status_code == 200 and checked.json()["ok"] is False
    assert "timeout" in checked.json()["detail"]
    assert api.post("/api/v1/models/nobody/check", headers=bearer(admin_token)).status_code == 404
    assert api.get("/api/v1/models/nobody", headers=bearer(admin_token)).status_code == 404


def test_an_admin_creates_lists_and_shows_problem_sets(
    api: TestClient[Any], admin_token: str
) -> None:
    made = api.post(
        "/api/v1/problem-sets",
        json={"name": "easy", "difficulties": ["Easy"], "tags": ["boundaries"]},
        headers=bearer(admin_token),
    )
    assert made.status_code == 201, made.text
    assert made.json()["item_count"] == 3 and len(made.json()["items"]) == 3
    assert made.json()["filter"] == {"difficulties": ["Easy"], "tags": ["boundaries"], "slugs": []}
    listed = api.get("/api/v1/problem-sets", headers=bearer(admin_token)).json()
    assert [(s["name"], s["content_hash"]) for s in listed] == [
        ("easy", made.json()["content_hash"])
    ]
    shown = api.get("/api/v1/problem-sets/easy", headers=bearer(admin_token))
    assert shown.json() == made.json()
    taken = api.post("/api/v1/problem-sets", json={"name": "easy"}, headers=bearer(admin_token))
    assert taken.status_code == 409
    nothing = api.post(
        "/api/v1/problem-sets",
        json={"name": "hard", "difficulties": ["Hard"]},
        headers=bearer(admin_token),
    )
    assert nothing.status_code == 422
    unknown = api.post(
        "/api/v1/problem-sets",
        json={"name": "x", "slugs": [PROBLEM, "nope"]},
        headers=bearer(admin_token),
    )
    assert unknown.status_code == 422 and "nope" in unknown.json()["detail"]
    assert api.get("/api/v1/problem-sets/none", headers=bearer(admin_token)).status_code == 404
