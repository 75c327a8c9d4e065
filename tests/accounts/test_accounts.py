"""Users, tokens and roles: every endpoint but health needs a token, tokens are stored
hashed, and only admins manage accounts."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from litestar.testing import TestClient

from appliance import db
from appliance.accounts.tokens import digest
from tests.conftest import bearer

PROTECTED = [
    ("GET", "/api/v1/problems"),
    ("GET", "/api/v1/problems/mini-clamp"),
    ("POST", "/api/v1/problems"),
    ("GET", "/api/v1/problems/mini-clamp/versions/1"),
    ("POST", "/api/v1/problems/mini-clamp/versions/1/publish"),
    ("POST", "/api/v1/submissions"),
    ("GET", "/api/v1/submissions"),
    ("GET", "/api/v1/submissions/00000000-0000-0000-0000-000000000000"),
    ("POST", "/api/v1/users"),
    ("POST", "/api/v1/tokens"),
    ("DELETE", "/api/v1/tokens/1"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc", "Bearer", "Bearer a b"])
def test_every_endpoint_but_health_needs_a_valid_token(
    api: TestClient[Any], method: str, path: str, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = api.request(method, path, headers=headers, json={})
    assert response.status_code == 401
    body = response.json()
    assert body["type"] == "unauthorized" and body["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/api/v1/health", "/api/v1/version"])
def test_health_endpoints_need_no_token(api: TestClient[Any], path: str) -> None:
    assert api.get(path).status_code in (200, 503)


def test_an_admin_creates_a_user_whose_token_works_and_is_stored_hashed(
    api: TestClient[Any], admin_token: str, conn: db.Connection
) -> None:
    response = api.post(
        "/api/v1/users", json={"name": "lin", "role": "learner"}, headers=bearer(admin_token)
    )
    assert response.status_code == 201
    created = response.json()
    assert created["role"] == "learner" and created["token"].startswith("arena_")
    assert api.get("/api/v1/problems", headers=bearer(created["token"])).status_code == 200
    stored = conn.execute(
        "SELECT token_hash FROM api_tokens WHERE user_id = %s", (created["id"],)
    ).fetchone()
    assert stored is not None and bytes(stored["token_hash"]) == digest(created["token"])
    assert (
        conn.execute(
            "SELECT 1 FROM api_tokens WHERE token_hash::text LIKE %s", (f"%{created['token']}%",)
        ).fetchone()
        is None
    )


@pytest.mark.parametrize("role", ["learner", "author"])
def test_only_admins_manage_accounts(api: TestClient[Any], conn: db.Connection, role: str) -> None:
    from appliance.accounts.users import create_user

    _, token = create_user(conn, f"someone-{role}", role)
    assert (
        api.post(
            "/api/v1/users", json={"name": "x", "role": "admin"}, headers=bearer(token)
        ).status_code
        == 403
    )
    assert api.post("/api/v1/tokens", json={"user_id": 1}, headers=bearer(token)).status_code == 403
    assert api.delete("/api/v1/tokens/1", headers=bearer(token)).status_code == 403


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "x y", "role": "learner"}, 422),
        ({"name": "x", "role": "wizard"}, 422),
        ({"name": "x"}, 422),
        ({"name": "root", "role": "learner"}, 409),
    ],
)
def test_bad_user_requests_get_a_clear_error(
    api: TestClient[Any], admin_token: str, body: dict[str, str], status: int
) -> None:
    response = api.post("/api/v1/users", json=body, headers=bearer(admin_token))
    assert response.status_code == status
    assert response.json()["detail"]


def test_a_revoked_token_stops_working_and_another_token_keeps_working(
    api: TestClient[Any], admin_token: str
) -> None:
    user = api.post(
        "/api/v1/users", json={"name": "kim", "role": "learner"}, headers=bearer(admin_token)
    ).json()
    second = api.post("/api/v1/tokens", json={"user_id": user["id"]}, headers=bearer(admin_token))
    assert second.status_code == 201
    first_id = second.json()["id"] - 1
    assert api.delete(f"/api/v1/tokens/{first_id}", headers=bearer(admin_token)).status_code == 204
    assert api.get("/api/v1/problems", headers=bearer(user["token"])).status_code == 401
    assert api.get("/api/v1/problems", headers=bearer(second.json()["token"])).status_code == 200
    assert api.delete(f"/api/v1/tokens/{first_id}", headers=bearer(admin_token)).status_code == 404


def test_a_token_for_an_unknown_user_is_a_404(api: TestClient[Any], admin_token: str) -> None:
    response = api.post("/api/v1/tokens", json={"user_id": 999999}, headers=bearer(admin_token))
    assert response.status_code == 404


def test_the_cli_prints_only_a_token_that_works(settings: Any, api: TestClient[Any]) -> None:
    env = {
        **os.environ,
        "ARENA_DATABASE_URL": settings.database_url,
        "ARENA_REDIS_URL": settings.redis_url,
    }
    result = subprocess.run(
        [sys.executable, "-m", "appliance", "users", "create", "eve", "--role", "author"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    token = result.stdout.strip()
    assert result.stdout == token + "\n"
    assert api.get("/api/v1/problems", headers=bearer(token)).status_code == 200
    again = subprocess.run(
        [sys.executable, "-m", "appliance", "users", "create", "eve", "--role", "author"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert again.returncode == 1 and again.stdout == "" and "already exists" in again.stderr


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/api/v1/tokens", {"user_id": "one"}, 422),
        ("POST", "/api/v1/tokens", {}, 422),
        ("POST", "/api/v1/users", ["not", "an", "object"], 422),
        ("DELETE", "/api/v1/tokens/abc", None, 404),
        ("DELETE", "/api/v1/tokens/999999", None, 404),
        ("PUT", "/api/v1/users", {}, 405),
    ],
)
def test_bad_account_requests_get_the_error_envelope(
    api: TestClient[Any],
    admin_token: str,
    method: str,
    path: str,
    body: Any,
    status: int,
) -> None:
    response = api.request(method, path, json=body, headers=bearer(admin_token))
    assert response.status_code == status, response.text
    assert set(response.json()) == {"detail", "type", "request_id"}
