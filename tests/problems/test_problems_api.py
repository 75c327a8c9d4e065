"""Authoring through the API: create, validate in the real judge, publish; and what
learners may and may not see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.bundles import GOLDEN
from tests.conftest import bearer
from tests.problems.test_bundle import as_json


def create(api: TestClient[Any], token: str, **changes: Any) -> dict[str, Any]:
    response = api.post(
        "/api/v1/problems", json=as_json(slug="new-clamp", **changes), headers=bearer(token)
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def version(api: TestClient[Any], token: str, number: int) -> dict[str, Any]:
    response = api.get(f"/api/v1/problems/new-clamp/versions/{number}", headers=bearer(token))
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_an_author_creates_validates_and_publishes_a_problem(
    api: TestClient[Any], author_token: str, learner_token: str, drain: Callable[[], None]
) -> None:
    created = create(api, author_token)
    assert created == {"slug": "new-clamp", "version": 1, "status": "validating", "created": True}
    assert api.get("/api/v1/problems/new-clamp", headers=bearer(learner_token)).status_code == 404
    drain()
    validated = version(api, author_token, 1)
    assert validated["status"] == "valid"
    assert validated["validation"]["ok"] is True
    kinds = [v["kind"] for v in validated["validation"]["variants"]]
    assert kinds.count("mutant") == 3 and "twin" in kinds
    published = api.post(
        "/api/v1/problems/new-clamp/versions/1/publish", headers=bearer(author_token)
    )
    assert published.json() == {"slug": "new-clamp", "version": 1, "status": "published"}
    seen = api.get("/api/v1/problems/new-clamp", headers=bearer(learner_token)).json()
    assert seen["version"] == 1 and seen["mutant_count"] == 3 and seen["golden_code"] == GOLDEN
    assert "mutants" not in seen


def test_unchanged_content_is_the_same_version_and_changed_content_a_new_one(
    api: TestClient[Any], author_token: str
) -> None:
    assert create(api, author_token)["version"] == 1
    assert create(api, author_token)["created"] is False
    assert create(api, author_token, title="Clamp, second edition")["version"] == 2


def test_a_version_whose_reference_suite_misses_a_mutant_is_invalid_and_cannot_be_published(
    api: TestClient[Any], author_token: str, drain: Callable[[], None]
) -> None:
    weak = "from target import clamp\n\ndef test_inside():\n    assert clamp(5, 0, 10) == 5\n"
    create(api, author_token, reference_tests=weak)
    drain()
    invalid = version(api, author_token, 1)
    assert invalid["status"] == "invalid"
    assert "mutant upper_exclusive survives the reference suite" in invalid["validation"]["reasons"]
    refused = api.post(
        "/api/v1/problems/new-clamp/versions/1/publish", headers=bearer(author_token)
    )
    assert refused.status_code == 409


def test_publishing_a_new_version_moves_the_current_one_and_old_submissions_keep_theirs(
    api: TestClient[Any], author_token: str, learner_token: str, drain: Callable[[], None]
) -> None:
    create(api, author_token)
    drain()
    api.post("/api/v1/problems/new-clamp/versions/1/publish", headers=bearer(author_token))
    old = api.post(
        "/api/v1/submissions",
        json={"problem": "new-clamp", "code": "x = 1"},
        headers=bearer(learner_token),
    ).json()
    create(api, author_token, title="Clamp v2")
    drain()
    api.post("/api/v1/problems/new-clamp/versions/2/publish", headers=bearer(author_token))
    assert version(api, author_token, 1)["status"] == "retired"
    assert (
        api.get("/api/v1/problems/new-clamp", headers=bearer(learner_token)).json()["version"] == 2
    )
    mine = api.get(f"/api/v1/submissions/{old['id']}", headers=bearer(learner_token)).json()
    assert mine["version"] == 1


def test_learners_cannot_author_or_read_versions(api: TestClient[Any], learner_token: str) -> None:
    assert (
        api.post("/api/v1/problems", json=as_json(), headers=bearer(learner_token)).status_code
        == 403
    )
    assert (
        api.get("/api/v1/problems/mini-clamp/versions/1", headers=bearer(learner_token)).status_code
        == 403
    )


def test_the_problem_list_filters_in_sql_and_pages(
    api: TestClient[Any], learner_token: str
) -> None:
    listed = api.get(
        "/api/v1/problems?difficulty=Easy&tag=boundaries", headers=bearer(learner_token)
    ).json()
    assert listed["total"] == 3
    assert {item["slug"] for item in listed["items"]} == {
        "mini-clamp",
        "mini-clamp-fast",
        "mini-clamp-hidden",
    }
    assert listed["items"][0]["mutant_count"] == 3
    hard = api.get("/api/v1/problems?difficulty=Hard", headers=bearer(learner_token)).json()
    assert hard["total"] == 0
    paged = api.get("/api/v1/problems?page=2&page_size=1", headers=bearer(learner_token)).json()
    assert len(paged["items"]) == 1 and paged["total"] == 3


def test_a_bad_bundle_is_a_422_with_the_reason(api: TestClient[Any], author_token: str) -> None:
    response = api.post(
        "/api/v1/problems", json=as_json(difficulty="Trivial"), headers=bearer(author_token)
    )
    assert response.status_code == 422
    assert "difficulty" in response.json()["detail"]


def test_bad_authoring_requests_get_the_error_envelope(
    api: TestClient[Any], author_token: str
) -> None:
    cases = [
        ("POST", "/api/v1/problems", b"{oops", 400),
        ("POST", "/api/v1/problems", b'["a list"]', 422),
        ("POST", "/api/v1/problems/no-such/versions/1/publish", b"", 404),
        ("POST", "/api/v1/problems/mini-clamp/versions/x/publish", b"", 404),
        ("GET", "/api/v1/problems/mini-clamp/versions/0", b"", 400),  # numbers start at 1
        ("GET", "/api/v1/problems/mini-clamp/versions/99", b"", 404),
        ("POST", "/api/v1/problems/mini%00clamp/versions/1/publish", b"", 400),
    ]
    for method, path, body, status in cases:
        response = api.request(
            method,
            path,
            content=body,
            headers={**bearer(author_token), "Content-Type": "application/json"},
        )
        assert response.status_code == status, (path, response.text)
        assert set(response.json()) == {"detail", "type", "request_id"}


def test_publishing_the_current_version_again_is_a_no_op(
    api: TestClient[Any], author_token: str
) -> None:
    response = api.post(
        "/api/v1/problems/mini-clamp/versions/1/publish", headers=bearer(author_token)
    )
    assert response.json() == {"slug": "mini-clamp", "version": 1, "status": "published"}


EXAMPLES = [
    {"call": "clamp(5, 0, 10)", "result": "5"},
    {"call": "clamp(1, 5, 0)", "raises": "ValueError"},
]


def test_examples_are_judged_at_validation_and_rendered_into_the_statement(
    api: TestClient[Any], author_token: str, learner_token: str, drain: Callable[[], None]
) -> None:
    create(api, author_token, examples=EXAMPLES)
    drain()
    validated = version(api, author_token, 1)
    assert validated["status"] == "valid", validated["validation"]
    # The examples kill bounds_swapped (weight 1) and no_range_check (2) of 6: 30 + 35.
    assert validated["validation"]["examples_score"] == 65
    smallest = validated["validation"]["smallest_killing_suite"]
    assert len(smallest) == 2 and "test_inverted_range_is_refused" in smallest
    assert sorted(m["label"] for m in validated["mutants"]) == ["mutant 1", "mutant 2", "mutant 3"]
    api.post("/api/v1/problems/new-clamp/versions/1/publish", headers=bearer(author_token))
    seen = api.get("/api/v1/problems/new-clamp", headers=bearer(learner_token)).json()
    assert seen["examples"] == EXAMPLES
    assert "clamp(5, 0, 10)" in seen["description_md"]
    assert "ValueError" in seen["description_md"]


def test_examples_that_give_the_answer_away_make_the_version_invalid(
    api: TestClient[Any], author_token: str, drain: Callable[[], None]
) -> None:
    create(api, author_token, examples=[*EXAMPLES, {"call": "clamp(10, 0, 10)", "result": "10"}])
    drain()
    invalid = version(api, author_token, 1)
    assert invalid["status"] == "invalid"
    assert invalid["validation"]["examples_score"] == 100
    assert any("examples alone score 100" in r for r in invalid["validation"]["reasons"])


def test_examples_that_are_wrong_on_the_golden_code_make_the_version_invalid(
    api: TestClient[Any], author_token: str, drain: Callable[[], None]
) -> None:
    create(api, author_token, examples=[{"call": "clamp(5, 0, 3)", "result": "5"}])
    drain()
    invalid = version(api, author_token, 1)
    assert invalid["status"] == "invalid"
    assert any("do not hold on the golden code" in r for r in invalid["validation"]["reasons"])


ENVELOPE = {"detail", "type", "request_id"}
TOO_LONG = "a" * 65


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/problems?tag=%00", 400),
        (f"/api/v1/problems?tag={TOO_LONG}", 400),
        ("/api/v1/problems?difficulty=Easy%00", 400),
        (f"/api/v1/problems?difficulty={TOO_LONG}", 400),
        ("/api/v1/problems?page=4611686018427387904", 400),  # 2**62: no bigint overflow
        ("/api/v1/problems?page=100001", 400),
        ("/api/v1/problems?page=0", 400),
        ("/api/v1/problems?page_size=99999999999999999999999", 400),
        ("/api/v1/problems/%00", 400),
        ("/api/v1/problems/mini%00clamp", 400),
        (f"/api/v1/problems/{TOO_LONG}", 400),
        ("/api/v1/problems/%ED%A0%80", 400),  # a lone surrogate, percent-encoded
        ("/api/v1/problems/no-such-problem", 404),  # well-formed, unknown
        ("/api/v1/problems/mini%00clamp/versions/1", 400),
        ("/api/v1/problems/mini-clamp/versions/4611686018427387904", 400),
        ("/api/v1/problems/mini-clamp/versions/0", 400),
    ],
)
def test_bad_parameters_of_the_problem_endpoints_are_a_4xx_with_the_envelope(
    api: TestClient[Any], admin_token: str, path: str, status: int
) -> None:
    response = api.get(path, headers=bearer(admin_token))
    assert response.status_code == status, response.text
    assert set(response.json()) == ENVELOPE


def test_the_last_sane_page_is_an_empty_page_not_an_error(
    api: TestClient[Any], learner_token: str
) -> None:
    response = api.get("/api/v1/problems?page=100000", headers=bearer(learner_token))
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "Clamp\x00"},
        {"tags": ["ok", "nul\x00"]},
        {"mutants": [{"name": "off_by_one", "code": "x\x00", "weight": 1, "hint": ""}]},
        {"limits": {"wall_seconds\x00": 1.0}},
    ],
)
def test_a_bundle_with_nul_anywhere_is_a_422_not_a_500(
    api: TestClient[Any], author_token: str, changes: dict[str, Any]
) -> None:
    response = api.post(
        "/api/v1/problems", json=as_json(slug="nul-clamp", **changes), headers=bearer(author_token)
    )
    assert response.status_code == 422, response.text
    assert set(response.json()) == ENVELOPE
