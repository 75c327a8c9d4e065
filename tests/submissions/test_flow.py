"""From POST to result through the real queue, worker and judge image: every status, every
reason code, the verdicts and the kill matrix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import docker
import pytest
from litestar.testing import TestClient

from appliance import db
from appliance.submissions.jobs import judge_claimed
from appliance.workers.worker import WorkerContext, make_context
from tests.bundles import GOLDEN, STRONG_SUITE, WEAK_SUITE
from tests.conftest import FAST_PROBLEM, make_settings
from tests.submissions.helpers import result, submit


def judged(
    api: TestClient[Any],
    token: str,
    drain: Callable[[], None],
    code: str,
    problem: str = "mini-clamp",
) -> dict[str, Any]:
    accepted = submit(api, token, code, problem)
    drain()
    return result(api, token, accepted["id"])


def assert_no_sandbox_left(
    conn: db.Connection, client: docker.DockerClient, submission_id: str
) -> None:
    """The submission was judged in a sandbox, and that container is gone."""
    row = conn.execute(
        "SELECT sandbox_id FROM submissions WHERE id = %s", (submission_id,)
    ).fetchone()
    assert row is not None
    assert row["sandbox_id"]
    assert client.api.containers(all=True, filters={"id": row["sandbox_id"]}) == []


def test_a_strong_suite_kills_every_mutant_and_scores_100(
    api: TestClient[Any], learner_token: str, drain: Callable[[], None]
) -> None:
    got = judged(api, learner_token, drain, STRONG_SUITE)
    assert (got["status"], got["reason"], got["score"]) == ("SUCCESS", None, 100)
    assert (got["killed_weight"], got["total_weight"], got["killed_count"], got["total_count"]) == (
        6,
        6,
        3,
        3,
    )
    assert got["golden"]["verdict"] == "passed" and set(got["twins"]) == {"passed"}
    assert set(got["golden_reruns"]) == {"passed"} and len(got["golden_reruns"]) >= 6
    assert len(got["golden"]["tests"]) == 5
    assert all(m["verdict"] == "killed" and m["hint"] is None for m in got["mutants"])
    assert got["timings"]["queued_ms"] >= 0 and got["timings"]["run_ms"] > 0


def test_a_weak_suite_scores_its_share_and_sees_hints_only_for_survivors(
    api: TestClient[Any],
    admin_token: str,
    drain: Callable[[], None],
    docker_engine: docker.DockerClient,
    conn: db.Connection,
) -> None:
    got = judged(api, admin_token, drain, WEAK_SUITE)
    assert_no_sandbox_left(conn, docker_engine, got["id"])
    assert (got["status"], got["score"], got["killed_weight"], got["killed_count"]) == (
        "SUCCESS",
        41,
        1,
        1,
    )
    by_name = {m["name"]: m for m in got["mutants"]}
    assert by_name["bounds_swapped"] == {
        "name": "bounds_swapped",
        "label": by_name["bounds_swapped"]["label"],
        "verdict": "killed",
        "weight": 1,
        "hint": None,
        "killed_by": ["test_inside_is_unchanged"],
    }
    assert by_name["upper_exclusive"]["verdict"] == "survived"
    assert by_name["upper_exclusive"]["hint"] == "Try x equal to hi."
    assert "code" not in str(got["mutants"])


def test_a_learner_sees_mutants_only_by_neutral_labels_in_label_order(
    api: TestClient[Any], learner_token: str, drain: Callable[[], None]
) -> None:
    got = judged(api, learner_token, drain, WEAK_SUITE)
    assert [m["label"] for m in got["mutants"]] == ["mutant 1", "mutant 2", "mutant 3"]
    assert all("name" not in m for m in got["mutants"])
    for name in ("bounds_swapped", "upper_exclusive", "no_range_check"):
        assert name not in str(got)
    hints = sorted(m["hint"] for m in got["mutants"] if m["verdict"] == "survived")
    assert hints == ["Try x equal to hi.", "What if lo is greater than hi?"]


def test_the_kill_matrix_names_the_tests_that_killed_each_mutant(
    api: TestClient[Any], admin_token: str, drain: Callable[[], None]
) -> None:
    got = judged(api, admin_token, drain, STRONG_SUITE)
    matrix = {m["name"]: set(m["killed_by"]) for m in got["mutants"]}
    assert matrix["upper_exclusive"] == {"test_upper_bound_is_kept", "test_above_is_clamped"}
    assert matrix["no_range_check"] == {"test_inverted_range_is_refused"}
    assert "test_inside_is_unchanged" in matrix["bounds_swapped"]


FAILURES = {
    "golden_failed": "from target import clamp\n\ndef test_wrong():\n    assert clamp(5, 0, 10) == 6\n",
    "no_tests": "from target import clamp\n\ndef helper():\n    return clamp(1, 0, 2)\n",
    "collection_error": "import no_such_module\n\ndef test_x():\n    assert True\n",
    "syntax_error": "def test_x(:\n    pass\n",
    # Every run starts in a fresh process and /tmp is wiped between runs, so the suite
    # tells the first run from later ones by how long after the runner it started.
    "flaky": (
        "import os, time\nfrom target import clamp\n\n"
        "def started(pid):\n"
        "    with open(f'/proc/{pid}/stat') as stat:\n"
        "        return int(stat.read().rsplit(')', 1)[1].split()[19])\n\n"
        "def test_passes_in_the_first_run_only():\n"
        "    time.sleep(3)\n"
        "    assert started(os.getpid()) - started(1) < 250 and clamp(1, 0, 2) == 1\n"
    ),
    "introspection": (
        "import target\n\n"
        "def test_clamp_is_defined_on_the_first_line():\n"
        "    assert target.clamp.__code__.co_firstlineno == 1\n"
    ),
}


@pytest.mark.parametrize("reason", sorted(FAILURES))
def test_a_suite_at_fault_ends_in_failure_with_its_reason(
    api: TestClient[Any],
    learner_token: str,
    drain: Callable[[], None],
    reason: str,
    docker_engine: docker.DockerClient,
    conn: db.Connection,
) -> None:
    got = judged(api, learner_token, drain, FAILURES[reason])
    assert (got["status"], got["reason"], got["score"]) == ("FAILURE", reason, 0)
    assert_no_sandbox_left(conn, docker_engine, got["id"])


def test_a_suite_slower_than_the_limit_on_golden_is_golden_timeout(
    api: TestClient[Any], learner_token: str, drain: Callable[[], None]
) -> None:
    code = "import time\nfrom target import clamp\n\ndef test_slow():\n    time.sleep(30)\n"
    got = judged(api, learner_token, drain, code, FAST_PROBLEM)
    assert (got["status"], got["reason"]) == ("FAILURE", "golden_timeout")
    assert got["golden"]["verdict"] == "timeout"


def test_code_over_a_lowered_limit_fails_as_too_large(
    api: TestClient[Any], learner_token: str, worker_ctx: WorkerContext
) -> None:
    accepted = submit(api, learner_token, STRONG_SUITE)
    small = make_settings(
        worker_ctx.settings.database_url, worker_ctx.settings.redis_url, ARENA_MAX_CODE_BYTES="10"
    )
    ctx = make_context(small, worker_ctx.conn, worker_ctx.docker, worker_ctx.name)
    assert judge_claimed(ctx, accepted["id"]) == "FAILURE"
    assert result(api, learner_token, accepted["id"])["reason"] == "too_large"


def test_a_missing_judge_image_is_retried_then_an_error_not_a_failure(
    api: TestClient[Any], learner_token: str, worker_ctx: WorkerContext, conn: db.Connection
) -> None:
    accepted = submit(api, learner_token, STRONG_SUITE)
    broken = make_settings(
        worker_ctx.settings.database_url,
        worker_ctx.settings.redis_url,
        ARENA_JUDGE_IMAGE="arena/no-such-image:0",
    )
    ctx = make_context(broken, worker_ctx.conn, worker_ctx.docker, worker_ctx.name)
    assert judge_claimed(ctx, accepted["id"]) == "ERROR"
    got = result(api, learner_token, accepted["id"])
    assert (got["status"], got["reason"], got["score"]) == ("ERROR", None, None)
    assert "missing" in got["error"] and "after 3 tries" in got["error"]


def test_a_claimed_submission_is_not_judged_twice(
    api: TestClient[Any], learner_token: str, worker_ctx: WorkerContext
) -> None:
    accepted = submit(api, learner_token, STRONG_SUITE)
    assert judge_claimed(worker_ctx, accepted["id"]) == "SUCCESS"
    assert judge_claimed(worker_ctx, accepted["id"]) is None


def _consts_of_golden_clamp() -> tuple[object, ...]:
    namespace: dict[str, Any] = {}
    exec(compile(GOLDEN, "target.py", "exec"), namespace)
    return tuple(namespace["clamp"].__code__.co_consts)


INTROSPECTING_SUITES = {
    "source_text": (
        "import inspect\nimport target\n\n"
        f"GOLDEN = {GOLDEN!r}\n\n"
        "def test_source_is_the_golden_one():\n"
        "    assert inspect.getsource(target.clamp) == GOLDEN\n"
    ),
    "constants": (
        "import target\n\n"
        "def test_constants_are_the_golden_ones():\n"
        f"    assert target.clamp.__code__.co_consts == {_consts_of_golden_clamp()!r}\n"
    ),
    "line_numbers": FAILURES["introspection"],
}


@pytest.mark.parametrize("kind", sorted(INTROSPECTING_SUITES))
def test_the_monitor_refuses_a_suite_that_tells_variants_apart_by_introspection(
    api: TestClient[Any], learner_token: str, drain: Callable[[], None], kind: str
) -> None:
    got = judged(api, learner_token, drain, INTROSPECTING_SUITES[kind])
    assert got["golden"]["refused"], got["golden"]
    assert (got["status"], got["reason"], got["score"]) == ("FAILURE", "introspection", 0)


def test_a_mutant_the_suite_hangs_on_times_out_and_counts_as_killed(
    api: TestClient[Any], admin_token: str, drain: Callable[[], None]
) -> None:
    # On upper_exclusive clamp(10, 0, 10) is 9, on bounds_swapped 0, so this loop never ends:
    # those mutants run into their limit, min(5 s, max(1 s, 5 x golden + 0.5 s)), which
    # exposes them all the same. no_range_check returns 10 and survives.
    code = (
        "from target import clamp\n\n"
        "def test_waits_for_the_upper_bound():\n"
        "    while clamp(10, 0, 10) != 10:\n"
        "        pass\n"
    )
    got = judged(api, admin_token, drain, code)
    by_name = {m["name"]: m for m in got["mutants"]}
    assert by_name["upper_exclusive"]["verdict"] == "timeout"
    assert by_name["upper_exclusive"]["hint"] is None
    assert by_name["bounds_swapped"]["verdict"] == "timeout"
    assert by_name["no_range_check"]["verdict"] == "survived"
    assert (got["status"], got["killed_weight"], got["score"]) == ("SUCCESS", 4, 30 + 70 * 4 // 6)
