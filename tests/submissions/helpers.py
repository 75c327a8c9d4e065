"""Submitting through the API and reading the result back."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.conftest import PROBLEM, bearer


def submit(
    api: TestClient[Any], token: str, code: str, problem: str = PROBLEM, **headers: str
) -> dict[str, Any]:
    response = api.post(
        "/api/v1/submissions",
        json={"problem": problem, "code": code},
        headers={**bearer(token), **headers},
    )
    assert response.status_code == 202, response.text
    return dict(response.json())


def result(api: TestClient[Any], token: str, submission_id: str) -> dict[str, Any]:
    response = api.get(f"/api/v1/submissions/{submission_id}", headers=bearer(token))
    assert response.status_code == 200, response.text
    return dict(response.json())
