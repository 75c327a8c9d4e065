"""The submissions API's contract: admission control, idempotency, ownership and the error
envelope on bad input. Nothing here needs a worker."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from litestar.testing import TestClient

from appliance import db, queue
from tests.bundles import STRONG_SUITE
from tests.conftest import bearer, make_settings
from tests.submissions.helpers import submit


def test_a_submission_is_stored_pending_and_queued_under_its_own_id(
    api: TestClient[Any], learner_token: str, broker: redis.Redis, conn: db.Connection
) -> None:
    accepted = submit(api, learner_token, STRONG_SUITE)
    assert accepted["status"] == "PENDING" and accepted["version"] == 1
    assert queue.judge_queue(broker).job_ids == [accepted["id"]]
    row = conn.execute("SELECT status FROM submissions WHERE id = %s", (accepted["id"],)).fetchone()
    assert row == {"status": "PENDING"}


def test_enqueueing_the_same_submission_twice_queues_it_once(
    api: TestClient[Any], learner_token: str, broker: redis.Redis
) -> None:
    accepted = submit(api, learner_token, STRONG_SUITE)
    assert queue.enqueue_submission(broker, accepted["id"]) is False
    assert queue.judge_queue(broker).count == 1


def test_an_idempotency_key_replays_the_first_submission(
    api: TestClient[Any], learner_token: str, conn: db.Connection
) -> None:
    first = submit(api, learner_token, STRONG_SUITE, **{"Idempotency-Key": "k-1"})
    again = submit(api, learner_token, STRONG_SUITE, **{"Idempotency-Key": "k-1"})
    assert again["id"] == first["id"]
    assert conn.execute("SELECT count(*) AS n FROM submissions").fetchone() == {"n": 1}


def test_an_idempotency_key_reused_for_other_code_is_a_conflict(
    api: TestClient[Any], learner_token: str
) -> None:
    submit(api, learner_token, STRONG_SUITE, **{"Idempotency-Key": "k-2"})
    response = api.post(
        "/api/v1/submissions",
        json={"problem": "mini-clamp", "code": "x = 1"},
        headers={**bearer(learner_token), "Idempotency-Key": "k-2"},
    )
    assert response.status_code == 409 and response.json()["type"] == "conflict"


def test_idempotency_keys_are_per_user(
    api: TestClient[Any], learner_token: str, other_learner_token: str
) -> None:
    mine = submit(api, learner_token, STRONG_SUITE, **{"Idempotency-Key": "shared"})
    theirs = submit(api, other_learner_token, STRONG_SUITE, **{"Idempotency-Key": "shared"})
    assert mine["id"] != theirs["id"]


def test_code_over_the_limit_is_refused_with_413(api: TestClient[Any], learner_token: str) -> None:
    code = "# " + "x" * (64 * 1024)
    response = api.post(
        "/api/v1/submissions",
        json={"problem": "mini-clamp", "code": code},
        headers=bearer(learner_token),
    )
    assert response.status_code == 413
    assert response.json()["type"] == "payload_too_large"


@pytest.mark.parametrize(
    ("body", "status", "kind"),
    [
        (b"{not json", 400, "bad_request"),
        (b'{"problem": "mini-clamp"}', 422, "validation_error"),
        (b'{"code": "x"}', 422, "validation_error"),
        (b'{"problem": 3, "code": "x"}', 422, "validation_error"),
        (b'{"problem": "mini-clamp", "code": "x", "extra": 1}', 422, "validation_error"),
        (b'["a list"]', 422, "validation_error"),
        (b'{"problem": "no-such-problem", "code": "x"}', 404, "not_found"),
    ],
)
def test_bad_submissions_get_the_error_envelope(
    api: TestClient[Any], learner_token: str, body: bytes, status: int, kind: str
) -> None:
    response = api.post(
        "/api/v1/submissions",
        content=body,
        headers={**bearer(learner_token), "Content-Type": "application/json"},
    )
    assert response.status_code == status, response.text
    envelope = response.json()
    assert set(envelope) == {"detail", "type", "request_id"}
    assert envelope["type"] == kind and "Traceback" not in envelope["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/submissions/not-a-uuid",
        "/api/v1/submissions/00000000-0000-0000-0000-000000000000",
        "/api/v1/submissions?status=DONE",
        "/api/v1/submissions?page=0",
        "/api/v1/submissions?page=abc",
        "/api/v1/problems?difficulty=Trivial",
        "/api/v1/problems?page_size=1000",
        "/api/v1/problems/no-such-problem",
        "/api/v1/problems/mini-clamp/versions/99",
        "/api/v1/nowhere",
    ],
)
def test_bad_reads_get_the_error_envelope(
    api: TestClient[Any], admin_token: str, path: str
) -> None:
    response = api.get(path, headers=bearer(admin_token))
    assert response.status_code in (400, 404, 422), response.text
    assert set(response.json()) == {"detail", "type", "request_id"}


def test_a_learner_sees_only_their_own_submissions(
    api: TestClient[Any], learner_token: str, other_learner_token: str, admin_token: str
) -> None:
    mine = submit(api, learner_token, STRONG_SUITE)
    theirs = submit(api, other_learner_token, STRONG_SUITE)
    assert (
        api.get(f"/api/v1/submissions/{theirs['id']}", headers=bearer(learner_token)).status_code
        == 404
    )
    listed = api.get("/api/v1/submissions", headers=bearer(learner_token)).json()
    assert [item["id"] for item in listed["items"]] == [mine["id"]] and listed["total"] == 1
    everyone = api.get("/api/v1/submissions", headers=bearer(admin_token)).json()
    assert {item["id"] for item in everyone["items"]} == {mine["id"], theirs["id"]}
    assert (
        api.get(f"/api/v1/submissions/{theirs['id']}", headers=bearer(admin_token)).status_code
        == 200
    )


def test_the_list_filters_and_pages(api: TestClient[Any], learner_token: str) -> None:
    ids = [submit(api, learner_token, STRONG_SUITE + f"\n# {i}\n")["id"] for i in range(3)]
    page = api.get(
        "/api/v1/submissions?page=2&page_size=2&status=PENDING&problem=mini-clamp",
        headers=bearer(learner_token),
    ).json()
    assert page["total"] == 3 and page["page"] == 2 and len(page["items"]) == 1
    assert page["items"][0]["id"] == ids[0]
    none = api.get("/api/v1/submissions?status=SUCCESS", headers=bearer(learner_token)).json()
    assert none == {"items": [], "total": 0, "page": 1, "page_size": 20}


def test_the_rate_limit_answers_429_with_retry_after(
    database_url: str, redis_url: str, learner_token: str
) -> None:
    from appliance.api import create_app

    settings = make_settings(database_url, redis_url, ARENA_RATE_LIMIT_PER_MINUTE="2")
    with TestClient(app=create_app(settings)) as api:
        for i in range(2):
            submit(api, learner_token, STRONG_SUITE + f"# {i}\n")
        response = api.post(
            "/api/v1/submissions",
            json={"problem": "mini-clamp", "code": STRONG_SUITE},
            headers=bearer(learner_token),
        )
    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert response.json()["type"] == "rate_limited"


def test_a_full_backlog_answers_503_with_retry_after(
    database_url: str, redis_url: str, learner_token: str, conn: db.Connection
) -> None:
    from appliance.api import create_app

    settings = make_settings(database_url, redis_url, ARENA_MAX_PENDING="1")
    with TestClient(app=create_app(settings)) as api:
        submit(api, learner_token, STRONG_SUITE)
        response = api.post(
            "/api/v1/submissions",
            json={"problem": "mini-clamp", "code": STRONG_SUITE + "# 2\n"},
            headers=bearer(learner_token),
        )
    assert response.status_code == 503 and int(response.headers["retry-after"]) > 0
    assert conn.execute("SELECT count(*) AS n FROM submissions").fetchone() == {"n": 1}


def test_a_submission_survives_redis_being_down(
    database_url: str, learner_token: str, conn: db.Connection
) -> None:
    from appliance.api import create_app

    settings = make_settings(database_url, "redis://127.0.0.1:1/0")
    with TestClient(app=create_app(settings)) as api:
        accepted = submit(api, learner_token, STRONG_SUITE)
    row = conn.execute("SELECT status FROM submissions WHERE id = %s", (accepted["id"],)).fetchone()
    assert row == {"status": "PENDING"}


def test_the_openapi_schema_is_served_locally(api: TestClient[Any]) -> None:
    schema = api.get("/schema/openapi.json").json()
    assert "/api/v1/submissions" in schema["paths"]
