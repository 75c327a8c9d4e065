"""Bad input to the submission endpoints is a 4xx with the error envelope, never a 500:
NUL and over-long strings, pages PostgreSQL cannot offset, malformed bodies."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from tests.conftest import PROBLEM, bearer

ENVELOPE = {"detail", "type", "request_id"}
TOO_LONG = "a" * 65


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/submissions?problem=%00", 400),
        ("/api/v1/submissions?problem=mini-clamp%00", 400),
        (f"/api/v1/submissions?problem={TOO_LONG}", 400),
        ("/api/v1/submissions?status=%00", 400),
        (f"/api/v1/submissions?status={TOO_LONG}", 400),
        ("/api/v1/submissions?page=4611686018427387904", 400),  # 2**62: no bigint overflow
        ("/api/v1/submissions?page=100001", 400),
        ("/api/v1/submissions?page=-1", 400),
        ("/api/v1/submissions?page_size=101", 400),
        ("/api/v1/submissions/%00", 400),
        (f"/api/v1/submissions/{'0' * 65}", 400),
        ("/api/v1/submissions/00000000-0000-0000-0000-000000000000", 404),
    ],
)
def test_bad_parameters_of_the_submission_endpoints_are_a_4xx_with_the_envelope(
    api: TestClient[Any], learner_token: str, path: str, status: int
) -> None:
    response = api.get(path, headers=bearer(learner_token))
    assert response.status_code == status, response.text
    assert set(response.json()) == ENVELOPE


@pytest.mark.parametrize(
    "body",
    [
        {"problem": "mini-clamp\x00", "code": "def test_x():\n    pass\n"},
        {"problem": TOO_LONG, "code": "def test_x():\n    pass\n"},
        {"problem": PROBLEM, "code": "def test_x():\n    pass\x00\n"},
    ],
)
def test_a_submission_with_nul_or_a_malformed_slug_is_a_422(
    api: TestClient[Any], learner_token: str, body: dict[str, str]
) -> None:
    response = api.post("/api/v1/submissions", json=body, headers=bearer(learner_token))
    assert response.status_code == 422, response.text
    assert set(response.json()) == ENVELOPE


def test_the_last_sane_page_is_an_empty_page_not_an_error(
    api: TestClient[Any], learner_token: str
) -> None:
    response = api.get("/api/v1/submissions?page=100000", headers=bearer(learner_token))
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []
