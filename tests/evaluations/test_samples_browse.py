"""The evidence browser's reads: a run's samples listed without their texts, filtered in SQL
by subject, problem and status, a page at a time with the count of all that match; one
sample read with its texts, only through its own run. And the run's document, built once
(documents.py) for the API and the console, in the API's field order."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import redis
from litestar.testing import TestClient

from appliance import db
from appliance.audit.trail import Actor
from appliance.evaluations import documents, queries, routes, runs
from appliance.evaluations.queries import SampleFilter
from appliance.evaluations.runs import ModelChoice, Plan
from appliance.models import problem_sets
from appliance.models.problem_sets import SetFilter
from appliance.settings import Settings
from tests.conftest import FAST_PROBLEM, HIDDEN_PROBLEM, PROBLEM, bearer
from ui.admin.evaluation_evidence import sample_evidence

THREE = "three-clamps"
TEXTS = ("prompt", "response", "suite")
# 3 subjects x 3 problems x 2 samples.
SAMPLES = 18


@pytest.fixture
def three(conn: db.Connection) -> str:
    problem_sets.create(conn, THREE, SetFilter(slugs=[PROBLEM, FAST_PROBLEM, HIDDEN_PROBLEM]))
    return THREE


@pytest.fixture
def start(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    admin: Actor,
    three: str,
    register: Callable[[str], str],
) -> Callable[[], int]:
    """A run whose samples wait (no worker here): a model version and both baselines."""
    model = register("strong")

    def make() -> int:
        plan = Plan(three, [ModelChoice(model)], ["reference", "examples"], samples=2, seed=5)
        return runs.create(conn, broker, settings, admin, plan)

    return make


def listed(conn: db.Connection, run_id: int, wanted: SampleFilter) -> list[dict[str, Any]]:
    return queries.sample_listing(conn, run_id, wanted, 100, 0)


def test_the_listing_filters_by_subject_problem_and_status(
    conn: db.Connection, start: Callable[[], int]
) -> None:
    run_id = start()
    everything = listed(conn, run_id, SampleFilter())
    assert len(everything) == SAMPLES == queries.count_sample_listing(conn, run_id, SampleFilter())
    assert not [row for row in everything if set(TEXTS) & set(row)]  # no long texts

    # A baseline by its own name, a model version by "name@number", as the leaderboard.
    reference = SampleFilter(subject="reference")
    assert {r["subject"] for r in listed(conn, run_id, reference)} == {"baseline:reference"}
    assert queries.count_sample_listing(conn, run_id, reference) == 6
    strong = SampleFilter(subject="strong@1")
    assert {r["subject"] for r in listed(conn, run_id, strong)} == {"strong@1"}
    assert queries.count_sample_listing(conn, run_id, SampleFilter(subject="weak@1")) == 0

    one_problem = SampleFilter(problem=FAST_PROBLEM)
    assert {r["problem"] for r in listed(conn, run_id, one_problem)} == {FAST_PROBLEM}
    assert queries.count_sample_listing(conn, run_id, one_problem) == 6
    both = SampleFilter(subject="strong@1", problem=FAST_PROBLEM)
    rows = listed(conn, run_id, both)
    assert [(r["subject"], r["problem"], r["sample_index"]) for r in rows] == [
        ("strong@1", FAST_PROBLEM, 0),
        ("strong@1", FAST_PROBLEM, 1),
    ]

    # Two samples taken by a worker: RUNNING, the others still PENDING.
    taken = [rows[0]["id"], everything[0]["id"]]
    for sample_id in taken:
        assert queries.claim(conn, sample_id, "worker-1") is not None
    running = SampleFilter(status="RUNNING")
    assert sorted(r["id"] for r in listed(conn, run_id, running)) == sorted(taken)
    assert queries.count_sample_listing(conn, run_id, SampleFilter(status="PENDING")) == 16
    assert queries.count_sample_listing(conn, run_id, both) == 2
    strong_running = SampleFilter(subject="strong@1", problem=FAST_PROBLEM, status="RUNNING")
    assert [r["id"] for r in listed(conn, run_id, strong_running)] == [rows[0]["id"]]
    nothing = SampleFilter(status="SUCCESS")
    assert listed(conn, run_id, nothing) == []
    assert queries.count_sample_listing(conn, run_id, nothing) == 0


def test_pages_walk_the_matches_in_the_runs_order_and_keep_the_total(
    conn: db.Connection, start: Callable[[], int]
) -> None:
    run_id = start()
    other = start()  # another run's samples are never listed
    order = [row["id"] for row in queries.samples(conn, run_id, None, 0)]
    pages = [
        queries.sample_listing(conn, run_id, SampleFilter(), 5, offset) for offset in (0, 5, 10, 15)
    ]
    assert [len(page) for page in pages] == [5, 5, 5, 3]
    assert [row["id"] for page in pages for row in page] == order
    assert queries.sample_listing(conn, run_id, SampleFilter(), 5, 20) == []
    assert queries.count_sample_listing(conn, run_id, SampleFilter()) == SAMPLES

    reference = SampleFilter(subject="reference")
    in_order = [row["id"] for row in queries.samples(conn, run_id, None, 0)
                if row["subject"] == "baseline:reference"]  # fmt: skip
    second = queries.sample_listing(conn, run_id, reference, 4, 4)
    assert [row["id"] for row in second] == in_order[4:8] and len(second) == 2
    assert queries.count_sample_listing(conn, other, reference) == 6


def test_a_sample_is_read_with_its_texts_only_through_its_own_run(
    conn: db.Connection, start: Callable[[], int]
) -> None:
    mine, other = start(), start()
    first = queries.sample_listing(conn, mine, SampleFilter(), 1, 0)[0]
    found = queries.sample(conn, mine, first["id"])
    assert found is not None and found["run_id"] == mine and set(TEXTS) <= set(found)
    assert queries.sample(conn, other, first["id"]) is None
    assert queries.sample(conn, mine, 2**62) is None
    # The console's "Open" reads through the same check.
    assert sample_evidence(conn, other, first["id"]) is None
    opened = sample_evidence(conn, mine, first["id"])
    assert opened is not None and opened[0]["id"] == first["id"] and opened[1] == []


def test_the_runs_document_is_in_the_apis_field_order_and_the_same_for_both(
    conn: db.Connection,
    start: Callable[[], int],
    settings: Settings,
    api: TestClient[Any],
    admin_token: str,
) -> None:
    assert routes.Sample.__struct_fields__ == documents.SAMPLE_FIELDS
    assert (*documents.RUN_FIELDS, "manifest", "progress") == routes.RunDetail.__struct_fields__
    run_id = start()
    for export_format in ("json", "csv"):
        answer = api.get(
            f"/api/v1/evaluations/{run_id}/export?format={export_format}",
            headers=bearer(admin_token),
        )
        assert answer.status_code == 200
        assert answer.content == documents.export(conn, settings, run_id, export_format)
    exported = json.loads(documents.export(conn, settings, run_id, "json"))
    assert list(exported["samples"][0]) == list(routes.Sample.__struct_fields__)
    assert len(exported["samples"]) == SAMPLES
