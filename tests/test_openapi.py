"""The OpenAPI document describes every response: schemathesis drives every operation of the
real app (real PostgreSQL and Redis, no Docker: submissions and validations are only
queued) and finds no 5xx and no response outside its documented status and schema. And the
docs page is served from local files only."""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from litestar.testing import TestClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import bearer

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Without a worker (no Docker here) the appliance is not ready: readiness answers its
# documented 503 with the health report, which the other checks still hold to its schema.
READINESS = {"/readyz", "/api/v1/health"}
# Bounded and seeded: the same cases on every run, the whole run well under two minutes.
EXAMPLES_PER_OPERATION = 30
RUN = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def document(api: TestClient[Any]) -> dict[str, Any]:
    response = api.get("/schema/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def _request(api: TestClient[Any], case: Any, token: str) -> Any:
    """Send a generated case through the app's own test client (the app, its pool and its
    Redis stay as the fixtures made them)."""
    sent = case.as_transport_kwargs(base_url=str(api.base_url), headers=bearer(token))
    body = sent.pop("data", None)
    if body is not None:
        sent["content"] = body
    for unused in ("verify", "cookies"):  # no TLS here, and the API takes no cookie
        sent.pop(unused, None)
    return api.request(**sent)


def _exercise(api: TestClient[Any], operation: Any, token: str) -> None:
    checks = [c for c in CHECKS if c is not not_a_server_error or operation.path not in READINESS]

    @RUN
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        response = _request(api, case, token)
        case.validate_response(response, checks=checks, headers=bearer(token))

    run()


def _operations(api: TestClient[Any]) -> list[Any]:
    """Every operation; revoking tokens last, so that the caller's own token (a small id)
    is revoked only when nothing else needs it."""
    schema = schemathesis.openapi.from_dict(document(api))
    operations = [result.ok() for result in schema.get_all_operations()]
    return sorted(operations, key=lambda op: op.method.upper() == "DELETE")


@pytest.mark.parametrize("role", ["learner", "admin"])
def test_every_operation_answers_within_its_documented_statuses_and_schemas(
    api: TestClient[Any], learner_token: str, admin_token: str, role: str
) -> None:
    token = admin_token if role == "admin" else learner_token
    for operation in _operations(api):
        _exercise(api, operation, token)


FILE_TYPES = {"text/csv; charset=utf-8", "application/pdf"}


def test_every_declared_status_of_every_operation_has_a_response_schema(
    api: TestClient[Any],
) -> None:
    paths = document(api)["paths"]
    assert len(paths) >= 12
    for path, operations in paths.items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                where = f"{method.upper()} {path} {status}"
                if status == "204":
                    assert not response.get("content"), where
                    continue
                media = response["content"]
                if status.startswith("2") and FILE_TYPES.intersection(media):
                    # a file download (CSV, PDF) is described by its own media type
                    assert all("schema" in media[kind] for kind in media), where
                    continue
                assert "schema" in media["application/json"], where
                if status.startswith(("4", "5")) and path not in ("/readyz", "/api/v1/health"):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorBody"}, where


ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


def test_the_docs_page_loads_only_local_files(api: TestClient[Any]) -> None:
    """Every script, stylesheet and icon the page names is served by the app itself (the
    tests refuse outbound connections, so it also works on an air-gapped host)."""
    page = api.get("/schema/swagger")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assets = ASSET.findall(page.text)
    assert len(assets) >= 3  # the script, its preset, the stylesheet (and the icon)
    for url in assets:
        assert url.startswith("/") and not url.startswith("//"), url
        assert "://" not in url, url
        assert api.get(url).status_code == 200, url
