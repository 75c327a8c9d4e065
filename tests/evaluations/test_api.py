"""The evaluations API, for admins only: start a run, follow it, control it, page through
its evidence and export it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.conftest import PROBLEM, bearer

ROUTES = [
    ("POST", "/api/v1/evaluations", {"problem_set": "clamp-only", "baselines": ["reference"]}),
    ("GET", "/api/v1/evaluations", None),
    ("GET", "/api/v1/evaluations/1", None),
    ("POST", "/api/v1/evaluations/1/cancel", None),
    ("POST", "/api/v1/evaluations/1/hold", None),
    ("POST", "/api/v1/evaluations/1/resume", None),
    ("POST", "/api/v1/evaluations/1/retry-failed", None),
    ("POST", "/api/v1/evaluations/1/rerun", None),
    ("GET", "/api/v1/evaluations/1/samples", None),
    ("GET", "/api/v1/evaluations/1/export?format=csv", None),
]


@pytest.mark.parametrize(("method", "path", "sent"), ROUTES)
def test_every_route_needs_a_token_and_the_admin_role(
    api: TestClient[Any], learner_token: str, method: str, path: str, sent: Any
) -> None:
    assert api.request(method, path, json=sent).status_code == 401
    refused = api.request(method, path, json=sent, headers=bearer(learner_token))
    assert refused.status_code == 403


def test_an_admin_runs_follows_and_exports_an_evaluation(
    api: TestClient[Any],
    admin_token: str,
    problem_set: str,
    register: Callable[[str], str],
    drain: Callable[[], None],
) -> None:
    register("strong")
    sent = {
        "problem_set": problem_set,
        "models": [{"name": "strong"}],
        "baselines": ["examples", "reference"],
        "seed": 11,
    }
    created = api.post("/api/v1/evaluations", json=sent, headers=bearer(admin_token))
    assert created.status_code == 201, created.text
    run = created.json()
    assert run["status"] == "running" and run["seed"] == 11
    assert run["progress"]["pending"] == 3 and run["progress"]["seconds_left"] is None
    assert run["manifest"]["models"][0]["name"] == "strong"
    drain()
    shown = api.get(f"/api/v1/evaluations/{run['id']}", headers=bearer(admin_token)).json()
    assert shown["status"] == "finished" and shown["progress"]["done"] == 3
    listed = api.get("/api/v1/evaluations", headers=bearer(admin_token)).json()
    assert [r["id"] for r in listed["items"]] == [run["id"]] and listed["total"] == 1

    page = api.get(
        f"/api/v1/evaluations/{run['id']}/samples?page_size=2", headers=bearer(admin_token)
    ).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    first = page["items"][0]
    assert first["subject"] == "baseline:examples" and first["problem"] == PROBLEM
    second = page["items"][1]
    assert second["score"] == 100 and {v["kind"] for v in second["verdicts"]} >= {
        "golden",
        "mutant",
    }

    exported = api.get(
        f"/api/v1/evaluations/{run['id']}/export?format=json", headers=bearer(admin_token)
    )
    assert exported.headers["content-disposition"].endswith(f'evaluation-{run["id"]}.json"')
    document = json.loads(exported.content)
    assert document["run"]["manifest"]["seed"] == 11
    assert [s["score"] for s in document["samples"]] == [0, 100, 100]
    assert document["samples"][2]["prompt"]  # strong@1: the evidence is all there

    as_csv = api.get(
        f"/api/v1/evaluations/{run['id']}/export?format=csv", headers=bearer(admin_token)
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [(r["subject"], r["score"]) for r in rows] == [
        ("baseline:examples", "0"),
        ("baseline:reference", "100"),
        ("strong@1", "100"),
    ]


def test_control_routes_answer_with_the_run_and_refuse_what_does_not_apply(
    api: TestClient[Any], admin_token: str, problem_set: str, drain: Callable[[], None]
) -> None:
    sent = {"problem_set": problem_set, "baselines": ["reference"], "samples": 2}
    run = api.post("/api/v1/evaluations", json=sent, headers=bearer(admin_token)).json()
    base = f"/api/v1/evaluations/{run['id']}"
    held = api.post(f"{base}/hold", headers=bearer(admin_token))
    assert held.status_code == 200 and held.json()["status"] == "held"
    assert api.post(f"{base}/hold", headers=bearer(admin_token)).status_code == 409
    assert api.post(f"{base}/resume", headers=bearer(admin_token)).json()["status"] == "running"
    cancelled = api.post(f"{base}/cancel", headers=bearer(admin_token)).json()
    assert cancelled["status"] == "cancelled" and cancelled["progress"]["cancelled"] == 2
    assert api.post(f"{base}/cancel", headers=bearer(admin_token)).status_code == 409
    rerun = api.post(f"{base}/rerun", headers=bearer(admin_token))
    assert rerun.status_code == 201 and rerun.json()["rerun_of"] == run["id"]
    assert api.get("/api/v1/evaluations/999", headers=bearer(admin_token)).status_code == 404


@pytest.mark.parametrize(
    "sent",
    [
        {"problem_set": "clamp-only"},  # nothing to evaluate
        {"problem_set": "clamp-only", "baselines": ["oracle"]},
        {"problem_set": "clamp-only", "baselines": ["reference"], "samples": 0},
        {"problem_set": "clamp-only", "baselines": ["reference"], "surprise": 1},
    ],
)
def test_bad_runs_are_refused(
    api: TestClient[Any], admin_token: str, problem_set: str, sent: dict[str, Any]
) -> None:
    assert api.post("/api/v1/evaluations", json=sent, headers=bearer(admin_token)).status_code in (
        400,
        422,
    )


def test_unknown_sets_and_models_are_404(
    api: TestClient[Any], admin_token: str, problem_set: str
) -> None:
    for sent in (
        {"problem_set": "nope", "baselines": ["reference"]},
        {"problem_set": problem_set, "models": [{"name": "ghost"}]},
    ):
        assert (
            api.post("/api/v1/evaluations", json=sent, headers=bearer(admin_token)).status_code
            == 404
        )
