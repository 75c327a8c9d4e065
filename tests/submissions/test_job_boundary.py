"""One boundary per job: whatever unexpected goes wrong after the claim (a bug in grading,
the database refusing what is stored), the submission ends as ERROR naming the appliance's
fault, the job returns, and nothing stays RUNNING. The same for validating a version. The
faults are provoked at their seam; the judge is replaced by a synthetic report, so these
tests need no container."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from litestar.testing import TestClient
from psycopg.types.json import Jsonb

from appliance import db
from appliance.errors import InfrastructureError
from appliance.judging import judge
from appliance.judging.judge import Judged
from appliance.problems import versions
from appliance.problems.jobs import validate_guarded
from appliance.problems.validation import refused
from appliance.submissions import jobs, queries
from appliance.submissions.jobs import judge_claimed
from appliance.workers.worker import WorkerContext
from tests.bundles import STRONG_SUITE, mini_bundle
from tests.conftest import bearer
from tests.submissions.helpers import result, submit
from tests.submissions.reports import huge_report


@pytest.fixture
def synthetic_judge(monkeypatch: pytest.MonkeyPatch) -> None:
    report = huge_report(tests_per_run=2, output_repeats=3)
    monkeypatch.setattr(judge, "judge_version", lambda *_: Judged(report, "synthetic"))


def _row(conn: db.Connection, submission_id: str) -> dict[str, Any]:
    row = conn.execute(
        "SELECT status, error_detail, claimed_by, (SELECT count(*) FROM variant_results"
        " WHERE submission_id = s.id) AS variants FROM submissions s WHERE id = %s",
        (submission_id,),
    ).fetchone()
    assert row is not None
    return row


def _raise(exc: Exception) -> Any:
    def fail(*_: object) -> None:
        raise exc

    return fail


@pytest.mark.usefixtures("synthetic_judge")
def test_a_bug_in_grading_ends_the_submission_as_an_appliance_error(
    api: TestClient[Any],
    learner_token: str,
    worker_ctx: WorkerContext,
    conn: db.Connection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    accepted = submit(api, learner_token, STRONG_SUITE)
    monkeypatch.setattr(jobs, "grade", _raise(ValueError("the report does not add up")))
    assert judge_claimed(worker_ctx, accepted["id"]) == "ERROR"
    got = result(api, learner_token, accepted["id"])
    assert (got["status"], got["reason"], got["score"]) == ("ERROR", None, None)
    assert "appliance failed" in got["error"] and "ValueError" in got["error"]
    assert "add up" not in got["error"]  # the message stays in the worker's log


@pytest.mark.usefixtures("synthetic_judge")
def test_a_database_refusing_the_results_ends_the_submission_as_an_error_without_rows(
    api: TestClient[Any],
    learner_token: str,
    worker_ctx: WorkerContext,
    conn: db.Connection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    accepted = submit(api, learner_token, STRONG_SUITE)
    refusal = psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
    monkeypatch.setattr(queries, "insert_test_rows", _raise(refusal))
    assert judge_claimed(worker_ctx, accepted["id"]) == "ERROR"
    row = _row(conn, accepted["id"])
    assert (row["status"], row["variants"]) == ("ERROR", 0)  # the half-stored results rolled back
    assert "DataError" in row["error_detail"]


@pytest.mark.usefixtures("synthetic_judge")
def test_a_fault_after_the_sweeper_took_the_claim_leaves_the_row_to_its_new_worker(
    api: TestClient[Any],
    learner_token: str,
    worker_ctx: WorkerContext,
    conn: db.Connection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    accepted = submit(api, learner_token, STRONG_SUITE)

    def reclaimed_then_fail(*_: object) -> None:
        conn.execute("UPDATE submissions SET claimed_by = 'other' WHERE id = %s", (accepted["id"],))
        raise ValueError("late")

    monkeypatch.setattr(jobs, "grade", reclaimed_then_fail)
    assert judge_claimed(worker_ctx, accepted["id"]) is None
    row = _row(conn, accepted["id"])
    assert (row["status"], row["claimed_by"]) == ("RUNNING", "other")


def test_a_huge_hostile_report_is_stored_and_its_detail_stays_under_a_megabyte(
    api: TestClient[Any],
    learner_token: str,
    worker_ctx: WorkerContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Thousands of tests per run with long names, NULs, lone surrogates and control
    characters everywhere, through the real job code and the real database."""
    report = huge_report()
    monkeypatch.setattr(judge, "judge_version", lambda *_: Judged(report, "synthetic"))
    accepted = submit(api, learner_token, STRONG_SUITE)
    assert judge_claimed(worker_ctx, accepted["id"]) == "SUCCESS"
    response = api.get(f"/api/v1/submissions/{accepted['id']}", headers=bearer(learner_token))
    assert response.status_code == 200
    assert len(response.content) < 1_000_000
    got = response.json()
    assert (got["status"], got["score"]) == ("SUCCESS", 100)
    assert any("not stored" in test["name"] for test in got["golden"]["tests"])
    assert all(mutant["killed_by"] for mutant in got["mutants"])
    assert "\ufffd" in got["golden"]["output"] and "\x00" not in got["golden"]["output"]


