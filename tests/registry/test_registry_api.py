"""The registry's API, for admins only: the aliases, promote with a reason, rollback and
the history. appliance/api.py does not register these handlers yet (its owner adds them):
the app here is the appliance's own with them added."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from appliance.db import Connection
from appliance.settings import Settings
from tests.conftest import bearer
from tests.registry.test_store import register
from tests.test_openapi import _exercise, _operations


def promote(api: TestClient[Any], token: str, alias: str, **body: object) -> Any:
    return api.post(f"/api/v1/registry/{alias}/promote", json=body, headers=bearer(token))


def test_an_admin_promotes_reads_the_history_and_rolls_back(
    api: TestClient[Any], conn: Connection, settings: Settings, admin_token: str
) -> None:
    register(conn, settings, "alpha")
    register(conn, settings, "beta")
    assert (
        promote(
            api, admin_token, "feedback-champion", model="alpha", version=1, reason="first"
        ).status_code
        == 200
    )
    moved = promote(
        api, admin_token, "feedback-champion", model="beta", version=1, reason="beta is better"
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["from_model"] == "alpha" and moved.json()["to_model"] == "beta"
    listed = api.get("/api/v1/registry", headers=bearer(admin_token)).json()
    assert {a["alias"]: (a["model"], a["version"]) for a in listed} == {
        "challenger": (None, None),
        "feedback-champion": ("beta", 1),
    }
    back = api.post(
        "/api/v1/registry/feedback-champion/rollback",
        json={"reason": "beta regressed"},
        headers=bearer(admin_token),
    )
    assert back.status_code == 200, back.text
    assert (back.json()["kind"], back.json()["to_model"]) == ("rollback", "alpha")
    history = api.get(
        "/api/v1/registry/feedback-champion/history", headers=bearer(admin_token)
    ).json()
    assert [(m["kind"], m["reason"], m["actor"]) for m in history] == [
        ("rollback", "beta regressed", "root"),
        ("manual", "beta is better", "root"),
        ("manual", "first", "root"),
    ]


def test_learners_may_not_read_or_move_the_registry(
    api: TestClient[Any], conn: Connection, settings: Settings, learner_token: str
) -> None:
    register(conn, settings, "alpha")
    assert api.get("/api/v1/registry", headers=bearer(learner_token)).status_code == 403
    refused = promote(
        api, learner_token, "feedback-champion", model="alpha", version=1, reason="me"
    )
    assert refused.status_code == 403
    history = api.get("/api/v1/registry/challenger/history", headers=bearer(learner_token))
    assert history.status_code == 403


def test_refusals_answer_with_their_status(
    api: TestClient[Any], conn: Connection, settings: Settings, admin_token: str
) -> None:
    register(conn, settings, "alpha")
    missing_reason = promote(api, admin_token, "challenger", model="alpha", version=1)
    assert missing_reason.status_code == 422
    blank = promote(api, admin_token, "challenger", model="alpha", version=1, reason="  ")
    assert blank.status_code == 422
    assert (
        promote(api, admin_token, "production", model="alpha", version=1, reason="x").status_code
        == 404
    )
    assert (
        promote(api, admin_token, "challenger", model="alpha", version=9, reason="x").status_code
        == 404
    )
    nothing = api.post(
        "/api/v1/registry/challenger/rollback", json={"reason": "x"}, headers=bearer(admin_token)
    )
    assert nothing.status_code == 409
    assert nothing.json()["type"] == "conflict"


def test_the_openapi_document_describes_the_registry(api: TestClient[Any]) -> None:
    paths = api.get("/schema/openapi.json").json()["paths"]
    assert {"/api/v1/registry", "/api/v1/registry/{alias}/history"} <= paths.keys()
    assert "409" in paths["/api/v1/registry/{alias}/rollback"]["post"]["responses"]


@pytest.mark.parametrize("role", ["learner", "admin"])
def test_the_registry_answers_within_its_documented_statuses_and_schemas(
    api: TestClient[Any], learner_token: str, admin_token: str, role: str
) -> None:
    """tests/test_openapi.py's schemathesis run, on the registry's operations (that file
    covers them itself once appliance/api.py registers them)."""
    token = admin_token if role == "admin" else learner_token
    for operation in _operations(api):
        if operation.path.startswith("/api/v1/registry"):
            _exercise(api, operation, token)