def test_a_bug_while_validating_makes_the_version_invalid_with_a_reason(
    worker_ctx: WorkerContext, conn: db.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = versions.add_version(conn, mini_bundle("boundary-clamp"), created_by=None)
    monkeypatch.setattr(judge, "judge_version", _raise(KeyError("wall_seconds")))
    assert validate_guarded(worker_ctx, ref.id) == "invalid"
    row = conn.execute(
        "SELECT status, validation FROM problem_versions WHERE id = %s", (ref.id,)
    ).fetchone()
    assert row is not None and row["status"] == "invalid"
    assert "KeyError" in row["validation"]["reasons"][0]


def test_posting_a_version_the_appliance_failed_validates_it_again(
    worker_ctx: WorkerContext, conn: db.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = versions.add_version(conn, mini_bundle("boundary-clamp"), created_by=None)
    monkeypatch.setattr(judge, "judge_version", _raise(KeyError("wall_seconds")))
    assert validate_guarded(worker_ctx, ref.id) == "invalid"

    again = versions.add_version(conn, mini_bundle("boundary-clamp"), created_by=None)
    assert (again.id, again.number, again.status, again.created) == (
        ref.id,
        ref.number,
        "validating",
        False,
    )


def test_posting_a_version_invalid_by_its_own_fault_again_changes_nothing(
    worker_ctx: WorkerContext, conn: db.Connection
) -> None:
    ref = versions.add_version(conn, mini_bundle("boundary-clamp"), created_by=None)
    refusal = refused("mutant no_upper_bound survives the reference suite")
    conn.execute(
        "UPDATE problem_versions SET status = 'invalid', validation = %s WHERE id = %s",
        (Jsonb(refusal), ref.id),
    )

    again = versions.add_version(conn, mini_bundle("boundary-clamp"), created_by=None)
    assert (again.id, again.status) == (ref.id, "invalid")


def test_docker_trouble_while_validating_leaves_the_version_to_be_tried_again(
    worker_ctx: WorkerContext, conn: db.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = versions.add_version(conn, mini_bundle("boundary-clamp"), created_by=None)
    monkeypatch.setattr(judge, "judge_version", _raise(InfrastructureError("docker is down")))
    with pytest.raises(InfrastructureError):
        validate_guarded(worker_ctx, ref.id)
    row = conn.execute("SELECT status FROM problem_versions WHERE id = %s", (ref.id,)).fetchone()
    assert row == {"status": "validating"}


NUL_SUITE = """\
from target import clamp


def test_prints_nul_and_says_nul_when_it_fails():
    print("before\\x00after")
    assert clamp(5, 0, 3) == 3, "got a NUL: \\x00"
    assert clamp(-5, 0, 3) == 0, "got a NUL: \\x00"
    assert clamp(2, 0, 3) == 2, "got a NUL: \\x00"
"""


def test_a_suite_printing_nul_through_the_real_judge_is_judged_not_stuck(
    api: TestClient[Any], learner_token: str, worker_ctx: WorkerContext, conn: db.Connection
) -> None:
    accepted = submit(api, learner_token, NUL_SUITE)
    assert judge_claimed(worker_ctx, accepted["id"]) == "SUCCESS"
    stored = conn.execute(
        "SELECT string_agg(message, '') AS text FROM test_results WHERE submission_id = %s",
        (accepted["id"],),
    ).fetchone()
    assert stored is not None and "got a NUL: \ufffd" in stored["text"]


def test_a_connection_lost_after_the_claim_puts_the_submission_back_to_be_judged_again(
    api: TestClient[Any],
    learner_token: str,
    worker_ctx: WorkerContext,
    conn: db.Connection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    accepted = submit(api, learner_token, STRONG_SUITE)

    def server_gone(db_conn: db.Connection, version_id: int) -> None:
        # What a PostgreSQL restart between the claim and the judging looks like.
        db_conn.close()
        raise psycopg.OperationalError("the connection is closed")

    with monkeypatch.context() as patched:
        patched.setattr(jobs.problem_queries, "version_by_id", server_gone)
        assert judge_claimed(worker_ctx, accepted["id"]) is None
    row = conn.execute(
        "SELECT status, claimed_by, attempts FROM submissions WHERE id = %s", (accepted["id"],)
    ).fetchone()
    assert row == {"status": "PENDING", "claimed_by": None, "attempts": 1}
    assert judge_claimed(worker_ctx, accepted["id"]) == "SUCCESS"
